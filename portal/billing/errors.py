"""Typed errors of the money engine.

Every error derives from :class:`BillingError`; input errors also derive from
``ValueError`` so generic handlers keep working.  Views map them onto form
fields or flashes; the engine never returns ``(value, error)`` pairs.
"""

from __future__ import annotations

from datetime import date


class BillingError(Exception):
    """Base class of every error raised by ``portal.billing``."""


# --- money -----------------------------------------------------------------


class MoneyError(BillingError, ValueError):
    """An amount of money could not be accepted."""


class UnknownCurrency(MoneyError):
    """The currency code is not in the engine's ISO 4217 table."""

    def __init__(self, currency: str) -> None:
        super().__init__(f"unknown currency code {currency!r}")
        self.currency = currency


class InvalidAmount(MoneyError):
    """The text is not a plain decimal number such as ``12`` or ``12.50``."""

    def __init__(self, text: str) -> None:
        super().__init__(f"not an amount: {text!r}")
        self.text = text


class NegativeAmount(MoneyError):
    """A negative amount was given where only zero or more is allowed."""

    def __init__(self, text: str) -> None:
        super().__init__(f"amount must not be negative: {text!r}")
        self.text = text


class TooManyDecimals(MoneyError):
    """The amount has more decimals than its currency's minor unit allows."""

    def __init__(self, text: str, currency: str, allowed: int) -> None:
        super().__init__(f"{currency} allows at most {allowed} decimal(s): {text!r}")
        self.text = text
        self.currency = currency
        self.allowed = allowed


class AmountTooLarge(MoneyError):
    """The amount does not fit a signed 64-bit count of minor units."""

    def __init__(self, text: str) -> None:
        super().__init__(f"amount too large: {text!r}")
        self.text = text


class MixedCurrency(BillingError):
    """One statement or invoice would mix several currencies."""

    def __init__(self, currencies: set[str]) -> None:
        listed = ", ".join(sorted(currencies))
        super().__init__(f"one invoice cannot mix currencies: {listed}")
        self.currencies = frozenset(currencies)


class InvalidTaxRate(BillingError, ValueError):
    """A tax rate in basis points that is not a non-negative integer."""


# --- time ------------------------------------------------------------------


class InvalidPeriod(BillingError, ValueError):
    """A billing period whose end is before its start (or not made of dates)."""


class UnknownTimezone(BillingError, ValueError):
    """The timezone is not a known IANA name."""

    def __init__(self, name: object) -> None:
        super().__init__(f"unknown timezone {name!r}")
        self.name = name


class NaiveDatetime(BillingError, ValueError):
    """An instant without a timezone was given where an aware one is required."""


# --- ledger and price list -------------------------------------------------


class InvalidSpan(BillingError, ValueError):
    """A usage interval that cannot be rated (naive times, ends before it starts)."""


class OverlappingSpans(InvalidSpan):
    """Two usage intervals of one camera overlap: billing them would bill twice."""

    def __init__(self, camera_id: int) -> None:
        super().__init__(f"usage intervals of camera {camera_id} overlap")
        self.camera_id = camera_id


class InvalidPriceList(BillingError, ValueError):
    """A price version is negative or two versions share an effective date."""


class NoPriceForPeriod(BillingError):
    """Usage on a day before the tariff's first price version."""

    def __init__(self, tariff_id: int, day: date) -> None:
        super().__init__(f"tariff {tariff_id} has no price effective on {day.isoformat()}")
        self.tariff_id = tariff_id
        self.day = day


class UnknownTariff(BillingError):
    """A usage interval names a tariff the caller gave no ``TariffInfo`` for."""

    def __init__(self, tariff_id: int) -> None:
        super().__init__(f"unknown tariff {tariff_id}")
        self.tariff_id = tariff_id


class InvalidScope(BillingError, ValueError):
    """The set of organizations to rate is empty or repeats an organization."""
