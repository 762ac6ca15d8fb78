"""A server-rendered picture of each camera's tariffs over the period (inline SVG, no JS).

Geometry is computed here; the template only writes the numbers into SVG
presentation attributes (``fill=``, ``x=``...), which a strict CSP allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_date

from portal.billing import Statement
from portal.billing.periods import ONE_DAY, local_midnight
from portal.i18n import format_locale

PALETTE = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#ffc107", "#0dcaf0", "#6c757d", "#dc3545")
LABEL_WIDTH = 220
PLOT_WIDTH = 720
ROW_HEIGHT = 22
BAR_HEIGHT = 14
AXIS_HEIGHT = 24
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Segment:
    """One charge drawn as a bar."""

    x: int
    width: int
    fill: str
    opacity: str
    title: str


@dataclass(frozen=True)
class TimelineRow:
    """One camera's bars."""

    label: str
    y: int
    text_y: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Tick:
    """A day or month mark on the axis."""

    x: int
    label: str


@dataclass(frozen=True)
class LegendItem:
    """A tariff and its colour."""

    fill: str
    name: str


@dataclass(frozen=True)
class Timeline:
    """The picture: its size, rows, axis ticks and legend."""

    width: int
    height: int
    plot_left: int
    plot_width: int
    axis_y: int
    rows: tuple[TimelineRow, ...]
    ticks: tuple[Tick, ...]
    legend: tuple[LegendItem, ...]


def _x(instant: datetime, lower: datetime, upper: datetime) -> int:
    """Horizontal position of an instant (integer arithmetic on whole seconds)."""
    span = max((upper - lower) // _SECOND, 1)
    offset = min(max((instant - lower) // _SECOND, 0), span)
    return LABEL_WIDTH + (PLOT_WIDTH * offset + span // 2) // span


def _ticks(statement: Statement, tz: str, lower: datetime, upper: datetime) -> tuple[Tick, ...]:
    period = statement.period
    ticks: list[Tick] = []
    day = period.start
    step_days = period.days <= 62
    while day <= period.end:
        if (step_days and (day - period.start).days % 7 == 0) or (not step_days and day.day == 1):
            label = format_date(day, "dd MMM" if step_days else "MMM yyyy", locale=format_locale())
            ticks.append(Tick(_x(local_midnight(day, tz), lower, upper), label))
        day += ONE_DAY
    return tuple(ticks)


def build_timeline(statement: Statement, titles: dict[int, str], tz: str) -> Timeline:
    """Lay out one row per camera, one bar per charge, coloured by tariff."""
    lower, upper = statement.period.bounds(tz)
    names = sorted({(c.tariff_name, c.tariff_id) for c in statement.charges})
    colours = {tid: PALETTE[i % len(PALETTE)] for i, (_name, tid) in enumerate(names)}
    cameras: dict[tuple[int, int], list[Segment]] = {}
    labels: dict[tuple[int, int], str] = {}
    multi_org = len(statement.organization_ids) > 1
    for charge in statement.charges:
        key = (charge.organization_id, charge.camera_id)
        label = charge.camera_title or charge.camera_name
        if multi_org:
            label = f"{titles.get(charge.organization_id, '')}: {label}"
        labels[key] = label[:40]
        x0, x1 = _x(charge.started_at, lower, upper), _x(charge.ended_at, lower, upper)
        trial = " (trial)" if charge.is_trial else ""
        cameras.setdefault(key, []).append(
            Segment(
                x=x0,
                width=max(x1 - x0, 1),
                fill=colours[charge.tariff_id],
                opacity="0.45" if charge.is_trial else "1",
                title=f"{charge.camera_name}: {charge.tariff_name}{trial}",
            )
        )
    rows = tuple(
        TimelineRow(
            label=labels[key],
            y=AXIS_HEIGHT + i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
            text_y=AXIS_HEIGHT + i * ROW_HEIGHT + ROW_HEIGHT // 2 + 4,
            segments=tuple(segments),
        )
        for i, (key, segments) in enumerate(cameras.items())
    )
    return Timeline(
        width=LABEL_WIDTH + PLOT_WIDTH + 10,
        height=AXIS_HEIGHT + max(len(rows), 1) * ROW_HEIGHT + 4,
        plot_left=LABEL_WIDTH,
        plot_width=PLOT_WIDTH,
        axis_y=AXIS_HEIGHT - 4,
        rows=rows,
        ticks=_ticks(statement, tz, lower, upper),
        legend=tuple(LegendItem(colours[tid], name) for name, tid in names),
    )
