"""Periods and months in an organization's timezone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal.billing import (
    InvalidPeriod,
    NaiveDatetime,
    Period,
    UnknownTimezone,
    last_month,
    month_bounds,
    month_period,
    month_seconds,
    split_by_month,
    this_month,
)
from portal.billing.periods import local_midnight

from .helpers import UTC, local

HOUR = 3600


@pytest.mark.parametrize(
    ("tz", "year", "month", "hours"),
    [
        ("Europe/Berlin", 2026, 3, 743),
        ("Europe/Berlin", 2026, 10, 745),
        ("Europe/Berlin", 2026, 6, 720),
        ("America/New_York", 2026, 3, 743),
        ("America/New_York", 2026, 11, 721),
        ("UTC", 2024, 2, 696),
        ("UTC", 2026, 2, 672),
        ("Asia/Kolkata", 2026, 1, 744),
        ("Australia/Lord_Howe", 2026, 4, 720),  # 30 min back
    ],
)
def test_month_length_in_real_hours(tz: str, year: int, month: int, hours: int) -> None:
    extra = 1800 if tz == "Australia/Lord_Howe" else 0  # DST there is half an hour
    assert month_seconds(year, month, tz) == hours * HOUR + extra


def test_period_bounds_are_local_midnights_in_utc() -> None:
    period = month_period(2026, 10)
    assert period == Period(date(2026, 10, 1), date(2026, 10, 31))
    assert period.days == 31
    start, end = period.bounds("Europe/Berlin")
    assert start == datetime(2026, 9, 30, 22, tzinfo=UTC)  # CEST, +02:00
    assert end == datetime(2026, 10, 31, 23, tzinfo=UTC)  # CET, +01:00
    assert start.tzinfo is UTC
    start, end = Period(date(2026, 1, 1), date(2026, 1, 1)).bounds("Asia/Kolkata")
    assert (start, end) == (datetime(2025, 12, 31, 18, 30, tzinfo=UTC), datetime(2026, 1, 1, 18, 30, tzinfo=UTC))


def test_period_rejects_end_before_start_and_non_dates() -> None:
    with pytest.raises(InvalidPeriod):
        Period(date(2026, 10, 2), date(2026, 10, 1))
    with pytest.raises(InvalidPeriod):
        Period(datetime(2026, 10, 1), date(2026, 10, 2))  # type: ignore[arg-type]
    with pytest.raises(InvalidPeriod):
        month_period(2026, 13)
    assert Period(date(2026, 10, 1), date(2026, 10, 1)).days == 1  # one day is fine


def test_period_split() -> None:
    first, second = month_period(2026, 10).split(date(2026, 10, 11))
    assert first == Period(date(2026, 10, 1), date(2026, 10, 10))
    assert second == Period(date(2026, 10, 11), date(2026, 10, 31))
    assert first.bounds("Europe/Berlin")[1] == second.bounds("Europe/Berlin")[0]
    with pytest.raises(InvalidPeriod):
        month_period(2026, 10).split(date(2026, 10, 1))
    assert str(first) == "2026-10-01..2026-10-10"
    assert first.contains(date(2026, 10, 10)) and not first.contains(date(2026, 10, 11))


def test_this_and_last_month_use_the_local_date() -> None:
    now = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # already November 1st in Berlin
    assert this_month(now, "UTC") == month_period(2026, 10)
    assert this_month(now, "Europe/Berlin") == month_period(2026, 11)
    assert last_month(now, "Europe/Berlin") == month_period(2026, 10)
    assert last_month(datetime(2026, 1, 15, tzinfo=UTC), "UTC") == month_period(2025, 12)
    with pytest.raises(NaiveDatetime):
        this_month(datetime(2026, 1, 1), "UTC")


def test_split_by_month_cuts_at_local_boundaries() -> None:
    tz = "America/New_York"
    start, end = local(tz, 2026, 2, 20, 12), local(tz, 2026, 4, 2)
    slices = split_by_month(start, end, tz)
    assert [(s.year, s.month) for s in slices] == [(2026, 2), (2026, 3), (2026, 4)]
    assert slices[0].start == start and slices[-1].end == end
    assert (slices[1].start, slices[1].end) == month_bounds(2026, 3, tz)
    # subtract in UTC: two datetimes sharing a ZoneInfo subtract as wall clocks
    assert sum(((s.end - s.start) for s in slices), timedelta()) == end.astimezone(UTC) - start.astimezone(UTC)
    assert split_by_month(start, start, tz) == []


def test_midnight_in_a_dst_gap_is_the_first_instant_of_the_day() -> None:
    # Sao Paulo 2018-11-04: clocks jumped from 00:00 to 01:00, midnight never happened.
    start = local_midnight(date(2018, 11, 4), "America/Sao_Paulo")
    assert start == datetime(2018, 11, 4, 3, tzinfo=UTC)
    assert start.astimezone(local("America/Sao_Paulo", 2018, 1, 1).tzinfo).hour == 1
    assert month_seconds(2018, 11, "America/Sao_Paulo") == 719 * HOUR


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "Europe/Berlin "])
def test_unknown_timezone(name: str) -> None:
    with pytest.raises(UnknownTimezone):
        month_seconds(2026, 1, name)
