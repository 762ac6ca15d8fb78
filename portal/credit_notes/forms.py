"""Credit note form: chosen lines or an amount, and a reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import PortalForm


class CreditNoteForm(PortalForm):
    """Credit whole lines of the invoice, or an amount before tax (tax follows the invoice)."""

    lines = SelectMultipleField(_l("Lines to credit"), coerce=int, validate_choice=False)
    amount = StringField(_l("Or an amount before tax"), validators=[Optional(), Length(max=30)])
    description = StringField(_l("Description of the amount"), validators=[Optional(), Length(max=300)])
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(message=_l("Enter the reason for the credit note.")), Length(max=2000)]
    )
    submit = SubmitField(_l("Issue credit note"))
