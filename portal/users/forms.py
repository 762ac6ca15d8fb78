"""User forms (shape only; the service enforces uniqueness and self-protection)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from portal.forms import PortalForm
from portal.models.user import ROLE_ACCOUNTANT, ROLE_ADMIN, ROLE_SUBSCRIBER
from portal.organizations.forms import RightsForm, optional_int, strip

ROLE_CHOICES = [
    (ROLE_SUBSCRIBER, _l("Subscriber")),
    (ROLE_ADMIN, _l("Billing admin")),
    (ROLE_ACCOUNTANT, _l("Accountant (read-only finance)")),
]


class UserForm(PortalForm):
    """Create or edit a user (no password: activation by e-mail comes later)."""

    email = EmailField(_l("E-mail (login)"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    submit = SubmitField(_l("Save"))


class AddMembershipForm(RightsForm):
    """Give a user rights in one more organization."""

    organization_id = SelectField(_l("Organization"), coerce=optional_int)
    submit = SubmitField(_l("Add to organization"))

    def validate_organization_id(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError(_("Choose an organization."))
