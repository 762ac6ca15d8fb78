"""Rating: usage intervals -> per-camera charges -> a statement.

Each in-scope span is clipped to the period (in its organization's timezone)
and to ``now``, then cut at every local month boundary, every price-version
date and both trial edges.  Each piece is worth ``price x share``, where the
share is exact (``Fraction``):

* ``SECOND``: used microseconds / real microseconds of the local month, so a
  full month costs exactly the monthly price even with 743 or 745 hours;
* ``DAY``: started local days / days of the month; a day touched twice by one
  camera on one line counts once, a day split between two tariffs counts on both.

Consecutive pieces of one span on one line become one :class:`Charge`.  Work is
O(spans x (months + price changes + trial edges)) after one sort by camera.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from fractions import Fraction

from .errors import InvalidScope, MixedCurrency, OverlappingSpans, UnknownTariff
from .invoicing import build_lines, trial_share
from .periods import (
    ONE_DAY,
    Period,
    as_utc,
    days_in_month,
    elapsed_us,
    last_instant_day,
    local_date,
    local_midnight,
    month_bounds,
    month_us,
)
from .pieces import Priced, Run, frozen_instance
from .pricing import PriceBook
from .scope import invoice_scope
from .terms import NO_TERMS, PriceAdjustment, Terms, TermsBook
from .types import BillingOrg, Charge, PriceVersion, ProrationMode, Statement, TariffInfo, UsageSpan

_ZERO = Fraction(0)


def rate_period(
    orgs: Sequence[BillingOrg],
    spans: Iterable[UsageSpan],
    prices: Iterable[PriceVersion],
    tariffs: Iterable[TariffInfo],
    period: Period,
    now: datetime,
    mode: ProrationMode = ProrationMode.SECOND,
    terms: Terms = NO_TERMS,
) -> Statement:
    """Rate the usage of ``orgs`` over ``period`` as seen at ``now``.

    ``terms`` are the organizations' individual prices and taxes
    (:mod:`portal.billing.terms`): pieces are also cut where they change.

    ``orgs[0]`` is the paying organization; the others (subsidiaries billed to
    it, see :func:`invoice_scope`) are rated in their own timezone and trial.
    Spans of organizations outside ``orgs`` are skipped and counted in
    ``Statement.skipped_spans``, so a caller may pass a camera's whole history.

    Raises :class:`InvalidScope`, :class:`MixedCurrency` (organizations or used
    prices in different currencies), :class:`NoPriceForPeriod`,
    :class:`UnknownTariff`, :class:`OverlappingSpans`, :class:`NaiveDatetime`.
    """
    scope = _check_scope(orgs)
    now_utc = as_utc(now, "now")
    names = {t.id: t.name for t in tariffs}
    rater = _Rater(scope, PriceBook(prices), TermsBook(terms, scope), names, period, now_utc, mode, orgs[0].currency)
    ledger, skipped = _ledger(spans, scope)
    charges: list[Charge] = []
    for span, start, end in ledger:
        charges.extend(rater.rate(span, start, end))
    charges.sort(key=lambda c: (c.organization_id, c.camera_name, c.camera_id, c.started_at))
    lines = build_lines(charges)
    return Statement(
        bill_to_id=orgs[0].id,
        organization_ids=tuple(scope),
        period=period,
        now=now_utc,
        mode=mode,
        currency=orgs[0].currency,
        charges=tuple(charges),
        lines=lines,
        total_minor=sum(line.amount_minor for line in lines),
        trial=trial_share(charges),
        skipped_spans=skipped,
    )


def rate_rollup(
    parent: BillingOrg,
    orgs: Iterable[BillingOrg],
    spans: Iterable[UsageSpan],
    prices: Iterable[PriceVersion],
    tariffs: Iterable[TariffInfo],
    period: Period,
    now: datetime,
    mode: ProrationMode = ProrationMode.SECOND,
    terms: Terms = NO_TERMS,
) -> Statement:
    """Rate a parent's consolidated invoice: ``rate_period(invoice_scope(parent, orgs), ...)``."""
    return rate_period(invoice_scope(parent, orgs), spans, prices, tariffs, period, now, mode, terms)


def _check_scope(orgs: Sequence[BillingOrg]) -> dict[int, BillingOrg]:
    if not orgs:
        raise InvalidScope("nothing to rate: no organization given")
    scope = {org.id: org for org in orgs}
    if len(scope) != len(orgs):
        raise InvalidScope("an organization appears twice in the scope")
    currencies = {org.currency for org in orgs}
    if len(currencies) > 1:
        raise MixedCurrency(currencies)
    return scope


_Entry = tuple[UsageSpan, datetime, "datetime | None"]


def _ledger(spans: Iterable[UsageSpan], scope: dict[int, BillingOrg]) -> tuple[list[_Entry], int]:
    """In-scope spans with UTC bounds, sorted by camera and start; overlaps rejected."""
    ledger: list[_Entry] = []
    skipped = 0
    for span in spans:
        if span.organization_id not in scope:
            skipped += 1
            continue
        end = None if span.ended_at is None else as_utc(span.ended_at, "ended_at")
        ledger.append((span, as_utc(span.started_at, "started_at"), end))
    ledger.sort(key=lambda entry: (entry[0].camera_id, entry[1]))
    for previous, current in zip(ledger, ledger[1:], strict=False):
        if previous[0].camera_id == current[0].camera_id and (previous[2] is None or previous[2] > current[1]):
            raise OverlappingSpans(current[0].camera_id)
    return ledger, skipped


