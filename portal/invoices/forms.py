"""Invoice forms: create (draft/issue), pay, void and the list filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import PortalForm
from portal.models.invoice import InvoiceStatus

STATUS_LABELS = {"draft": _l("Draft"), "issued": _l("Issued"), "paid": _l("Paid"), "void": _l("Void")}
STATUS_CHOICES = [("", _l("Any status"))] + [
    (status.value, STATUS_LABELS.get(status.value, status.value.title())) for status in InvoiceStatus
]


class CreateInvoiceForm(PortalForm):
    """The preview's buttons: the period travels in hidden fields."""

    start = HiddenField(validators=[DataRequired()])
    end = HiddenField(validators=[DataRequired()])
    draft = SubmitField(_l("Create draft"))
    issue = SubmitField(_l("Issue"))


class PayForm(PortalForm):
    """Mark an issued invoice paid."""

    paid_on = DateField(_l("Payment date"), validators=[InputRequired(message=_l("Enter the payment date."))])
    reference = StringField(
        _l("Payment reference"), validators=[DataRequired(message=_l("Enter the payment reference.")), Length(max=200)]
    )
    submit = SubmitField(_l("Mark paid"))


class VoidForm(PortalForm):
    """Void an issued invoice."""

    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(message=_l("Enter the reason for voiding.")), Length(max=2000)]
    )
    submit = SubmitField(_l("Void invoice"))


class InvoiceFilterForm(PortalForm):
    """List filters (GET)."""

    class Meta:
        csrf = False

    organization = SelectField(_l("Organization"), coerce=str, validate_choice=False)
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validate_choice=False)
    start = DateField(_l("Period from"), validators=[Optional()])
    end = DateField(_l("Period to"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))
