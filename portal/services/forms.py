"""Service form."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(
        _l("Kind"),
        choices=[(kind, _l(label)) for kind, label in SERVICE_KINDS.items()],
        validators=[DataRequired()],
        description=LazyString(lambda: " ".join(f"{_(SERVICE_KINDS[k])}: {_(KIND_HELP[k])}" for k in SERVICE_KINDS)),
    )
    archive_days = IntegerField(
        _l("Archive depth, days"),
        validators=[Optional(), NumberRange(min=1, max=3650)],
        description=_l("Continuous archive: days of recording. Event archive: extra days event episodes are kept."),
    )
    archive_gb = IntegerField(
        _l("Whole-archive space cap, GB"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("Archive space cap only: it limits the camera's whole archive, continuous recording included."),
    )
    analytics = SelectField(
        _l("Analytics"),
        choices=[("", "—")] + [(key, _l(label)) for key, label in ANALYTICS.items()],
        validate_choice=False,
    )
    monthly_price = MoneyField(_l("Monthly price per camera"), validators=[MoneyFor()])
    currency = CurrencyField()
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks first, then the rules that depend on the kind."""
        ok = super().validate(extra_validators)
        kind = self.kind.data
        if kind == KIND_CONTINUOUS and not self.archive_days.data and not self.archive_days.errors:
            self.archive_days.errors.append(_("A continuous archive needs its depth in days."))
            ok = False
        if kind == KIND_EVENT and not self.archive_days.data and not self.archive_days.errors:
            self.archive_days.errors.append(_("An event archive needs the days its episodes are kept."))
            ok = False
        if kind == KIND_SPACE and not self.archive_gb.data and not self.archive_gb.errors:
            self.archive_gb.errors.append(_("An archive space cap needs its size in GB."))
            ok = False
        if self.analytics.data and self.analytics.data not in ANALYTICS:
            self.analytics.errors.append(_("Choose face or licence-plate recognition."))
            ok = False
        elif kind == KIND_ANALYTICS and not self.analytics.data:
            self.analytics.errors.append(_("Choose which analytics this service provides."))
            ok = False
        return ok
