"""Pieces of rated usage: a run of one span on one invoice line, and its exact price.

Used by :mod:`portal.billing.rating`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from .money import sum_ratios
from .types import PriceVersion


@dataclass
class Run:
    """Pieces of one span on one line, merged into a charge when complete.

    Shares and camera-days are kept as integer numerators per denominator (the
    month's length): exact, and one ``Fraction`` per charge instead of one per piece.
    """

    version: PriceVersion
    is_trial: bool
    start: datetime
    end: datetime
    microseconds: int = 0
    shares: dict[int, int] = field(default_factory=dict)
    days: dict[int, int] = field(default_factory=dict)

    def add(self, share: tuple[int, int], days: tuple[int, int]) -> None:
        """Add a piece's share of the monthly price and its camera-days (numerator, denominator)."""
        self.shares[share[1]] = self.shares.get(share[1], 0) + share[0]
        self.days[days[1]] = self.days.get(days[1], 0) + days[0]

    def finish(self) -> Priced:
        """The run's exact list-price amount and camera-days, computed once."""
        list_exact = self.version.amount_minor * sum_ratios(self.shares)
        return Priced(
            self.version, self.is_trial, self.start, self.end, self.microseconds, list_exact, sum_ratios(self.days)
        )


@dataclass(frozen=True)
class Priced:
    """A finished run: what every span with the same bounds, organization and tariff is charged."""

    version: PriceVersion
    is_trial: bool
    start: datetime
    end: datetime
    microseconds: int
    list_exact: Fraction
    days: Fraction
