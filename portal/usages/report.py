"""What the Usages page, its CSV and the invoice preview show, built from one statement.

Everything a template prints is computed here (or in the engine): templates
format values, they never add them up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from flask_babel import gettext as _

from portal.billing import InvoiceLine as EngineLine
from portal.billing import Period, Statement, exponent
from portal.billing.money import ratio_to_decimal
from portal.billing_read import Scope
from portal.i18n import format_locale
from portal.usages.timeline import Timeline, build_timeline

#: Decimal places of an exact per-camera amount in major units (as stored in the annex).
CAMERA_AMOUNT_PLACES = 6


@dataclass(frozen=True)
class CameraRow:
    """One camera on one tariff (one engine charge), for people."""

    organization_title: str
    camera_name: str
    camera_title: str
    tariff_name: str
    is_trial: bool
    started_at: datetime
    ended_at: datetime
    seconds: int
    amount: Decimal  #: exact amount in major units (6 places); lines are rounded, not these


@dataclass(frozen=True)
class LineRow:
    """One invoice line: a tariff at one price for one organization."""

    organization_title: str
    tariff_id: int
    tariff_name: str
    price_from: date
    is_trial: bool
    unit_price_minor: int
    cameras: int
    camera_days: Decimal
    amount_minor: int
    price_label: str = ""  #: the price version's dates when it does not span the period
    #: The list price when the organization pays an individual price instead (None: list price).
    list_price_minor: int | None = None

    @property
    def description(self) -> str:
        """``Archive 30 days · from 16 Oct`` (the tariff alone when one price spans the period)."""
        return f"{self.tariff_name} · {self.price_label}" if self.price_label else self.tariff_name

    def key(self) -> tuple[str, int, int, str, int]:
        """What must match between the page, the preview and the invoice."""
        return (self.tariff_name, self.unit_price_minor, self.cameras, f"{self.camera_days:.4f}", self.amount_minor)


@dataclass(frozen=True)
class UsageReport:
    """A statement dressed for a page: rows, lines, totals, trial share, timeline."""

    scope: Scope
    statement: Statement
    timezone: str
    currency: str
    rows: tuple[CameraRow, ...]
    lines: tuple[LineRow, ...]
    total_minor: int
    trial_camera_days: Decimal
    trial_value_minor: int
    timeline: Timeline

    @property
    def period(self) -> Period:
        """The period rated."""
        return self.statement.period

    @property
    def subsidiaries(self) -> list[str]:
        """Titles of the subsidiaries whose usage is included (billed to this organization)."""
        return [self.scope.titles[oid] for oid in self.scope.ids[1:]]

    @property
    def camera_count(self) -> int:
        """Distinct cameras with usage in the period."""
        return len({c.camera_id for c in self.statement.charges})


def camera_amount(exact_minor: Fraction, currency: str) -> Decimal:
    """An exact minor-unit amount in major units, to ``CAMERA_AMOUNT_PLACES`` decimals."""
    return ratio_to_decimal(
        exact_minor.numerator, exact_minor.denominator * 10 ** exponent(currency), CAMERA_AMOUNT_PLACES
    )


@lru_cache(maxsize=4096)
def _day(day: date, pattern: str, locale: Locale) -> str:
    """A date in ``locale``; cached: a billing run labels thousands of lines with a few dates."""
    return format_date(day, pattern, locale=locale)


def line_start(line: EngineLine) -> date:
    """The first date of a line's terms: its price version, individual price or tax rate, the latest."""
    found = [line.price_from]
    if line.terms_from is not None:
        found.append(line.terms_from)
    if line.tax is not None:
        found.append(line.tax.effective_from)
    return max(found)


def price_labels(lines: Sequence[EngineLine], period: Period) -> list[str]:
    """For each line, the dates of its price version inside ``period`` ("from 16 Oct",
    "until 15 Oct", "3 Oct – 15 Oct"), or "" when that one price covers the whole period.

    Lines of one tariff (per organization and trial flag) at several price versions
    would otherwise read as identical lines.
    """
    starts: dict[tuple[int, int, bool], list[date]] = defaultdict(list)
    for ln in lines:
        starts[(ln.organization_id, ln.tariff_id, ln.is_trial)].append(line_start(ln))
    labels = []
    locale = format_locale()
    pattern = "d MMM" if period.start.year == period.end.year else "d MMM yyyy"
    for ln in lines:
        start = line_start(ln)
        later = [d for d in starts[(ln.organization_id, ln.tariff_id, ln.is_trial)] if d > start]
        first = start if start > period.start else None
        last = min(later) - timedelta(days=1) if later and min(later) <= period.end else None
        if first and last:
            labels.append(_("%(start)s – %(end)s", start=_day(first, pattern, locale), end=_day(last, pattern, locale)))
        elif first:
            labels.append(_("from %(date)s", date=_day(first, pattern, locale)))
        elif last:
            labels.append(_("until %(date)s", date=_day(last, pattern, locale)))
        else:
            labels.append("")
    return labels


def build_report(scope: Scope, statement: Statement) -> UsageReport:
    """Turn a statement into the rows, lines and picture the pages show."""
    titles = scope.titles
    rows = tuple(
        CameraRow(
            organization_title=titles.get(c.organization_id, ""),
            camera_name=c.camera_name,
            camera_title=c.camera_title,
            tariff_name=c.tariff_name,
            is_trial=c.is_trial,
            started_at=c.started_at,
            ended_at=c.ended_at,
            seconds=c.microseconds // 1_000_000,
            amount=camera_amount(c.exact_minor, statement.currency),
        )
        for c in statement.charges
    )
    lines = tuple(
        LineRow(
            organization_title=titles.get(ln.organization_id, ""),
            tariff_id=ln.tariff_id,
            tariff_name=ln.tariff_name,
            price_from=ln.price_from,
            is_trial=ln.is_trial,
            unit_price_minor=ln.unit_price_minor,
            cameras=ln.cameras,
            camera_days=ln.camera_days,
            amount_minor=ln.amount_minor,
            price_label=label,
            list_price_minor=ln.list_price_minor if ln.has_individual_price else None,
        )
        for ln, label in zip(statement.lines, price_labels(statement.lines, statement.period), strict=True)
    )
    payer_tz = scope.orgs[0].timezone
    return UsageReport(
        scope=scope,
        statement=statement,
        timezone=payer_tz,
        currency=statement.currency,
        rows=rows,
        lines=lines,
        total_minor=statement.total_minor,
        trial_camera_days=statement.trial.camera_days,
        trial_value_minor=statement.trial.list_amount_minor,
        timeline=build_timeline(statement, titles, payer_tz),
    )


def format_duration(seconds: int) -> str:
    """``2 d 03:04:05`` style duration of whole seconds."""
    days, rest = divmod(max(seconds, 0), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days} d {clock}" if days else clock
