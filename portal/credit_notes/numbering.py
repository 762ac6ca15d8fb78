"""Gapless credit-note numbers: ``CN-<year>-<6 digits>``, one counter row per year.

Same scheme as invoices (:mod:`portal.invoices.numbering`), own counter: the row is created
if missing and stepped in the caller's transaction (:func:`portal.invoices.numbering.reserve`), so
a rolled-back credit note gives its number back.
"""

from __future__ import annotations

from portal.invoices.numbering import reserve
from portal.models import CreditNoteSequence


def format_number(year: int, value: int) -> str:
    """``CN-2026-000001``."""
    return f"CN-{year}-{value:06d}"


def next_number(year: int) -> str:
    """Take the next credit-note number of ``year`` (inside the unit of work that issues it)."""
    return format_number(year, reserve(CreditNoteSequence, year))
