"""ISO 4217 currencies and their minor units, read from the table shipped in ``data/``.

Source: ISO 4217 List One published 2026-01-01 (see ``data/README.md``).  The
minor unit is ISO's own (``CcyMnrUnts``), never CLDR's.  Pure: stdlib only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

TABLE: Final = Path(__file__).with_name("data") / "iso4217-list-one.xml"

#: Codes withdrawn from List One but still computable for prices and invoices made before
#: (ISO 4217 List Three, historic denominations): code -> (name, minor unit).
WITHDRAWN: Final[dict[str, tuple[str, int]]] = {
    "ANG": ("Netherlands Antillean Guilder", 2),  # replaced by XCG, 2025
    "BGN": ("Bulgarian Lev", 2),  # Bulgaria adopted the euro, 2026-01-01
}


@dataclass(frozen=True)
class Currency:
    """One ISO 4217 code: its name, numeric code, minor unit and whether it is a fund."""

    code: str
    name: str
    number: str
    minor_units: int
    is_fund: bool = False
    active: bool = True


def _parse(path: Path) -> dict[str, Currency]:
    root = ElementTree.parse(path).getroot()
    found: dict[str, Currency] = {}
    for entry in root.iter("CcyNtry"):
        code, units, name = entry.findtext("Ccy"), entry.findtext("CcyMnrUnts"), entry.find("CcyNm")
        if not code or code in found or name is None or not units or not units.isdigit():
            continue  # "no universal currency", N.A. minor unit (metals, SDR, XTS, XXX), repeats
        found[code] = Currency(
            code=code,
            name=(name.text or "").strip(),
            number=entry.findtext("CcyNbr") or "",
            minor_units=int(units),
            is_fund=name.get("IsFund") == "true",
        )
    return found


@lru_cache(maxsize=1)
def currencies() -> dict[str, Currency]:
    """Every code the engine can compute in: List One's, then the withdrawn ones (inactive)."""
    table = _parse(TABLE)
    for code, (name, units) in WITHDRAWN.items():
        table.setdefault(code, Currency(code=code, name=name, number="", minor_units=units, active=False))
    return table


def active_currencies() -> list[Currency]:
    """The currencies a form may offer (List One, funds included), sorted by code."""
    return sorted((c for c in currencies().values() if c.active), key=lambda c: c.code)


def table_published() -> str:
    """The publication date of the shipped table (``Pblshd``), e.g. ``2026-01-01``."""
    return ElementTree.parse(TABLE).getroot().get("Pblshd", "")
