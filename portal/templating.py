"""Jinja filters: money, dates and times through Babel."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, get_currency_precision
from flask import Flask

from portal.billing import UnknownCurrency, exponent
from portal.invoices.display import invoice_state, invoice_zone, state_style

LOCALE = "en_US"


def minor_units(currency: str) -> int:
    """The ISO 4217 minor unit of ``currency`` (the engine's table; CLDR's only for codes outside it)."""
    try:
        return exponent(currency)
    except UnknownCurrency:
        return int(get_currency_precision(currency))


def money(amount_minor: int | None, currency: str, places: int | None = None) -> str:
    """Format integer minor units as a currency amount, e.g. ``1234, 'EUR'`` -> ``€12.34``.

    ``places`` is the minor unit to use (an invoice passes the one frozen on it);
    by default ISO 4217's for ``currency``.  The number of decimals shown is always
    that minor unit, never CLDR's (which differs for e.g. IQD, LAK, MGA).
    """
    if amount_minor is None:
        return ""
    places = minor_units(currency) if places is None else places
    value = Decimal(amount_minor).scaleb(-places)
    pattern = "¤#,##0" + ("." + "0" * places if places else "")
    return format_currency(value, currency, format=pattern, locale=LOCALE, currency_digits=False)


def money_exact(amount: Decimal | str, currency: str) -> str:
    """Format a Decimal amount in major units (used for exact per-camera amounts)."""
    return format_currency(Decimal(amount), currency, locale=LOCALE, decimal_quantization=False)


def minor_to_decimal(amount_minor: int, currency: str, places: int | None = None) -> Decimal:
    """Convert minor units to a Decimal in major units (ISO 4217 minor unit unless ``places``)."""
    return Decimal(amount_minor).scaleb(-(minor_units(currency) if places is None else places))


def utc_offset_label(offset: timedelta | None) -> str:
    """``UTC``, ``UTC+01:00``, ``UTC-03:30`` (Babel's ``xxx`` shows St. John's -03:30 as -04:30)."""
    minutes = int(offset.total_seconds()) // 60 if offset else 0
    if not minutes:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes > 0 else '-'}{hours:02d}:{rest:02d}"


def local_datetime(value: datetime | None, tz: str = "UTC") -> str:
    """Format an aware datetime in ``tz``, carrying its zone: ``2026-10-01 01:00 UTC+01:00``."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    return f"{format_datetime(local, 'yyyy-MM-dd HH:mm', locale=LOCALE)} {utc_offset_label(local.utcoffset())}"


def long_date(value: date | None) -> str:
    """Format a date like ``Oct 1, 2026``."""
    return format_date(value, "medium", locale=LOCALE) if value else ""


def register(app: Flask) -> None:
    """Install the filters."""
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["money_exact"] = money_exact
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["minor_to_decimal"] = minor_to_decimal
    app.jinja_env.globals["invoice_state"] = invoice_state
    app.jinja_env.globals["invoice_state_style"] = state_style
    app.jinja_env.globals["invoice_zone"] = invoice_zone
