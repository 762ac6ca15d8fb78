"""Jinja filters: money, dates and times through Babel, in the current language's locale.

English is formatted as ``en_US`` (``€1,234.50``, ``Oct 1, 2026``), Spanish as ``es_ES``
(``1.234,50 €``, ``1 oct 2026``), Russian as ``ru_RU`` (``1 234,50 €``, ``1 окт. 2026 г.``);
see :func:`portal.i18n.format_locale`.  Inside :func:`portal.i18n.document_locale` that is
the organization's document language.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, get_currency_precision
from flask import Flask

from portal.billing import UnknownCurrency, exponent
from portal.i18n import format_locale
from portal.invoices.display import invoice_state, invoice_zone, state_style

#: English's money pattern: the symbol first, always the currency's minor unit of decimals.
EN_MONEY_PATTERN = "¤#,##0"


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
    locale = format_locale()
    pattern = _money_pattern(locale, places)
    return format_currency(value, currency, format=pattern, locale=locale, currency_digits=False)


def _money_pattern(locale: Locale, places: int) -> str:
    """The locale's currency pattern with exactly ``places`` decimals (``#,##0.00 ¤`` in es)."""
    fraction = "." + "0" * places if places else ""
    standard = locale.currency_formats["standard"].pattern
    if locale.language == "en" or "." not in standard:
        return EN_MONEY_PATTERN + fraction
    return re.sub(r"\.0+", fraction, standard)


def money_exact(amount: Decimal | str, currency: str) -> str:
    """Format a Decimal amount in major units (used for exact per-camera amounts)."""
    return format_currency(Decimal(amount), currency, locale=format_locale(), decimal_quantization=False)


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
    locale = format_locale()
    return f"{format_datetime(local, 'yyyy-MM-dd HH:mm', locale=locale)} {utc_offset_label(local.utcoffset())}"


def long_date(value: date | None) -> str:
    """Format a date like ``Oct 1, 2026`` (``1 oct 2026`` in Spanish)."""
    return format_date(value, "medium", locale=format_locale()) if value else ""


def camera_days(value: Decimal | str | None) -> str:
    """Camera-days with their four stored decimals, in the locale: ``100.0000``, ``100,0000``."""
    if value is None:
        return ""
    return str(format_decimal(Decimal(value), format="0.0000", locale=format_locale()))


def register(app: Flask) -> None:
    """Install the filters."""
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["money_exact"] = money_exact
    app.jinja_env.filters["local_dt"] = local_datetime
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["camera_days"] = camera_days
    app.jinja_env.filters["minor_to_decimal"] = minor_to_decimal
    app.jinja_env.globals["invoice_state"] = invoice_state
    app.jinja_env.globals["invoice_state_style"] = state_style
    app.jinja_env.globals["invoice_zone"] = invoice_zone
