"""Payment forms: record, reverse, refund, bank statement import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.forms import PortalForm
from portal.payments.service import METHODS

METHOD_LABELS = {
    "bank_transfer": _l("Bank transfer"),
    "card": _l("Card"),
    "cash": _l("Cash"),
    "direct_debit": _l("Direct debit"),
    "other": _l("Other"),
}
METHOD_CHOICES = [(m, METHOD_LABELS[m]) for m in METHODS]


class PaymentForm(PortalForm):
    """Record money received; with no invoice chosen it settles the oldest open ones."""

    amount = StringField(_l("Amount"), validators=[DataRequired(message=_l("Enter the amount."))])
    received_on = DateField(_l("Received on"), validators=[InputRequired(message=_l("Enter the payment date."))])
    method = SelectField(_l("Method"), choices=METHOD_CHOICES)
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=200)])
    invoices = SelectMultipleField(_l("Invoices to settle (none: oldest first)"), coerce=int, validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record payment"))


class ReverseForm(PortalForm):
    """Reverse a payment (bounced, booked twice)."""

    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(message=_l("Enter the reason for the reversal.")), Length(max=2000)]
    )
    submit = SubmitField(_l("Reverse payment"))


class RefundForm(PortalForm):
    """Give back part of a payment that no invoice uses."""

    amount = StringField(_l("Amount to refund"), validators=[DataRequired(message=_l("Enter the amount."))])
    refunded_on = DateField(_l("Refunded on"), validators=[InputRequired(message=_l("Enter the refund date."))])
    method = SelectField(_l("Method"), choices=METHOD_CHOICES)
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=200)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record refund"))


class ImportForm(PortalForm):
    """Upload a bank statement CSV for review."""

    file = FileField(_l("Bank statement (CSV)"), validators=[FileRequired(message=_l("Choose a CSV file."))])
    submit = SubmitField(_l("Review"))


class ConfirmImportForm(PortalForm):
    """Book the reviewed rows: the CSV travels back in a hidden field and is checked again."""

    content = TextAreaField(widget=HiddenInput(), validators=[DataRequired(), Length(max=1_000_000)])
    submit = SubmitField(_l("Book these payments"))
