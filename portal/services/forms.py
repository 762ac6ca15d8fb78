"""Service form."""

from __future__ import annotations

from typing import Any

from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from portal.forms import CurrencyField, MoneyField, MoneyFor, PortalForm
from portal.models.tariff import (
    ANALYTICS,
    KIND_ANALYTICS,
    KIND_CONTINUOUS,
    KIND_EVENT,
    KIND_HELP,
    KIND_SPACE,
    SERVICE_KINDS,
)


class ServiceForm(PortalForm):
    """Create or edit a service."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    kind = SelectField(
        "Kind",
        choices=list(SERVICE_KINDS.items()),
        validators=[DataRequired()],
        description=" ".join(f"{SERVICE_KINDS[k]}: {KIND_HELP[k]}" for k in SERVICE_KINDS),
    )
    archive_days = IntegerField(
        "Archive depth, days",
        validators=[Optional(), NumberRange(min=1, max=3650)],
        description="Continuous archive: days of recording. Event archive: extra days event episodes are kept.",
    )
    archive_gb = IntegerField(
        "Whole-archive space cap, GB",
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description="Archive space cap only: it limits the camera's whole archive, continuous recording included.",
    )
    analytics = SelectField("Analytics", choices=[("", "—")] + list(ANALYTICS.items()), validate_choice=False)
    monthly_price = MoneyField("Monthly price per camera", validators=[MoneyFor()])
    currency = CurrencyField()
    description = TextAreaField("Description", validators=[Length(max=2000)])
    submit = SubmitField("Save")

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks first, then the rules that depend on the kind."""
        ok = super().validate(extra_validators)
        kind = self.kind.data
        if kind == KIND_CONTINUOUS and not self.archive_days.data and not self.archive_days.errors:
            self.archive_days.errors.append("A continuous archive needs its depth in days.")
            ok = False
        if kind == KIND_EVENT and not self.archive_days.data and not self.archive_days.errors:
            self.archive_days.errors.append("An event archive needs the days its episodes are kept.")
            ok = False
        if kind == KIND_SPACE and not self.archive_gb.data and not self.archive_gb.errors:
            self.archive_gb.errors.append("An archive space cap needs its size in GB.")
            ok = False
        if self.analytics.data and self.analytics.data not in ANALYTICS:
            self.analytics.errors.append("Choose face or licence-plate recognition.")
            ok = False
        elif kind == KIND_ANALYTICS and not self.analytics.data:
            self.analytics.errors.append("Choose which analytics this service provides.")
            ok = False
        return ok
