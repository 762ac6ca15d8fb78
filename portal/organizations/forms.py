"""Organization and membership forms (shape only; the service enforces business rules)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from portal.forms import CurrencyField, PortalForm, timezone_choices
from portal.i18n import language_choices
from portal.models.user import RIGHT_LABELS, RIGHTS


def optional_int(value: Any) -> int | None:
    """Coerce a select's value: empty means None, anything else must be an integer."""
    if value in (None, "", "None"):
        return None
    return int(value)


def strip(value: str | None) -> str | None:
    """Filter: drop surrounding blanks from typed text."""
    return value.strip() if isinstance(value, str) else value


class OrganizationForm(PortalForm):
    """Create or edit an organization."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    owner_id = SelectField(_l("Owner"), coerce=optional_int)
    owner_email = EmailField(
        _l("…or a new owner's e-mail"),
        validators=[Optional(), Email(), Length(max=254)],
        filters=[strip],
        description=_l("Creates a subscriber without a password; they get an activation e-mail."),
    )
    parent_id = SelectField(_l("Parent organization"), coerce=optional_int, validate_choice=False)
    allowed_tariffs = SelectMultipleField(_l("Allowed tariffs"), coerce=int)
    trial_start = DateField(_l("Trial starts"), validators=[Optional()])
    trial_end = DateField(_l("Trial ends"), validators=[Optional()])
    timezone = SelectField(_l("Timezone"), choices=timezone_choices())
    currency = CurrencyField()
    document_language = SelectField(
        _l("Document language"),
        choices=language_choices(),
        default="en",
        description=_l("The language of this organization's invoices and other documents."),
    )
    camera_limit = IntegerField(_l("Camera limit"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    user_limit = IntegerField(_l("User limit"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    billing_contact = TextAreaField(_l("Billing contact"), validators=[Length(max=2000)])
    billing_email = EmailField(
        _l("Billing e-mail (invoices and reminders; empty: the owner's address)"),
        validators=[Optional(), Email(), Length(max=254)],
        filters=[strip],
    )
    invoice_to_parent = BooleanField(_l("Invoice to parent (usage lands on the parent's consolidated invoice)"))
    submit = SubmitField(_l("Save"))

    def validate_owner_id(self, field: Field) -> None:
        if field.data is None and not (self.owner_email.data or "").strip():
            raise ValidationError(_("Choose an owner or enter a new owner's e-mail."))
        if field.data is not None and (self.owner_email.data or "").strip():
            raise ValidationError(_("Choose an existing owner or type a new e-mail, not both."))

    def validate_trial_end(self, field: Field) -> None:
        start = self.trial_start.data
        if (start is None) != (field.data is None) and not self.trial_start.errors:
            raise ValidationError(_("Give both trial dates or neither."))
        if start and field.data and field.data < start:
            raise ValidationError(_("The trial cannot end before it starts."))

    def validate_invoice_to_parent(self, field: Field) -> None:
        if field.data and self.parent_id.data is None:
            raise ValidationError(_("Only a subsidiary can be invoiced to its parent: choose a parent first."))


class RightsForm(PortalForm):
    """The five rights of a membership."""

    submit = SubmitField(_l("Save"))

    def rights(self) -> dict[str, bool]:
        """The checked rights as a name -> flag mapping."""
        return {name: bool(getattr(self, name).data) for name in RIGHTS}


for _name in RIGHTS:
    setattr(RightsForm, _name, BooleanField(_l(RIGHT_LABELS[_name]), default=_name == "can_view_streams"))


class AddMemberForm(RightsForm):
    """Add a user to an organization with rights."""

    user_id = SelectField(_l("User"), coerce=optional_int)
    submit = SubmitField(_l("Add member"))

    def validate_user_id(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError(_("Choose a user."))