class _Rater:
    """Rates spans for one scope, period, ``now`` and mode (caches per organization)."""

    def __init__(
        self,
        scope: dict[int, BillingOrg],
        book: PriceBook,
        terms: TermsBook,
        names: dict[int, str],
        period: Period,
        now: datetime,
        mode: ProrationMode,
        currency: str,
    ) -> None:
        self.scope, self.book, self.names = scope, book, names
        self.now, self.mode, self.currency = now, mode, currency
        self.bounds = {oid: period.bounds(org.timezone) for oid, org in scope.items()}
        self.trials = {oid: _trial_bounds(org) for oid, org in scope.items()}
        self.last_day: dict[tuple[int, int, int, date, bool], date] = {}
        self.terms = terms
        #: SECOND mode: spans with the same organization, tariff and bounds cost the same
        #: (terms depend only on organization, tariff and day, so they are in the key too).
        self.memo: dict[tuple[int, int, datetime, datetime], list[Priced]] = {}

    def rate(self, span: UsageSpan, start: datetime, end: datetime | None) -> list[Charge]:
        """The charges of one span within the period and before ``now``."""
        org = self.scope[span.organization_id]
        period_start, period_end = self.bounds[org.id]
        lower = max(start, period_start)
        upper = min(self.now if end is None else end, period_end, self.now)
        if lower >= upper:
            return []
        name = self.names.get(span.tariff_id)
        if name is None:
            raise UnknownTariff(span.tariff_id)
        key = (org.id, span.tariff_id, lower, upper)
        priced = self.memo.get(key) if self.mode is ProrationMode.SECOND else None
        if priced is None:
            priced = self.memo[key] = self._price(span, org, lower, upper)
        return [_charge(span, name, run) for run in priced]

    def _price(self, span: UsageSpan, org: BillingOrg, lower: datetime, upper: datetime) -> list[Priced]:
        """The runs of one span from ``lower`` to ``upper``: cut at months, price versions and trial edges."""
        runs: list[Run] = []
        cursor = lower
        while cursor < upper:
            cut, version, in_trial, day = self._next_cut(span.tariff_id, org, cursor, upper)
            terms = self.terms.in_force(org.id, span.tariff_id, day)
            if terms.next_change is not None:
                cut = min(cut, local_midnight(terms.next_change, org.timezone))
            if not runs or not runs[-1].same_line(version, in_trial, terms):
                runs.append(Run(version, in_trial, terms, cursor, cut))
            run = runs[-1]
            used = elapsed_us(cursor, cut)
            share, days = self._share(span, org, version, in_trial, cursor, cut, day, used)
            run.end = cut
            run.microseconds += used
            run.add(share, days)
            cursor = cut
        return [run.finish() for run in runs]

    def _next_cut(
        self, tariff_id: int, org: BillingOrg, cursor: datetime, upper: datetime
    ) -> tuple[datetime, PriceVersion, bool, date]:
        """End of the piece starting at ``cursor``, with its version and trial status."""
        day = local_date(cursor, org.timezone)
        version, next_date = self.book.version_at(tariff_id, day)
        if version.currency != self.currency:
            raise MixedCurrency({version.currency, self.currency})
        cut = min(upper, month_bounds(day.year, day.month, org.timezone)[1])
        if next_date is not None:
            cut = min(cut, local_midnight(next_date, org.timezone))
        in_trial = False
        trial = self.trials[org.id]
        if trial is not None:
            trial_start, trial_end = trial
            if trial_start is not None and cursor < trial_start:
                cut = min(cut, trial_start)
            elif cursor < trial_end:
                in_trial = True
                cut = min(cut, trial_end)
        return cut, version, in_trial, day

    def _share(
        self,
        span: UsageSpan,
        org: BillingOrg,
        version: PriceVersion,
        in_trial: bool,
        lower: datetime,
        upper: datetime,
        day: date,
        used_us: int,
    ) -> tuple[tuple[int, int], tuple[int, int]]:
        """Share of the monthly price and camera-days of one piece within one month.

        Both as exact ``(numerator, denominator)`` integer pairs.
        """
        month_days = days_in_month(day.year, day.month)
        if self.mode is ProrationMode.SECOND:
            length = month_us(day.year, day.month, org.timezone)
            return (used_us, length), (used_us * month_days, length)
        last = last_instant_day(upper, org.timezone)
        key = (span.camera_id, org.id, span.tariff_id, version.effective_from, in_trial)
        first = day + ONE_DAY if self.last_day.get(key) == day else day
        self.last_day[key] = last
        count = max((last - first).days + 1, 0)
        return (count, month_days), (count, 1)


def _trial_bounds(org: BillingOrg) -> tuple[datetime | None, datetime] | None:
    """UTC instants ``[trial_start 00:00, trial_end + 1 day 00:00)``; None if no trial."""
    if org.trial_end is None:
        return None
    start = None if org.trial_start is None else local_midnight(org.trial_start, org.timezone)
    return start, local_midnight(org.trial_end + ONE_DAY, org.timezone)


def _charge(span: UsageSpan, tariff_name: str, run: Priced) -> Charge:
    adjustment: PriceAdjustment | None = run.terms.adjustment
    return frozen_instance(
        Charge,
        camera_id=span.camera_id,
        camera_name=span.camera_name,
        camera_title=span.camera_title,
        organization_id=span.organization_id,
        tariff_id=span.tariff_id,
        tariff_name=tariff_name,
        price_from=run.version.effective_from,
        list_price_minor=run.version.amount_minor,
        is_trial=run.is_trial,
        started_at=run.start,
        ended_at=run.end,
        microseconds=run.microseconds,
        days=run.days,
        exact_minor=_ZERO if run.is_trial else run.exact,
        list_exact_minor=run.list_exact,
        individual_minor=None if adjustment is None else adjustment.apply(run.version.amount_minor),
        terms_from=None if adjustment is None else adjustment.effective_from,
        tax=run.terms.tax,
    )
