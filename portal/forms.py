"""Form pieces shared by the admin forms: money, currency, timezone and confirm forms."""
from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import Field, SelectField, StringField, SubmitField
from wtforms.validators import ValidationError

from portal.billing.currencies import active_currencies
from portal.billing import (AmountTooLarge, BillingError, NegativeAmount, TooManyDecimals, exponent,
                            from_minor, parse_amount)

#: Currencies offered in forms: every active ISO 4217 code of the shipped table
#: (portal/billing/data), whose minor units the engine uses too.
CURRENCIES = tuple(c.code for c in active_currencies())
TIMEZONES = tuple(sorted(tz for tz in available_timezones() if "/" in tz or tz == "UTC"))


def currency_choices() -> list[tuple[str, str]]:
    """Choices for a currency select: ``("COP", "COP · Colombian Peso (2 decimals)")``."""
    return [(c.code, f"{c.code} · {c.name} ({_decimals(c.minor_units)})") for c in active_currencies()]


def _decimals(places: int) -> str:
    return "no decimals" if places == 0 else f"{places} decimal{'s' if places > 1 else ''}"


def timezone_choices() -> list[tuple[str, str]]:
    """Choices for a timezone select."""
    return [(tz, tz) for tz in TIMEZONES]


#: The largest unit price a form accepts (per camera and month).  The columns are 64-bit; the cap
#: catches typos and keeps any total of millions of camera-months inside 64 bits.
MAX_PRICE_MINOR = 2**31 - 1


def parse_money(text: str, currency: str) -> int:
    """Parse a decimal amount typed by a person into integer minor units.

    The rules are the engine's (:func:`portal.billing.parse_amount`); this adds
    what people type: a comma as the decimal separator, spaces between
    thousands, a leading ``.5``.  Errors come back as the message to show.
    """
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not cleaned:
        raise ValueError("Enter an amount.")
    if cleaned.startswith("."):
        cleaned = "0" + cleaned
    try:
        minor = parse_amount(cleaned, currency)
    except NegativeAmount as exc:
        raise ValueError("The amount cannot be negative.") from exc
    except TooManyDecimals as exc:
        places = exponent(currency)
        unit = "no decimals" if places == 0 else f"at most {places} decimals"
        raise ValueError(f"{currency} amounts take {unit}.") from exc
    except AmountTooLarge as exc:
        raise ValueError("The amount is too large.") from exc
    except BillingError as exc:
        raise ValueError("Enter a number, e.g. 12.50.") from exc
    if minor > MAX_PRICE_MINOR:
        raise ValueError("The amount is too large.")
    return minor


def format_minor_plain(amount_minor: int, currency: str) -> str:
    """Minor units back into the plain decimal text a form shows (``1250`` -> ``12.50``)."""
    places = exponent(currency)
    return f"{from_minor(amount_minor, currency):.{places}f}"


class MoneyField(StringField):
    """A decimal amount; ``minor(currency)`` gives integer minor units after validation."""

    def minor(self, currency: str) -> int:
        """The value in minor units of ``currency`` (validate first)."""
        return parse_money(self.data or "", currency)


class MoneyFor:
    """Validator: the field holds a valid amount in the currency chosen in ``currency_field``."""

    def __init__(self, currency_field: str = "currency") -> None:
        self.currency_field = currency_field

    def __call__(self, form: Any, field: Field) -> None:
        currency = getattr(form, self.currency_field).data or "EUR"
        try:
            parse_money(field.data or "", currency)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class CurrencyField(SelectField):
    """A select of the supported currencies."""

    def __init__(self, label: str = "Currency", **kwargs: Any) -> None:
        super().__init__(label, choices=currency_choices(), **kwargs)


class ConfirmForm(FlaskForm):
    """An empty form behind delete/archive/issue buttons, for its CSRF token."""

    submit = SubmitField("Confirm")
