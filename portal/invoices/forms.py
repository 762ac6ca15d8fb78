"""Invoice forms: create (draft/issue), pay, void and the list filters."""

from __future__ import annotations

from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import PortalForm
from portal.models.invoice import InvoiceStatus

STATUS_CHOICES = [("", "Any status")] + [(status.value, status.value.title()) for status in InvoiceStatus]


class CreateInvoiceForm(PortalForm):
    """The preview's buttons: the period travels in hidden fields."""

    start = HiddenField(validators=[DataRequired()])
    end = HiddenField(validators=[DataRequired()])
    draft = SubmitField("Create draft")
    issue = SubmitField("Issue")


class PayForm(PortalForm):
    """Mark an issued invoice paid."""

    paid_on = DateField("Payment date", validators=[InputRequired(message="Enter the payment date.")])
    reference = StringField(
        "Payment reference", validators=[DataRequired(message="Enter the payment reference."), Length(max=200)]
    )
    submit = SubmitField("Mark paid")


class VoidForm(PortalForm):
    """Void an issued invoice."""

    reason = TextAreaField(
        "Reason", validators=[DataRequired(message="Enter the reason for voiding."), Length(max=2000)]
    )
    submit = SubmitField("Void invoice")


class InvoiceFilterForm(PortalForm):
    """List filters (GET)."""

    class Meta:
        csrf = False

    organization = SelectField("Organization", coerce=str, validate_choice=False)
    status = SelectField("Status", choices=STATUS_CHOICES, validate_choice=False)
    start = DateField("Period from", validators=[Optional()])
    end = DateField("Period to", validators=[Optional()])
    submit = SubmitField("Filter")
