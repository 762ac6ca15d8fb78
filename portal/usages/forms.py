"""The period chooser (a GET form: no CSRF token, nothing is changed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional

from portal.billing import Period, last_month, this_month
from portal.billing.periods import MAX_YEAR, MIN_YEAR
from portal.forms import PortalForm

PERIOD_CHOICES = [("this", _l("This month")), ("last", _l("Last month")), ("custom", _l("Custom range"))]
#: Longest custom range, in days (a bill is monthly; a year keeps the page bounded).
MAX_DAYS = 366


class PeriodForm(PortalForm):
    """This month, last month, or a custom range of local dates (both inclusive)."""

    class Meta:
        csrf = False

    period = SelectField(_l("Period"), choices=PERIOD_CHOICES, default="this")
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    submit = SubmitField(_l("Apply"))

    def validate(self, extra_validators: Any = None) -> bool:
        """Custom ranges need both dates, the end not before the start, at most a year."""
        ok = super().validate(extra_validators)
        if not ok or self.period.data != "custom":
            return ok
        if self.start.data is None:
            self.start.errors.append(_("Enter the first day of the range."))
            ok = False
        if self.end.data is None:
            self.end.errors.append(_("Enter the last day of the range."))
            ok = False
        for field in (self.start, self.end):
            if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
                field.errors.append(_("Choose a date between %(first)s and %(last)s.", first=MIN_YEAR, last=MAX_YEAR))
                ok = False
        if ok and self.end.data < self.start.data:
            self.end.errors.append(_("The end date cannot be before the start date."))
            ok = False
        elif ok and (self.end.data - self.start.data).days + 1 > MAX_DAYS:
            self.end.errors.append(_("Choose at most %(n)s days.", n=MAX_DAYS))
            ok = False
        return ok

    def chosen(self, now: datetime, tz: str) -> Period:
        """The period chosen (validate first), in the organization's timezone ``tz``."""
        if self.period.data == "custom":
            return Period(self.start.data, self.end.data)
        if self.period.data == "last":
            return last_month(now, tz)
        return this_month(now, tz)

    def query_args(self, period: Period) -> dict[str, str]:
        """URL arguments that select ``period`` again (links to CSV and preview)."""
        return {"period": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()}
