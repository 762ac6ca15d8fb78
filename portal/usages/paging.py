"""One page of a report's cameras, formatted without calling Babel per row.

A 1,000-camera organization's page shows :data:`PER_PAGE` cameras (their rows and their
timeline bars); every camera is one click away (``?all=1``) and in the CSV.  The cells are
formatted by :class:`RowFormat`, which asks Babel once per page for the currency's and the
zone's shape and then formats each row with plain string operations; it checks itself
against Babel on probe values and falls back to Babel when they would differ, so the text
is always exactly Babel's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, get_currency_precision

from portal.i18n import format_locale
from portal.templating import money_exact, utc_offset_label
from portal.usages.report import UsageReport, format_duration
from portal.usages.timeline import AXIS_HEIGHT, BAR_HEIGHT, ROW_HEIGHT, Timeline

#: Cameras per page.
PER_PAGE = 50
_PROBES = ("1234567.891", "0.5", "12", "1000", "999999.000001", "0", "12.340000")


class RowFormat:
    """Money (exact amounts) and local date-times of one page, formatted like Babel."""

    def __init__(self, currency: str, tz: str) -> None:
        self.currency, self.tz, self.zone = currency, tz, ZoneInfo(tz)
        self.places = int(get_currency_precision(currency))
        probe = format_currency(Decimal("1234567.891"), currency, locale=format_locale(), decimal_quantization=False)
        head, _, rest = probe.partition("1")
        self.prefix = head
        self.group = rest[0] if rest[:1] and not rest[0].isdigit() else ""
        tail = rest.split("567", 1)[-1]
        self.decimal, _, end = tail.partition("891")
        self.suffix = end
        self.fast = bool(self.group) and all(self._money(Decimal(v)) == self._babel(Decimal(v)) for v in _PROBES)

    def _babel(self, amount: Decimal) -> str:
        return money_exact(amount, self.currency)

    def _money(self, amount: Decimal) -> str:
        whole, _, fraction = f"{amount:f}".partition(".")
        fraction = fraction.rstrip("0").ljust(self.places, "0")
        sign = "-" if whole.startswith("-") else ""
        grouped = f"{int(whole.lstrip('-')):,}".replace(",", self.group)
        return f"{sign}{self.prefix}{grouped}{self.decimal + fraction if fraction else ''}{self.suffix}"

    def money(self, amount: Decimal) -> str:
        """Like the ``money_exact`` filter (non-negative amounts take the fast path)."""
        return self._money(amount) if self.fast and amount >= 0 else self._babel(amount)

    def when(self, value: datetime) -> str:
        """Like the ``local_dt`` filter: ``2026-10-01 01:00 UTC+01:00``."""
        local = value.astimezone(self.zone)
        return f"{local:%Y-%m-%d %H:%M} {utc_offset_label(local.utcoffset())}"


@dataclass(frozen=True)
class CameraCells:
    """One row of the camera table, ready to print."""

    camera_name: str
    camera_title: str
    organization_title: str
    tariff_name: str
    is_trial: bool
    started: str
    ended: str
    duration: str
    amount: str


@dataclass(frozen=True)
class CameraPage:
    """The cameras of one page: their cells and their part of the timeline."""

    number: int
    pages: int
    cameras: int
    first: int  #: 1-based number of the first camera shown (0 when none)
    last: int
    show_all: bool
    rows: tuple[CameraCells, ...]
    timeline: Timeline

    @property
    def paged(self) -> bool:
        """True when there is more than one page."""
        return self.pages > 1


def _camera_of_rows(report: UsageReport) -> list[int]:
    """For each row (charge), the index of its camera in order of first appearance.

    Kept on the (cached, immutable) report after the first page asks for it.
    """
    found: list[int] | None = report.__dict__.get("_row_cameras")
    if found is None:
        seen: dict[tuple[int, int], int] = {}
        found = [seen.setdefault((c.organization_id, c.camera_id), len(seen)) for c in report.statement.charges]
        object.__setattr__(report, "_row_cameras", found)  # derived from the report alone: safe to keep
    return found


def _slice_timeline(timeline: Timeline, first: int, last: int) -> Timeline:
    rows = tuple(
        replace(
            row,
            y=AXIS_HEIGHT + i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
            text_y=AXIS_HEIGHT + i * ROW_HEIGHT + ROW_HEIGHT // 2 + 4,
        )
        for i, row in enumerate(timeline.rows[first:last])
    )
    return replace(timeline, rows=rows, height=AXIS_HEIGHT + max(len(rows), 1) * ROW_HEIGHT + 4)


class CameraLike(Protocol):
    """What :func:`cells` reads: a Usages row (:class:`CameraRow`) or a stored annex line."""

    @property
    def organization_title(self) -> str: ...
    @property
    def camera_name(self) -> str: ...
    @property
    def camera_title(self) -> str: ...
    @property
    def tariff_name(self) -> str: ...
    @property
    def is_trial(self) -> bool: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def ended_at(self) -> datetime: ...
    @property
    def seconds(self) -> int: ...
    @property
    def amount(self) -> Decimal | str: ...


def cells(rows: Sequence[CameraLike], fmt: RowFormat) -> tuple[CameraCells, ...]:
    """Format ``rows`` (the Usages table's, or an invoice annex page's) for the table."""
    return tuple(
        CameraCells(
            camera_name=row.camera_name,
            camera_title=row.camera_title,
            organization_title=row.organization_title,
            tariff_name=row.tariff_name,
            is_trial=row.is_trial,
            started=fmt.when(row.started_at),
            ended=fmt.when(row.ended_at),
            duration=format_duration(row.seconds),
            amount=fmt.money(row.amount if isinstance(row.amount, Decimal) else Decimal(row.amount)),
        )
        for row in rows
    )


def camera_page(report: UsageReport, number: int | None, show_all: bool) -> CameraPage:
    """Page ``number`` (1-based, clamped) of the report's cameras, or all of them."""
    index = _camera_of_rows(report)
    cameras = len(report.timeline.rows)
    pages = max(1, -(-cameras // PER_PAGE))
    number = min(max(number or 1, 1), pages)
    first, last = (0, cameras) if show_all else ((number - 1) * PER_PAGE, min(number * PER_PAGE, cameras))
    rows = [row for row, cam in zip(report.rows, index, strict=True) if first <= cam < last]
    return CameraPage(
        number=number,
        pages=1 if show_all else pages,
        cameras=cameras,
        first=first + 1 if cameras else 0,
        last=last,
        show_all=show_all,
        rows=cells(rows, RowFormat(report.currency, report.timezone)),
        timeline=report.timeline if show_all else _slice_timeline(report.timeline, first, last),
    )
