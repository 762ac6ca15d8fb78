"""An independent, deliberately naive reference of the billing rules.

It shares no code with ``portal.billing``: it walks the period day by day in the
organization's timezone, measures each day's overlap with each span, takes the
month's length as the sum of its days' lengths, finds prices and trials by
linear scans over dates, and accumulates exact ``Fraction`` amounts per line
key ``(organization_id, tariff_id, price_from, is_trial)``.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

Key = tuple[int, int, date, bool]


def day_start(day: date, tz: str) -> datetime:
    """First instant of local ``day`` (UTC)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def month_length_us(year: int, month: int, tz: str) -> int:
    """Sum of the lengths of the month's days, in microseconds."""
    total = 0
    for number in range(1, calendar.monthrange(year, month)[1] + 1):
        day = date(year, month, number)
        total += (day_start(day + timedelta(days=1), tz) - day_start(day, tz)) // timedelta(microseconds=1)
    return total


def _price_on(prices: list, tariff_id: int, day: date):  # noqa: ANN001, ANN202
    best = None
    for version in prices:
        if version.tariff_id == tariff_id and version.effective_from <= day:
            if best is None or version.effective_from > best.effective_from:
                best = version
    assert best is not None, "scenario guarantees a price"
    return best


def _in_trial(org, day: date) -> bool:  # noqa: ANN001
    if org.trial_end is None:
        return False
    return (org.trial_start is None or org.trial_start <= day) and day <= org.trial_end


def reference_lines(
    orgs: list, spans: list, prices: list, start: date, end: date, now: datetime, per_day: bool
) -> dict[Key, Fraction]:
    """Exact amount (minor units) per line key, computed day by day."""
    amounts: dict[Key, Fraction] = defaultdict(Fraction)
    touched: dict[tuple[Key, int, int, int], set[date]] = defaultdict(set)
    lengths: dict[tuple[int, int, str], int] = {}
    for org in orgs:
        day = start
        while day <= end:
            lower, upper = day_start(day, org.timezone), day_start(day + timedelta(days=1), org.timezone)
            for span in spans:
                if span.organization_id != org.id:
                    continue
                stop = now if span.ended_at is None else min(span.ended_at, now)
                a, b = max(span.started_at, lower), min(stop, upper)
                if a >= b:
                    continue
                version = _price_on(prices, span.tariff_id, day)
                trial = _in_trial(org, day)
                key = (org.id, span.tariff_id, version.effective_from, trial)
                unit = 0 if trial else version.amount_minor
                if per_day:
                    touched[(key, span.camera_id, day.year, day.month)].add(day)
                    continue
                month_key = (day.year, day.month, org.timezone)
                if month_key not in lengths:
                    lengths[month_key] = month_length_us(*month_key)
                amounts[key] += Fraction(unit * ((b - a) // timedelta(microseconds=1)), lengths[month_key])
            day += timedelta(days=1)
    for (key, _camera, year, month), days in touched.items():
        version = [p for p in prices if p.tariff_id == key[1] and p.effective_from == key[2]][0]
        unit = 0 if key[3] else version.amount_minor
        amounts[key] += Fraction(unit * len(days), calendar.monthrange(year, month)[1])
    return dict(amounts)


def half_up(value: Fraction) -> int:
    """Round a non-negative exact amount half-up."""
    return (value + Fraction(1, 2)).__floor__()
