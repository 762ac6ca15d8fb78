"""Frozen dataclasses going into and out of the money engine.

Inputs (built by the caller from the database): :class:`UsageSpan`,
:class:`PriceVersion`, :class:`TariffInfo`, :class:`BillingOrg`.
Outputs: :class:`Charge` (one camera on one invoice line),
:class:`InvoiceLine`, :class:`TrialShare`, :class:`Statement`, :class:`InvoiceDraft`.

Exact quantities are ``Fraction`` fields (``exact_minor``, ``days``); the
``Decimal`` properties next to them are display views and never feed a total.
Instants in outputs are UTC; the shell localizes them for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import TypeVar

from .errors import InvalidPeriod, InvalidPriceList, InvalidSpan
from .money import exponent, fraction_to_decimal, round_minor
from .periods import Period, zone

#: Decimals shown for camera-days and for exact (unrounded) minor-unit amounts.
DISPLAY_PLACES = 4


class ProrationMode(Enum):
    """How used time turns into a share of the monthly price."""

    SECOND = "second"  #: used seconds / real seconds of the local month (default)
    DAY = "day"  #: started local days / days of the month


def _aware(value: datetime | None) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


@dataclass(frozen=True)
class UsageSpan:
    """One interval of the usage ledger; ``ended_at=None`` means still running."""

    camera_id: int
    camera_name: str
    camera_title: str
    organization_id: int
    tariff_id: int
    started_at: datetime
    ended_at: datetime | None = None

    def __post_init__(self) -> None:
        if not _aware(self.started_at) or (self.ended_at is not None and not _aware(self.ended_at)):
            raise InvalidSpan(f"camera {self.camera_id}: usage times must be timezone-aware")
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise InvalidSpan(f"camera {self.camera_id}: interval ends before it starts")


@dataclass(frozen=True)
class PriceVersion:
    """Monthly price per camera of a tariff, from local date ``effective_from`` on."""

    tariff_id: int
    effective_from: date
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        exponent(self.currency)
        if not isinstance(self.amount_minor, int) or self.amount_minor < 0:
            raise InvalidPriceList(
                f"tariff {self.tariff_id}: price must be a non-negative "
                f"integer of minor units, got {self.amount_minor!r}"
            )


@dataclass(frozen=True)
class TariffInfo:
    """Display data of a tariff."""

    id: int
    name: str


@dataclass(frozen=True)
class BillingOrg:
    """An organization as the engine sees it.

    The trial runs from ``trial_start`` through ``trial_end`` (local dates, both
    inclusive).  No ``trial_end`` means no trial; no ``trial_start`` with a
    ``trial_end`` means free from the beginning through ``trial_end``.
    """

    id: int
    title: str
    timezone: str
    currency: str
    trial_start: date | None = None
    trial_end: date | None = None
    parent_id: int | None = None
    invoice_to_parent: bool = False

    def __post_init__(self) -> None:
        zone(self.timezone)
        exponent(self.currency)
        if self.trial_start is not None and self.trial_end is not None and self.trial_end < self.trial_start:
            raise InvalidPeriod(f"organization {self.id}: trial ends before it starts")


@dataclass(frozen=True)
class Charge:
    """One camera's use of one invoice line, clipped to the period and to ``now``.

    Ties a span to a line: same camera, organization, tariff, price version and
    trial status.  ``exact_minor`` is what is billed (0 in trial);
    ``list_exact_minor`` is the same use at list price.  ``days`` are
    camera-days: started days in DAY mode; in SECOND mode the share of each
    month times its days, so a full 745-hour October is exactly 31.
    """

    camera_id: int
    camera_name: str
    camera_title: str
    organization_id: int
    tariff_id: int
    tariff_name: str
    price_from: date
    list_price_minor: int
    is_trial: bool
    started_at: datetime
    ended_at: datetime
    microseconds: int
    days: Fraction
    exact_minor: Fraction
    list_exact_minor: Fraction

    @property
    def unit_price_minor(self) -> int:
        """Monthly price charged: the list price, or 0 inside the trial."""
        return 0 if self.is_trial else self.list_price_minor

    @property
    def seconds(self) -> Decimal:
        """Used seconds, exact."""
        return Decimal(self.microseconds).scaleb(-6)

    @property
    def camera_days(self) -> Decimal:
        """Camera-days for display (month-normalized in SECOND mode)."""
        return fraction_to_decimal(self.days, DISPLAY_PLACES)

    @property
    def exact_amount_minor(self) -> Decimal:
        """The exact amount in minor units for display (annex)."""
        return fraction_to_decimal(self.exact_minor, DISPLAY_PLACES)

    @property
    def display_minor(self) -> int:
        """This camera's amount rounded alone: display only, lines never sum it."""
        return round_minor(self.exact_minor)


@dataclass(frozen=True)
class InvoiceLine:
    """One tariff at one price version with one trial status, for one organization.

    ``amount_minor`` is ``exact_minor`` (the exact sum over its charges) rounded
    once with the engine's rounding rule.
    """

    organization_id: int
    tariff_id: int
    tariff_name: str
    price_from: date
    list_price_minor: int
    is_trial: bool
    cameras: int
    microseconds: int
    days: Fraction
    exact_minor: Fraction
    list_exact_minor: Fraction
    amount_minor: int

    @property
    def unit_price_minor(self) -> int:
        """Monthly price per camera on this line (0 for a trial line)."""
        return 0 if self.is_trial else self.list_price_minor

    @property
    def camera_days(self) -> Decimal:
        """Camera-days for display."""
        return fraction_to_decimal(self.days, DISPLAY_PLACES)

    @property
    def seconds(self) -> Decimal:
        """Used seconds, exact."""
        return Decimal(self.microseconds).scaleb(-6)

    @property
    def exact_amount_minor(self) -> Decimal:
        """The line's exact (unrounded) amount in minor units, for display."""
        return fraction_to_decimal(self.exact_minor, DISPLAY_PLACES)


@dataclass(frozen=True)
class TrialShare:
    """Usage inside trials: free, shown with what it would have cost at list price."""

    microseconds: int
    days: Fraction
    list_exact_minor: Fraction
    list_amount_minor: int

    @property
    def seconds(self) -> Decimal:
        """Seconds of use inside trials, exact."""
        return Decimal(self.microseconds).scaleb(-6)

    @property
    def camera_days(self) -> Decimal:
        """Trial camera-days for display."""
        return fraction_to_decimal(self.days, DISPLAY_PLACES)


@dataclass(frozen=True)
class Statement:
    """Everything rated for a scope of organizations over one period.

    ``bill_to_id`` is the paying organization (the parent in a roll-up);
    ``total_minor`` is the sum of the rounded lines.
    """

    bill_to_id: int
    organization_ids: tuple[int, ...]
    period: Period
    now: datetime
    mode: ProrationMode
    currency: str
    charges: tuple[Charge, ...]
    lines: tuple[InvoiceLine, ...]
    total_minor: int
    trial: TrialShare
    skipped_spans: int


@dataclass(frozen=True)
class InvoiceDraft:
    """An invoice ready to be stored: lines, per-camera annex and totals."""

    bill_to_id: int
    organization_ids: tuple[int, ...]
    period: Period
    currency: str
    lines: tuple[InvoiceLine, ...]
    annex: tuple[Charge, ...]
    subtotal_minor: int
    tax_bp: int
    tax_minor: int
    total_minor: int


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
