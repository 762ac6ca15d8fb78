"""Jinja filters: money, dates and times through Babel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, get_currency_precision
from flask import Flask

LOCALE = "en_US"


def money(amount_minor: int | None, currency: str) -> str:
    """Format integer minor units as a currency amount, e.g. ``1234, 'EUR'`` -> ``€12.34``."""
    if amount_minor is None:
        return ""
    exponent = get_currency_precision(currency)
    value = Decimal(amount_minor).scaleb(-exponent)
    return format_currency(value, currency, locale=LOCALE)


def money_exact(amount: Decimal | str, currency: str) -> str:
    """Format a Decimal amount in major units (used for exact per-camera amounts)."""
    return format_currency(Decimal(amount), currency, locale=LOCALE, decimal_quantization=False)


def minor_to_decimal(amount_minor: int, currency: str) -> Decimal:
    """Convert minor units to a Decimal in major units."""
    return Decimal(amount_minor).scaleb(-get_currency_precision(currency))


def local_datetime(value: datetime | None, tz: str = "UTC") -> str:
    """Format an aware datetime in ``tz``."""
    if value is None:
        return ""
    return format_datetime(value.astimezone(ZoneInfo(tz)), "yyyy-MM-dd HH:mm", locale=LOCALE)


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
