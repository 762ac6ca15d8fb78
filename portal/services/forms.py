"""Service form."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import CurrencyField, MoneyField, MoneyFor
from portal.models.tariff import ANALYTICS, KIND_ANALYTICS, KIND_CONTINUOUS, KIND_EVENT, SERVICE_KINDS


class ServiceForm(FlaskForm):
    """Create or edit a service."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    kind = SelectField("Kind", choices=list(SERVICE_KINDS.items()), validators=[DataRequired()])
    archive_days = IntegerField("Archive depth, days", validators=[Optional(), NumberRange(min=1, max=3650)])
    archive_gb = IntegerField("Event archive size, GB", validators=[Optional(), NumberRange(min=1, max=100000)])
    analytics = SelectField("Analytics", choices=[("", "—")] + list(ANALYTICS.items()), validate_choice=False)
    monthly_price = MoneyField("Monthly price per camera", validators=[MoneyFor()])
    currency = CurrencyField()
    description = TextAreaField("Description", validators=[Length(max=2000)])
    submit = SubmitField("Save")

    def validate_archive_days(self, field: Any) -> None:
        if self.kind.data == KIND_CONTINUOUS and not field.data:
            raise ValidationError("A continuous archive needs its depth in days.")

    def validate_archive_gb(self, field: Any) -> None:
        if self.kind.data == KIND_EVENT and not field.data and not self.archive_days.data:
            raise ValidationError("An event archive needs a depth in days or a size in GB.")

    def validate_analytics(self, field: Any) -> None:
        if field.data and field.data not in ANALYTICS:
            raise ValidationError("Choose face or licence-plate recognition.")
        if self.kind.data == KIND_ANALYTICS and not field.data:
            raise ValidationError("Choose which analytics this service provides.")
