"""Form pieces shared by the admin forms: money, currency, timezone and confirm forms."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from babel.numbers import get_currency_name
from flask import has_request_context
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError

from portal import inputs
from portal.billing import (
    AmountTooLarge,
    BillingError,
    NegativeAmount,
    TooManyDecimals,
    exponent,
    from_minor,
    parse_amount,
)
from portal.billing.currencies import active_currencies
from portal.i18n import format_locale

#: Currencies offered in forms: every active ISO 4217 code of the shipped table
#: (portal/billing/data), whose minor units the engine uses too.
CURRENCIES = tuple(c.code for c in active_currencies())
TIMEZONES = tuple(sorted(tz for tz in available_timezones() if "/" in tz or tz == "UTC"))


def currency_choices() -> list[tuple[str, Any]]:
    """Choices for a currency select: ``("COP", "COP · Colombian Peso (2 decimals)")``, the name and
    the decimals in the language of the page that shows them (CLDR's name, the table's outside it)."""
    return [(c.code, LazyString(_currency_label, c.code, c.name, c.minor_units)) for c in active_currencies()]


def _currency_label(code: str, name: str, places: int) -> str:
    locale = format_locale() if has_request_context() else None
    if locale is not None and locale.language != "en":  # English keeps the ISO table's names
        name = get_currency_name(code, locale=locale)
    decimals = _("no decimals") if places == 0 else ngettext("%(num)d decimal", "%(num)d decimals", places)
    return f"{code} · {name} ({decimals})"


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
        raise ValueError(_("Enter an amount."))
    if cleaned.startswith("."):
        cleaned = "0" + cleaned
    try:
        minor = parse_amount(cleaned, currency)
    except NegativeAmount as exc:
        raise ValueError(_("The amount cannot be negative.")) from exc
    except TooManyDecimals as exc:
        places = exponent(currency)
        if places == 0:
            raise ValueError(_("%(currency)s amounts take no decimals.", currency=currency)) from exc
        raise ValueError(_("%(currency)s amounts take at most %(n)s decimals.", currency=currency, n=places)) from exc
    except AmountTooLarge as exc:
        raise ValueError(_("The amount is too large.")) from exc
    except BillingError as exc:
        raise ValueError(_("Enter a number, e.g. 12.50.")) from exc
    if minor > MAX_PRICE_MINOR:
        raise ValueError(_("The amount is too large."))
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

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        label = _l("Currency") if label is None else label
        super().__init__(label, choices=currency_choices(), **kwargs)


#: Length limits for text fields that name none (a Length validator's max wins).
DEFAULT_MAX_LENGTH = 1000
DEFAULT_MAX_LENGTH_MULTILINE = 10_000
DEFAULT_MAX_LENGTH_PASSWORD = 200


def _int_coercing(field: Field) -> bool:
    if isinstance(field, IntegerField):
        return True
    coerce = getattr(field, "coerce", None)
    return coerce is int or getattr(coerce, "__name__", "") == "optional_int"


def _max_length(field: Field) -> int:
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max is not None and v.max >= 0]
    if limits:
        return min(limits)
    if isinstance(field, TextAreaField):
        return DEFAULT_MAX_LENGTH_MULTILINE
    if isinstance(field, PasswordField):
        return DEFAULT_MAX_LENGTH_PASSWORD
    return DEFAULT_MAX_LENGTH


class RedirectTargetField(HiddenField):
    """Where to go after a form (``next``): a local path, anything else is dropped, not refused
    (the person cannot see or fix a hidden field)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        from portal.security import is_safe_next

        value = valuelist[0] if valuelist else ""
        self.data = value if isinstance(value, str) and is_safe_next(value) else ""
        self.raw_data = [self.data]


def _translated_input_error(problem: str) -> str:
    """One of :mod:`portal.inputs`' English messages in the current language."""
    if problem == inputs.RANGE_MESSAGE:
        return _(inputs.RANGE_MESSAGE_TEMPLATE, first=inputs.INT_MIN, last=inputs.INT_MAX)
    return _(problem)


def hostile_input_error(field: Field) -> str | None:
    """Why the raw input of ``field`` must be refused (see :mod:`portal.inputs`), or None."""
    raw = [value for value in (field.raw_data or []) if isinstance(value, str)]
    multiline = isinstance(field, TextAreaField)
    limit = _max_length(field)
    for value in raw:
        problem = inputs.bad_character(value, multiline=multiline)
        if problem:
            return _(problem)
        if len(value) > limit:
            return _("Use at most %(limit)s characters (this has %(n)s).", limit=limit, n=len(value))
    if _int_coercing(field):
        for value in raw:
            if value.strip() in ("", "None") and not isinstance(field, IntegerField):
                continue  # an optional select's empty choice
            if value.strip() == "" and isinstance(field, IntegerField):
                continue  # Optional()/InputRequired() decide about an empty number
            problem = inputs.int_error(value)
            if problem:
                return _translated_input_error(problem)
    return None


class PortalForm(FlaskForm):
    """The base of every form: on top of its own validators, each field's raw input is checked
    for control characters, a sane length and strict, database-sized integers.

    Refused input gets the message on its field and the form does not validate, so
    nothing is saved; what was typed is shown again.
    """

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            problem = hostile_input_error(field)
            if problem:
                if not isinstance(field.errors, list):
                    field.errors = list(field.errors)
                if problem not in field.errors:
                    field.errors.insert(0, problem)
                valid = False
        return valid


class ConfirmForm(PortalForm):
    """An empty form behind delete/archive/issue buttons, for its CSRF token."""

    submit = SubmitField(_l("Confirm"))
