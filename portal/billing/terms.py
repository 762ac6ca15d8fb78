"""An organization's own terms: individual prices and tax rates, effective-dated.

Individual prices (:class:`PriceAdjustment`) change the monthly unit price of one
tariff for one organization from a local date on, until its next adjustment:

* ``OVERRIDE``: a fixed monthly unit price (``value`` minor units) instead of the list price;
* ``PERCENT``: ``value`` basis points off the list price (1000 = 10 %);
* ``FIXED``: ``value`` minor units off the list price (never below zero);
* ``LIST``: back to the list price (ends the previous adjustment).

The individual unit price is itself a price, so it is a whole number of minor units:
a percentage discount is rounded half-up (``money.ROUNDING``) to a whole minor unit when
the price is derived.  The line amount is then rounded once, as before.

Taxes (:class:`TaxVersion`) are named, effective-dated rates in basis points; an
organization is assigned one tax (:class:`TaxAssignment`).  Each invoice line carries
the rate in force for its organization on its days; the invoice sums the rounded lines
per rate and rounds the tax once per rate (:func:`portal.billing.invoicing.build_invoice`).

Precedence (subsidiaries billed to a parent): an organization's OWN terms win; where it
has none, the terms of the nearest organization above it in the invoice's scope apply
(its parent, then the parent's parent, up to the payer).  For prices this is decided per
tariff and per day: the subsidiary's own adjustment in force on that day, else its
parent's.  A ``LIST`` adjustment is an own term too (the subsidiary pays list price even
when its parent has a discount).  For taxes: its own assignment, else its parent's, else
none (the caller's default rate).

All "in force on a day" lookups use :func:`portal.billing.pricing.version_in_force`, the
one rule of the price in force.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from fractions import Fraction

from .errors import BillingError, InvalidPriceList, InvalidTaxRate
from .money import round_minor
from .pricing import version_in_force
from .types import BillingOrg


class AdjustmentKind(Enum):
    """How an individual price is derived from the list price."""

    LIST = "list"
    OVERRIDE = "override"
    PERCENT = "percent"
    FIXED = "fixed"


@dataclass(frozen=True)
class PriceAdjustment:
    """One organization's individual price for one tariff, from local date ``effective_from`` on."""

    organization_id: int
    tariff_id: int
    effective_from: date
    kind: AdjustmentKind
    value: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.value, int) or isinstance(self.value, bool) or self.value < 0:
            raise InvalidPriceList(f"adjustment of tariff {self.tariff_id}: value must be a non-negative integer")
        if self.kind is AdjustmentKind.PERCENT and self.value > 10_000:
            raise InvalidPriceList(f"adjustment of tariff {self.tariff_id}: a discount above 100 %")

    def apply(self, list_minor: int) -> int:
        """The monthly unit price this adjustment makes of ``list_minor`` (whole minor units)."""
        if self.kind is AdjustmentKind.OVERRIDE:
            return self.value
        if self.kind is AdjustmentKind.PERCENT:
            return round_minor(Fraction(list_minor * (10_000 - self.value), 10_000))
        if self.kind is AdjustmentKind.FIXED:
            return max(list_minor - self.value, 0)
        return list_minor


@dataclass(frozen=True)
class TaxVersion:
    """A tax's rate (basis points: 2100 = 21 %) from local date ``effective_from`` on."""

    tax_id: int
    name: str
    effective_from: date
    rate_bp: int

    def __post_init__(self) -> None:
        if not isinstance(self.rate_bp, int) or isinstance(self.rate_bp, bool) or not 0 <= self.rate_bp <= 10_000:
            raise InvalidTaxRate(f"tax {self.name!r}: rate must be 0..10000 basis points, got {self.rate_bp!r}")


@dataclass(frozen=True)
class TaxAssignment:
    """The tax an organization's usage is taxed with."""

    organization_id: int
    tax_id: int


@dataclass(frozen=True)
class Terms:
    """Every organization's individual prices and tax assignments the rating may need."""

    adjustments: tuple[PriceAdjustment, ...] = ()
    taxes: tuple[TaxVersion, ...] = ()
    assignments: tuple[TaxAssignment, ...] = ()


NO_TERMS = Terms()


class NoTaxForPeriod(BillingError):
    """Usage on a day before the first rate of the organization's tax."""

    def __init__(self, tax_id: int, day: date) -> None:
        super().__init__(f"tax {tax_id} has no rate effective on {day.isoformat()}")
        self.tax_id = tax_id
        self.day = day


@dataclass(frozen=True)
class InForce:
    """An organization's terms on one day for one tariff, and the next date they may change."""

    adjustment: PriceAdjustment | None
    tax: TaxVersion | None
    next_change: date | None


class TermsBook:
    """Terms indexed for the rater: adjustments per (organization, tariff), rates per tax."""

    def __init__(self, terms: Terms, scope: Mapping[int, BillingOrg]) -> None:
        self._adjustments: dict[tuple[int, int], list[PriceAdjustment]] = defaultdict(list)
        for adjustment in terms.adjustments:
            self._adjustments[(adjustment.organization_id, adjustment.tariff_id)].append(adjustment)
        for (org_id, tariff_id), found in self._adjustments.items():
            if len({a.effective_from for a in found}) != len(found):
                raise InvalidPriceList(f"organization {org_id}, tariff {tariff_id}: two adjustments share a date")
        self._rates: dict[int, list[TaxVersion]] = defaultdict(list)
        for version in terms.taxes:
            self._rates[version.tax_id].append(version)
        assigned = {a.organization_id: a.tax_id for a in terms.assignments}
        self._chains = {org_id: _chain(org_id, scope) for org_id in scope}
        self._tax_of = {
            org_id: next((assigned[o] for o in chain if o in assigned), None) for org_id, chain in self._chains.items()
        }

    def in_force(self, org_id: int, tariff_id: int, day: date) -> InForce:
        """The adjustment and tax rate in force on local ``day``; raises :class:`NoTaxForPeriod`."""
        adjustment: PriceAdjustment | None = None
        changes: list[date] = []
        for owner in self._chains.get(org_id, (org_id,)):
            versions = self._adjustments.get((owner, tariff_id))
            if not versions:
                continue
            current, following = version_in_force(versions, day)
            if following is not None:
                changes.append(following)
            if current is not None and adjustment is None:
                adjustment = current
        tax: TaxVersion | None = None
        tax_id = self._tax_of.get(org_id)
        if tax_id is not None:
            tax, following = version_in_force(self._rates.get(tax_id, []), day)
            if tax is None:
                raise NoTaxForPeriod(tax_id, day)
            if following is not None:
                changes.append(following)
        return InForce(adjustment, tax, min(changes) if changes else None)


def _chain(org_id: int, scope: Mapping[int, BillingOrg]) -> tuple[int, ...]:
    """``org_id`` and the organizations above it within the scope, nearest first."""
    chain = [org_id]
    parent = scope[org_id].parent_id
    while parent is not None and parent in scope and parent not in chain:
        chain.append(parent)
        parent = scope[parent].parent_id
    return tuple(chain)


def unit_price(adjustment: PriceAdjustment | None, list_minor: int) -> int:
    """The monthly unit price in force: the list price, or the individual one."""
    return list_minor if adjustment is None else adjustment.apply(list_minor)


def adjustments_for(
    adjustments: Iterable[PriceAdjustment], organization_id: int, tariff_id: int
) -> list[PriceAdjustment]:
    """One organization's adjustments of one tariff (for pages that list them)."""
    return [a for a in adjustments if a.organization_id == organization_id and a.tariff_id == tariff_id]
