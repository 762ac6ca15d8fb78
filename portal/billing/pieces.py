"""Pieces of rated usage: a run of one span on one invoice line, and its exact price.

Used by :mod:`portal.billing.rating`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import TypeVar

from .money import sum_ratios
from .terms import InForce, unit_price
from .types import PriceVersion


@dataclass
class Run:
    """Pieces of one span on one line, merged into a charge when complete.

    Shares and camera-days are kept as integer numerators per denominator (the
    month's length): exact, and one ``Fraction`` per charge instead of one per piece.
    """

    version: PriceVersion
    is_trial: bool
    terms: InForce
    start: datetime
    end: datetime
    microseconds: int = 0
    shares: dict[int, int] = field(default_factory=dict)
    days: dict[int, int] = field(default_factory=dict)

    def same_line(self, version: PriceVersion, is_trial: bool, terms: InForce) -> bool:
        """True when a piece with these terms continues this run (same line of the invoice)."""
        return (
            self.version == version
            and self.is_trial == is_trial
            and self.terms.adjustment == terms.adjustment
            and self.terms.tax == terms.tax
        )

    def add(self, share: tuple[int, int], days: tuple[int, int]) -> None:
        """Add a piece's share of the monthly price and its camera-days (numerator, denominator)."""
        self.shares[share[1]] = self.shares.get(share[1], 0) + share[0]
        self.days[days[1]] = self.days.get(days[1], 0) + days[0]

    def finish(self) -> Priced:
        """The run's exact list-price and in-force amounts and camera-days, computed once.

        The unit price is constant over a run (same version and terms), so
        ``unit x sum(shares)`` equals the sum of the pieces' ``unit x share`` exactly.
        """
        share = sum_ratios(self.shares)
        list_exact = self.version.amount_minor * share
        exact = unit_price(self.terms.adjustment, self.version.amount_minor) * share
        return Priced(
            self.version,
            self.is_trial,
            self.terms,
            self.start,
            self.end,
            self.microseconds,
            list_exact,
            exact,
            sum_ratios(self.days),
        )


@dataclass(frozen=True)
class Priced:
    """A finished run: what every span with the same bounds, organization and tariff is charged."""

    version: PriceVersion
    is_trial: bool
    terms: InForce
    start: datetime
    end: datetime
    microseconds: int
    list_exact: Fraction
    exact: Fraction
    days: Fraction


_T = TypeVar("_T")


def frozen_instance(cls: type[_T], **fields: object) -> _T:
    """``cls(**fields)`` for a frozen dataclass given every field, without its ``__init__``
    (so only for classes without ``__post_init__`` checks, such as :class:`Charge`).

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``;
    the engine makes one charge per camera and price version, so it fills the
    instance's ``__dict__`` in one step instead (the instance is as frozen as any).
    """
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance
