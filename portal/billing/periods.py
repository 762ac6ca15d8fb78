"""Billing periods and calendar months in an organization's timezone.

A :class:`Period` is a run of local dates, first and last day inclusive.  In a
timezone it becomes the half-open range of instants
``[start 00:00 local, end + 1 day 00:00 local)``, returned in UTC.

All elapsed-time arithmetic happens on UTC instants: subtracting two aware
datetimes that share a ``ZoneInfo`` would measure wall-clock time and miss a
DST hour.  A local midnight that does not exist (a DST gap at 00:00) resolves
to the first instant of that day; an ambiguous one to its first occurrence.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidPeriod, NaiveDatetime, UnknownTimezone

UTC = timezone.utc
ONE_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the ``ZoneInfo`` for an IANA name, or raise :class:`UnknownTimezone`."""
    if not isinstance(name, str) or not name:
        raise UnknownTimezone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimezone(name) from None


def as_utc(instant: datetime, what: str = "instant") -> datetime:
    """Return an aware datetime converted to UTC; reject naive ones."""
    if not isinstance(instant, datetime):
        raise NaiveDatetime(f"{what} must be a datetime, got {instant!r}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetime(f"{what} must carry a timezone: {instant.isoformat()}")
    return instant.astimezone(UTC)


def elapsed_us(start: datetime, end: datetime) -> int:
    """Exact microseconds from ``start`` to ``end`` (both aware; UTC recommended)."""
    return (end.astimezone(UTC) - start.astimezone(UTC)) // _MICROSECOND


@lru_cache(maxsize=65536)
def local_midnight(day: date, tz: str) -> datetime:
    """The UTC instant at which local date ``day`` begins in timezone ``tz``."""
    local = datetime(day.year, day.month, day.day, tzinfo=zone(tz))
    return local.astimezone(UTC)


def local_date(instant: datetime, tz: str) -> date:
    """The local calendar date of an aware instant in timezone ``tz``."""
    return instant.astimezone(zone(tz)).date()


@lru_cache(maxsize=4096)
def days_in_month(year: int, month: int) -> int:
    """Number of calendar days of a month (28..31)."""
    return calendar.monthrange(year, month)[1]


def next_month(year: int, month: int) -> tuple[int, int]:
    """The (year, month) after the given one."""
    return (year + 1, 1) if month == 12 else (year, month + 1)


@lru_cache(maxsize=4096)
def month_bounds(year: int, month: int, tz: str) -> tuple[datetime, datetime]:
    """UTC instants ``[first day 00:00 local, first day of next month 00:00 local)``."""
    following = next_month(year, month)
    return (local_midnight(date(year, month, 1), tz), local_midnight(date(following[0], following[1], 1), tz))


@lru_cache(maxsize=4096)
def month_us(year: int, month: int, tz: str) -> int:
    """Real elapsed microseconds of a local month (DST months differ by an hour)."""
    start, end = month_bounds(year, month, tz)
    return elapsed_us(start, end)


def month_seconds(year: int, month: int, tz: str) -> int:
    """Real elapsed seconds of a local month: October 2026 in Europe/Berlin is 745 h."""
    return month_us(year, month, tz) // 1_000_000


@dataclass(frozen=True)
class MonthSlice:
    """The part of an instant range that falls into one local calendar month."""

    year: int
    month: int
    start: datetime
    end: datetime


def split_by_month(start: datetime, end: datetime, tz: str) -> list[MonthSlice]:
    """Split ``[start, end)`` at the local month boundaries of ``tz`` (UTC slices)."""
    lower, upper = as_utc(start, "start"), as_utc(end, "end")
    slices: list[MonthSlice] = []
    cursor = lower
    while cursor < upper:
        day = local_date(cursor, tz)
        month_end = month_bounds(day.year, day.month, tz)[1]
        cut = min(month_end, upper)
        slices.append(MonthSlice(day.year, day.month, cursor, cut))
        cursor = cut
    return slices


#: Billing periods lie within these years (it also keeps every timezone shift in range).
MIN_YEAR, MAX_YEAR = 1971, 2999


@dataclass(frozen=True)
class Period:
    """Local dates ``start`` .. ``end``, both inclusive.  Rejects end before start and far-off years."""

    start: date
    end: date

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if not isinstance(value, date) or isinstance(value, datetime):
                raise InvalidPeriod(f"a period is made of dates, got {value!r}")
        if self.end < self.start:
            raise InvalidPeriod(f"period ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})")
        if self.start.year < MIN_YEAR or self.end.year > MAX_YEAR:
            raise InvalidPeriod(f"periods must lie between {MIN_YEAR} and {MAX_YEAR}")

    @property
    def days(self) -> int:
        """Number of local days in the period."""
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        """Whether local date ``day`` lies inside the period."""
        return self.start <= day <= self.end

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """UTC instants ``[start 00:00 local, end + 1 day 00:00 local)`` in ``tz``."""
        return local_midnight(self.start, tz), local_midnight(self.end + ONE_DAY, tz)

    def split(self, first_of_second: date) -> tuple[Period, Period]:
        """Cut into ``[start, day - 1]`` and ``[day, end]``; ``day`` must be inside, not first."""
        if not self.start < first_of_second <= self.end:
            raise InvalidPeriod(f"cannot split {self} at {first_of_second.isoformat()}")
        return (Period(self.start, first_of_second - ONE_DAY), Period(first_of_second, self.end))

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def month_period(year: int, month: int) -> Period:
    """The calendar month as a period: ``month_period(2026, 10)`` is Oct 1..31."""
    if not 1 <= month <= 12:
        raise InvalidPeriod(f"no month {month}")
    return Period(date(year, month, 1), date(year, month, days_in_month(year, month)))


def this_month(now: datetime, tz: str) -> Period:
    """The local calendar month that contains ``now`` in ``tz``."""
    today = local_date(as_utc(now, "now"), tz)
    return month_period(today.year, today.month)


def last_month(now: datetime, tz: str) -> Period:
    """The local calendar month before the one containing ``now`` in ``tz``."""
    first = this_month(now, tz).start - ONE_DAY
    return month_period(first.year, first.month)


def last_instant_day(end: datetime, tz: str) -> date:
    """Local date of the last instant before ``end`` (the last day ``[.., end)`` touches)."""
    return local_date(as_utc(end, "end") - _MICROSECOND, tz)
