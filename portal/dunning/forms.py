"""Forms of the dunning panel on the organization page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import MoneyField, PortalForm, parse_money


class SuspendForm(PortalForm):
    """Suspend by hand: a reason is required (it goes into the audit trail)."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Suspend now"))


class RestoreForm(PortalForm):
    """Restore by hand."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Restore now"))


class ExemptForm(PortalForm):
    """Exempt from (or subject again to) automatic suspension."""

    exempt = SelectField(_l("Exempt"), choices=[("1", _l("Exempt")), ("0", _l("Not exempt"))])
    submit = SubmitField(_l("Save"))


class PolicyForm(PortalForm):
    """The organization's overrides of the default policy; empty means the default."""

    suspend_after_days = IntegerField(
        _l("Suspend after (days overdue)"), validators=[Optional(), NumberRange(min=0, max=365)]
    )
    tolerance = MoneyField(_l("Tolerated overdue amount"), validators=[Optional(), Length(max=30)])
    stop_recording = SelectField(
        _l("Stop recording while suspended"),
        choices=[("", _l("Default")), ("1", _l("Yes: live only")), ("0", _l("No: block sign-in only"))],
    )
    submit = SubmitField(_l("Save policy"))

    def __init__(self, *args: object, currency: str = "EUR", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    def validate_tolerance(self, field: MoneyField) -> None:
        """A valid amount in the organization's currency."""
        if field.data:
            try:
                parse_money(field.data, self.currency)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
