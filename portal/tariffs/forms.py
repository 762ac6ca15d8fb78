"""Tariff forms: they validate shape only; the rules live in :mod:`portal.tariffs.service`."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.forms import CurrencyField, MoneyField, PortalForm, parse_money

PRICE_MODES = [("sum", _l("Sum of the services’ monthly prices")), ("override", _l("A price of its own (override)"))]

#: Effective dates outside this range are typos, not price plans.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


def _check_day(field: Any) -> None:
    if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s.", first=FIRST_DAY.year, last=LAST_DAY.year)
        )


class TariffForm(PortalForm):
    """Edit a tariff.  Prices are not edited here: they change through :class:`PriceForm`."""

    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    services = SelectMultipleField(
        _l("Services"),
        coerce=int,
        invalid_choice_message=_l("A chosen service no longer exists; choose again."),
        description=_l("All services must be priced in the tariff’s currency."),
    )
    price_mode = RadioField(
        _l("Monthly price per camera"),
        choices=PRICE_MODES,
        default="sum",
        validators=[DataRequired(message=_l("Choose how the price is set."))],
    )
    is_default_offer = BooleanField(_l("Offered to new organizations by default"))
    submit = SubmitField(_l("Save"))


class NewTariffForm(TariffForm):
    """Create a tariff: also its currency and its first price version."""

    currency = CurrencyField()
    override_price = MoneyField(
        _l("Override price per camera per month"), description=_l("Used only when the price is “a price of its own”.")
    )
    effective_from = DateField(
        _l("First price effective from"), validators=[InputRequired(message=_l("Enter a date, e.g. 2026-01-01."))]
    )

    def validate_override_price(self, field: Any) -> None:
        """Required in override mode; the amount must suit the currency."""
        if self.price_mode.data != "override":
            return
        if not (field.data or "").strip():
            raise ValidationError(_("Enter the override price, or choose the sum of services."))
        try:
            parse_money(field.data, self.currency.data or "EUR")
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_effective_from(self, field: Any) -> None:
        """Keep the date in a plausible range."""
        _check_day(field)


class PriceForm(PortalForm):
    """Set a new price version from a date (the tariff's currency is given by the view)."""

    amount = MoneyField(_l("New monthly price per camera"))
    effective_from = DateField(
        _l("Effective from"), validators=[InputRequired(message=_l("Enter a date, e.g. 2026-01-01."))]
    )
    submit = SubmitField(_l("Set new price"))

    def __init__(self, *args: Any, currency: str = "EUR", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency_code = currency

    def validate_amount(self, field: Any) -> None:
        """A non-negative amount with no more decimals than the currency has."""
        try:
            parse_money(field.data or "", self.currency_code)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_effective_from(self, field: Any) -> None:
        """Keep the date in a plausible range."""
        _check_day(field)
