"""Forms of the operator's details, taxes and an organization's own terms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import PortalForm


class OperatorForm(PortalForm):
    """The operator's legal identity printed on every document."""

    legal_name = StringField(_l("Legal name"), validators=[Optional(), Length(max=200)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=1000)])
    tax_id = StringField(_l("Tax ID"), validators=[Optional(), Length(max=64)])
    registration = TextAreaField(_l("Registration details"), validators=[Optional(), Length(max=1000)])
    payment_details = TextAreaField(_l("Bank or payment details"), validators=[Optional(), Length(max=1000)])
    footer = TextAreaField(_l("Footer text"), validators=[Optional(), Length(max=2000)])
    logo = FileField(_l("Logo (PNG or JPEG, at most 512 KB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    submit = SubmitField(_l("Save"))


class TaxForm(PortalForm):
    """A new tax with its first rate."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    rate = StringField(_l("Rate, %"), validators=[DataRequired(), Length(max=10)])
    effective_from = DateField(_l("Effective from"), validators=[DataRequired()])
    submit = SubmitField(_l("Add tax"))


class TaxRateForm(PortalForm):
    """A new rate of an existing tax."""

    rate = StringField(_l("Rate, %"), validators=[DataRequired(), Length(max=10)])
    effective_from = DateField(_l("Effective from"), validators=[DataRequired()])
    submit = SubmitField(_l("Add rate"))


class OrganizationTermsForm(PortalForm):
    """An organization's tax, tax ID and exemption or reverse-charge note."""

    tax = SelectField(_l("Tax"), choices=[], validate_choice=False)
    customer_tax_id = StringField(_l("Customer's tax ID"), validators=[Optional(), Length(max=64)])
    tax_note = StringField(
        _l("Exemption or reverse-charge note"),
        validators=[Optional(), Length(max=300)],
        description=_l("Printed on the invoice, e.g. “Reverse charge: VAT to be accounted for by the recipient”."),
    )
    submit = SubmitField(_l("Save terms"))


class IndividualPriceForm(PortalForm):
    """An individual price of one tariff from a date on."""

    tariff = SelectField(_l("Tariff"), choices=[], validate_choice=False)
    kind = SelectField(
        _l("Price"),
        choices=[
            ("override", _l("Own monthly price")),
            ("percent", _l("Discount, %")),
            ("fixed", _l("Discount, amount")),
            ("list", _l("Back to the list price")),
        ],
    )
    value = StringField(_l("Amount or percentage"), validators=[Optional(), Length(max=24)])
    effective_from = DateField(_l("Effective from"), validators=[DataRequired()])
    submit = SubmitField(_l("Add price"))
