"""Effective-dated price lists: which price version applies on a local date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

from .errors import InvalidPriceList, NoPriceForPeriod
from .types import PriceVersion


class Dated(Protocol):
    """Anything effective from a local date (a price version, a price row)."""

    @property
    def effective_from(self) -> date:
        """The first local date it applies on."""
        ...


D = TypeVar("D", bound=Dated)


def price_in_force(versions: Iterable[D], day: date) -> D | None:
    """THE rule for the price in force: the latest version effective on or before local ``day``.

    None before the first version.  :class:`PriceBook`, the tariff pages and the
    dashboards all answer "which price applies on this day" through this function.
    """
    ordered = sorted(versions, key=lambda v: v.effective_from)
    index = _last_at_or_before([v.effective_from for v in ordered], day)
    return ordered[index] if index >= 0 else None


def version_in_force(versions: Iterable[D], day: date) -> tuple[D | None, date | None]:
    """The version in force on local ``day`` (None before the first) and the next version's date.

    The same rule as :func:`price_in_force`, for any effective-dated record (individual
    prices and tax rates, :mod:`portal.billing.terms`).
    """
    ordered = sorted(versions, key=lambda v: v.effective_from)
    dates = [v.effective_from for v in ordered]
    index = _last_at_or_before(dates, day)
    following = dates[index + 1] if index + 1 < len(dates) else None
    return (ordered[index] if index >= 0 else None), following


def next_version_start(versions: Iterable[Dated], day: date) -> date | None:
    """The date the first version after local ``day`` starts (where one from ``day`` would end), or None."""
    dates = sorted(v.effective_from for v in versions)
    index = _last_at_or_before(dates, day)
    return dates[index + 1] if index + 1 < len(dates) else None


class PriceBook:
    """Price versions grouped per tariff and sorted by ``effective_from``.

    A version effective from local date D applies from 00:00 of D in the
    organization's timezone until the next version's date.  Usage before a
    tariff's first version raises :class:`NoPriceForPeriod` (the engine never
    guesses a price, not even 0).
    """

    def __init__(self, prices: Iterable[PriceVersion]) -> None:
        grouped: dict[int, list[PriceVersion]] = defaultdict(list)
        for version in prices:
            grouped[version.tariff_id].append(version)
        self._dates: dict[int, list[date]] = {}
        self._versions: dict[int, list[PriceVersion]] = {}
        for tariff_id, versions in grouped.items():
            versions.sort(key=lambda v: v.effective_from)
            dates = [v.effective_from for v in versions]
            if len(set(dates)) != len(dates):
                raise InvalidPriceList(f"tariff {tariff_id}: two price versions share a date")
            self._dates[tariff_id] = dates
            self._versions[tariff_id] = versions

    def version_at(self, tariff_id: int, day: date) -> tuple[PriceVersion, date | None]:
        """The version in force on local ``day`` and the date of the next one (or None).

        The same rule as :func:`price_in_force`, on versions sorted once.
        """
        dates = self._dates.get(tariff_id, [])
        index = _last_at_or_before(dates, day)
        if index < 0:
            raise NoPriceForPeriod(tariff_id, day)
        following = dates[index + 1] if index + 1 < len(dates) else None
        return self._versions[tariff_id][index], following


def _last_at_or_before(dates: list[date], day: date) -> int:
    """Index of the last date <= ``day`` in sorted ``dates``, or -1 (binary search)."""
    low, high = 0, len(dates)
    while low < high:
        middle = (low + high) // 2
        if dates[middle] <= day:
            low = middle + 1
        else:
            high = middle
    return low - 1
