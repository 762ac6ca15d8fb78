"""The monthly billing run: one invoice per paying organization with usage in a month.

Set-based, so the number of SQL statements does not grow with organizations or
cameras: the run is cut into batches of bounded size (intervals and payers), and
:func:`bill_organizations` bills one batch in a fixed number of statements: one
read of the organizations, one of the batch's invoices and coverage, one streamed
read of its usage, one of prices; the pure engine rates each payer once (money is
computed there only); then bulk writes of the invoices, their lines, camera annex,
coverage and audit rows, and one numbering step.  Issuing does for each invoice what
the per-invoice path does (:func:`portal.invoices.service._issue`), set-based: the
seller's details checked once per batch (missing ones are reported for every payer),
seller and buyer frozen, the invoice e-mails queued and the PDFs asked for in one
INSERT each; the payer's credit is applied invoice by invoice, only for payers that
hold credit in the invoice's currency (one grouped read tells which).  Usage is cut
at suspensions and rated with each scope's individual prices and taxes (one read of
each for the batch), exactly as :mod:`portal.billing_read` does for one invoice.

Invariants: idempotent (an organization already invoiced for the period is counted,
not billed again, so a batch re-run after a crash adds nothing), one run at a time
(``job_lock("billing-run")``), gapless numbers (a batch takes its numbers inside its
SAVEPOINT, so a rolled-back batch gives them back), the database's rules (invoices
are written as drafts with their lines, then issued by one UPDATE: the same
draft -> issued transition the triggers check).  Each batch is written inside a
SAVEPOINT; if the database refuses it, the batch is written again organization by
organization, each in its own savepoint, so only the failing organization is
reported and the others stand.

Speed (``make bench``): on PostgreSQL the camera annex, most of a run's rows, goes in by
``COPY``, and while one batch is written the next is read and rated on a thread with a
connection of its own (:func:`_pipelined`), so the database's work and Python's overlap
on two cores.  The organization tree is read once per batch as plain columns; only the
batch's scopes are loaded as ORM objects.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from operator import itemgetter
from typing import Any

from flask import current_app
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, scoped_session

from portal import collector, unit_of_work
from portal import settings as portal_settings
from portal.audit import service as audit
from portal.billing import (
    BillingError,
    Period,
    PriceAdjustment,
    PriceVersion,
    TariffInfo,
    TaxAssignment,
    Terms,
    UsageSpan,
    build_invoice,
    payer_id,
)
from portal.billing_mail.compose import queue_invoices
from portal.billing_read import (
    Scope,
    cut_suspensions,
    hierarchy,
    load_prices,
    load_suspensions,
    load_terms,
    rate_loaded,
    scopes_of,
    stream_spans,
    usage_per_payer,
)
from portal.documents.invoice import request_pdfs
from portal.errors import DomainError
from portal.extensions import db
from portal.invoices import coverage, documents
from portal.invoices.numbering import format_number, reserve
from portal.invoices.rows import InvoiceRows, invoice_rows, issue_columns
from portal.invoices.service import (
    NothingToInvoice,
    PeriodAlreadyInvoiced,
    PeriodNotOver,
    create_invoice,
    period_of,
    ready_in,
)
from portal.models import (
    AuditEvent,
    Invoice,
    InvoiceCameraLine,
    InvoiceCoverage,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    Organization,
    OrganizationTerms,
    User,
)
from portal.models.coverage_rules import COVERAGE_MESSAGE
from portal.models.invoice_rules import OVERLAP_MESSAGE
from portal.payments import ledger
from portal.payments.service import apply_credit
from portal.settings import BillingSettings

LOCK_NAME = "billing-run"
#: A session, or the app's scoped session (``db.session``).
AnySession = Session | scoped_session[Any]
#: A batch holds at most this many usage intervals (memory stays flat at any size; small
#: enough that a large run is several batches, which :func:`_pipelined` overlaps)...
BATCH_INTERVALS = 20_000
#: ...and at most this many invoices (bounded parameter lists on both databases).
BATCH_PAYERS = 1_000


@dataclass
class RunSummary:
    """What one run (or one batch) did, with totals per currency of what it issued or drafted."""

    period: Period
    draft: bool
    issued: list[str] = field(default_factory=list)
    drafted: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    #: Payers whose period is not over yet in every zone they carry (picked up by a later run).
    waiting: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def created(self) -> int:
        """Invoices issued or drafted by this run."""
        return len(self.issued) + len(self.drafted)

    def merge(self, other: RunSummary) -> None:
        """Add a batch's report to this one."""
        for name in ("issued", "drafted", "skipped", "already", "waiting", "errors"):
            getattr(self, name).extend(getattr(other, name))
        for currency, total in other.totals.items():
            self.totals[currency] += total


def billing_run(
    period: Period,
    now: datetime,
    draft: bool = False,
    progress: Callable[[list[int]], AbstractContextManager[Iterable[int]]] | None = None,
    settings: BillingSettings | None = None,
) -> RunSummary:
    """Issue (or draft) the invoices of ``period``; raises ``LockBusy`` if another run is on.

    ``progress`` wraps the list of paying organization ids (e.g. ``click.progressbar``);
    it advances as batches are billed.  ``settings`` default to the app's.
    """
    summary = RunSummary(period=period, draft=draft)
    billing = settings if settings is not None else portal_settings.current().billing

    def run() -> None:
        batches = list(plan(period))
        every = [org_id for batch in batches for org_id in batch]
        with progress(every) if progress is not None else nullcontext(every) as items:
            advancing = iter(items)
            for batch, report in _pipelined(batches, period, now, draft, billing):
                for _ in batch:
                    next(advancing)
                summary.merge(report)

    unit_of_work.run_locked_job(LOCK_NAME, run)
    return summary


def _pipelined(
    batches: list[list[int]], period: Period, now: datetime, draft: bool, settings: BillingSettings
) -> Iterator[tuple[list[int], RunSummary]]:
    """Bill ``batches`` in the run's session, in order; yields each batch with its report.

    On PostgreSQL with more than one batch, the next batch is read and rated on a
    connection of its own (a thread with its own application context) while this
    one is written: the database inserts one batch while Python rates the next, so
    the run takes about the longer of the two instead of their sum.  Reading only
    committed rows is enough there: batches hold disjoint payers, and the writes of
    the run's own transaction concern only the batches already read.  On SQLite (one
    host, one writer), or with one batch, the batches go one after the other.
    """
    if len(batches) < 2 or not _postgres(db.session):
        for batch in batches:
            yield batch, bill_organizations(db.session, period, batch, now, draft=draft, settings=settings)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def prepare(batch: list[int]) -> _Prepared:
        with app.app_context():
            return _prepare(db.session, period, list(dict.fromkeys(batch)), now, draft, settings)

    with collector.paused(), ThreadPoolExecutor(1, thread_name_prefix="billing-run-read") as reader:
        pending = reader.submit(prepare, batches[0])
        for index, batch in enumerate(batches):
            prepared = pending.result()
            if index + 1 < len(batches):
                pending = reader.submit(prepare, batches[index + 1])
            yield batch, _finish(db.session, prepared)


def plan(period: Period, max_intervals: int = BATCH_INTERVALS, max_payers: int = BATCH_PAYERS) -> Iterator[list[int]]:
    """The payers of ``period`` (by title, numbers follow that order) cut into bounded batches.

    Two statements.  A batch closes at ``max_intervals`` usage intervals or ``max_payers``
    payers; one payer with more intervals than that is a batch of its own.  When the run
    needs more than one batch, its first and last batches are smaller (a quarter of that):
    the first is read and rated before anything can be written and the last is written
    after everything else is rated, so :func:`_pipelined` fills and drains sooner (at
    100k cameras, 1.5 s of a 8 s run had nothing to overlap with).  Queue workers may
    bill the batches anywhere, each with :func:`bill_organizations`.
    """
    orgs, counts = usage_per_payer(period)
    payers = sorted(counts, key=lambda org_id: (orgs[org_id].title, org_id))
    if sum(counts.values()) <= max_intervals and len(payers) <= max_payers:
        if payers:
            yield payers
        return
    edge = max(1, max_intervals // 4)
    last: list[int] = []  # from the end, up to a quarter (at least one payer, never all of them)
    size = 0
    while len(payers) > 1 and len(last) < max_payers and (not last or size + counts[payers[-1]] <= edge):
        size += counts[payers[-1]]
        last.append(payers.pop())
    batch: list[int] = []
    size, cap = 0, edge
    for payer in payers:
        if batch and (size + counts[payer] > cap or len(batch) >= max_payers):
            yield batch
            batch, size, cap = [], 0, max_intervals
        batch.append(payer)
        size += counts[payer]
    if batch:
        yield batch
    yield last[::-1]


@dataclass
class _Rated:
    """One payer's invoice, rated and turned into rows, waiting to be written."""

    payer: Organization
    rows: InvoiceRows
    cover: list[dict[str, Any]]


def bill_organizations(
    session: AnySession,
    period: Period,
    org_ids: Iterable[int],
    now: datetime,
    draft: bool = False,
    settings: BillingSettings | None = None,
) -> RunSummary:
    """Bill one batch of paying organizations over ``period`` in ``session``; returns its report.

    A fixed number of statements whatever the batch holds.  Idempotent: payers already
    invoiced are reported in ``already``.  The caller commits (a job runner, see
    :func:`portal.unit_of_work.run_job`); the batch is written inside a savepoint.
    A subsidiary billed to its parent is reported as an error (its parent's invoice
    carries it).  An existing draft of exactly the period is issued through the
    per-invoice path (:func:`portal.invoices.service.create_invoice`).
    """
    with collector.paused():
        return _bill(session, period, list(dict.fromkeys(org_ids)), now, draft, settings)


@dataclass
class _Prepared:
    """A batch read and rated (no writes yet): what :func:`_finish` writes."""

    period: Period
    now: datetime
    draft: bool
    settings: BillingSettings
    report: RunSummary
    #: Payers with a draft of exactly the period: issued through the per-invoice path.
    drafts: list[int] = field(default_factory=list)
    rated: list[_Rated] = field(default_factory=list)


def _bill(
    session: AnySession,
    period: Period,
    ids: list[int],
    now: datetime,
    draft: bool,
    settings: BillingSettings | None,
) -> RunSummary:
    return _finish(session, _prepare(session, period, ids, now, draft, settings))


def _prepare(
    session: AnySession,
    period: Period,
    ids: list[int],
    now: datetime,
    draft: bool,
    settings: BillingSettings | None,
) -> _Prepared:
    """Read a batch (organizations, invoices, coverage, usage, prices, terms) and rate it: reads only."""
    billing = settings if settings is not None else portal_settings.current().billing
    prepared = _Prepared(period, now, draft, billing, RunSummary(period=period, draft=draft))
    report = prepared.report
    orgs = hierarchy()
    paying: list[int] = []
    for org_id in ids:
        if org_id not in orgs:
            continue
        if payer_id(org_id, orgs) != org_id:
            report.errors.append(f"{orgs[org_id].title}: invoiced to its parent")
            continue
        paying.append(org_id)
    scopes = scopes_of(paying, orgs)
    payers = [scopes[org_id] for org_id in paying]
    existing = _existing(session, [s.payer.id for s in payers], period)
    fresh: list[Scope] = []
    for scope in payers:
        found = existing.get(scope.payer.id)
        if found is None:
            fresh.append(scope)
        elif not draft and found.status == InvoiceStatus.DRAFT and period_of(found) == period:
            prepared.drafts.append(scope.payer.id)  # issue the existing draft
        else:
            report.already.append(scope.payer.title)
    prepared.rated = _rate(fresh, period, now, draft, billing, report)
    return prepared


def _finish(session: AnySession, prepared: _Prepared) -> RunSummary:
    """Write a prepared batch in ``session``: existing drafts issued one by one, the rated ones in bulk.

    The payers are taken from ``session`` (the batch may have been read in another one).
    """
    report, period, now, draft = prepared.report, prepared.period, prepared.now, prepared.draft
    wanted = [*prepared.drafts, *(one.payer.id for one in prepared.rated)]
    if not wanted:
        return report
    mine = {o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(wanted)))}
    for org_id in prepared.drafts:
        _one(mine[org_id], period, now, draft, report, prepared.settings)
    rated = [_Rated(mine[one.payer.id], one.rows, one.cover) for one in prepared.rated]
    if not rated:
        return report
    seller: dict[str, Any] = {}
    if not draft:
        try:  # issuing is refused while the operator's details are missing: reported per organization
            seller = documents.seller_snapshot(documents.operator_profile())
        except documents.SellerDetailsMissing as exc:
            report.errors.extend(f"{one.payer.title}: {exc.message}" for one in rated)
            return report
    _write_all(session, rated, period, now, draft, prepared.settings, report, seller)
    return report


def _existing(session: AnySession, payer_ids: list[int], period: Period) -> dict[int, Invoice]:
    """The first non-void invoice of each payer overlapping ``period`` (one query)."""
    if not payer_ids:
        return {}
    found: dict[int, Invoice] = {}
    for invoice in session.scalars(
        select(Invoice)
        .where(
            Invoice.organization_id.in_(payer_ids),
            Invoice.status != InvoiceStatus.VOID,
            Invoice.period_start <= period.end,
            Invoice.period_end >= period.start,
        )
        .order_by(Invoice.id)
    ):
        found.setdefault(invoice.organization_id, invoice)
    return found


def _rate(
    scopes: list[Scope], period: Period, now: datetime, draft: bool, settings: BillingSettings, report: RunSummary
) -> list[_Rated]:
    """Read the batch's coverage, usage and prices (a fixed number of statements) and rate each payer once."""
    ready = []
    for scope in scopes:
        if not draft:
            at = ready_in(scope, period)
            if at.at > now:
                report.waiting.append(f"{scope.payer.title} (from {at.label})")
                continue
        ready.append(scope)
    if not ready:
        return []
    windows = coverage.windows([(o.id, o.timezone) for s in ready for o in s.orgs], period)
    taken = coverage.overlapping_invoices(list(windows.values()))
    scopes_left = []
    for scope in ready:
        hit = next((taken[o.id] for o in scope.orgs if o.id in taken), None)
        if hit is not None:
            report.already.append(scope.payer.title)
        else:
            scopes_left.append(scope)
    if not scopes_left:
        return []
    payer_of = {o.id: s.payer.id for s in scopes_left for o in s.orgs}
    spans: dict[int, list[UsageSpan]] = defaultdict(list)
    tariffs: dict[int, TariffInfo] = {}
    lower = min(windows[org_id].start_at for org_id in payer_of)
    upper = max(windows[org_id].end_at for org_id in payer_of)
    for span, tariff_name in stream_spans(payer_of, lower, upper):
        spans[payer_of[span.organization_id]].append(span)
        if span.tariff_id not in tariffs:
            tariffs[span.tariff_id] = TariffInfo(id=span.tariff_id, name=tariff_name)
    if not portal_settings.current().dunning.bill_suspended:  # the read model's rule (issue 14), one query
        suspended = load_suspensions(payer_of, lower, upper)
        if suspended:
            for payer, found_spans in spans.items():
                spans[payer] = cut_suspensions(found_spans, suspended)
    prices = load_prices(sorted(tariffs))
    terms = _terms_by_org(load_terms(payer_of, tariffs) if tariffs else Terms())
    by_tariff: dict[int, list[PriceVersion]] = defaultdict(list)
    for price in prices:
        by_tariff[price.tariff_id].append(price)
    rated = []
    for scope in scopes_left:
        used = spans.pop(scope.payer.id, [])
        if not used:
            report.skipped.append(scope.payer.title)
            continue
        found = {o.id: windows[o.id] for o in scope.orgs}
        names = {s.tariff_id for s in used}
        try:
            statement = rate_loaded(
                scope,
                found,
                used,
                [p for t in sorted(names) for p in by_tariff.get(t, [])],
                [tariffs[t] for t in sorted(names)],
                period,
                now,
                settings.proration,
                _scope_terms(terms, scope),
            )
            if not statement.lines:
                report.skipped.append(scope.payer.title)
                continue
            invoice = build_invoice(statement, settings.tax_bp)
        except BillingError as exc:
            report.errors.append(f"{scope.payer.title}: {getattr(exc, 'message', None) or exc}")
            continue
        rows = invoice_rows(scope.titles, invoice, scope.payer.document_language)
        rated.append(_Rated(scope.payer, rows, coverage.coverage_dicts(found)))
    return rated


@dataclass(frozen=True)
class _TermsIndex:
    """A batch's terms (one query) split per organization, so each scope is rated with its own only."""

    adjustments: dict[int, list[PriceAdjustment]]
    assignments: dict[int, list[TaxAssignment]]
    everything: Terms


def _terms_by_org(terms: Terms) -> _TermsIndex:
    adjustments: dict[int, list[PriceAdjustment]] = defaultdict(list)
    assignments: dict[int, list[TaxAssignment]] = defaultdict(list)
    for adjustment in terms.adjustments:
        adjustments[adjustment.organization_id].append(adjustment)
    for assignment in terms.assignments:
        assignments[assignment.organization_id].append(assignment)
    return _TermsIndex(adjustments, assignments, terms)


def _scope_terms(index: _TermsIndex, scope: Scope) -> Terms:
    """The terms of ``scope``'s organizations (tax rates of every tax: the engine picks the assigned ones)."""
    if not index.everything.adjustments and not index.everything.assignments:
        return index.everything
    return Terms(
        adjustments=tuple(a for o in scope.orgs for a in index.adjustments.get(o.id, ())),
        taxes=index.everything.taxes,
        assignments=tuple(a for o in scope.orgs for a in index.assignments.get(o.id, ())),
    )


def _write_all(
    session: AnySession,
    rated: list[_Rated],
    period: Period,
    now: datetime,
    draft: bool,
    settings: BillingSettings,
    report: RunSummary,
    seller: dict[str, Any],
) -> None:
    """Write the batch in one savepoint; if the database refuses it, payer by payer."""
    try:
        with session.begin_nested():
            done = _write(session, rated, period, now, draft, settings, seller)
    except DBAPIError:
        for one in rated:
            try:
                with session.begin_nested():
                    done = _write(session, [one], period, now, draft, settings, seller)
            except DBAPIError as exc:
                message = str(exc.orig) if exc.orig is not None else str(exc)
                if OVERLAP_MESSAGE in message or COVERAGE_MESSAGE in message or "no_overlap" in message:
                    report.already.append(one.payer.title)
                else:
                    report.errors.append(f"{one.payer.title}: the database refused the invoice ({message.strip()})")
                continue
            _report(report, done)
        return
    _report(report, done)


def _report(report: RunSummary, done: list[tuple[int, str | None, str, int]]) -> None:
    for invoice_id, number, currency, total in done:
        report.totals[currency] += total
        if number:
            report.issued.append(number)
        else:
            report.drafted.append(invoice_id)


def _write(
    session: AnySession,
    rated: list[_Rated],
    period: Period,
    now: datetime,
    draft: bool,
    settings: BillingSettings,
    seller: dict[str, Any],
) -> list[tuple[int, str | None, str, int]]:
    """Bulk-write rated invoices as drafts with lines, annex and coverage; issue them unless ``draft``.

    Issuing does per invoice what :func:`portal.invoices.service._issue` does: the seller
    (``seller``, checked once per batch) and buyer frozen, a number, one audit row, the
    payer's credit applied, the invoice e-mail queued and its PDF asked for.
    Returns ``(invoice id, number or None, currency, total)`` per invoice.
    """
    headers = [
        {
            **one.rows.invoice,
            "organization_id": one.payer.id,
            "period_start": period.start,
            "period_end": period.end,
            "status": InvoiceStatus.DRAFT.value,
            "timezone": one.payer.timezone,
            "period_start_at": next(c["start_at"] for c in one.cover if c["organization_id"] == one.payer.id),
            "period_end_at": next(c["end_at"] for c in one.cover if c["organization_id"] == one.payer.id),
            "bill_to": "",
            "created_at": now,
        }
        for one in rated
    ]
    ids = _insert_returning(session, _table(Invoice), headers)
    lines: list[dict[str, Any]] = []
    covers: list[dict[str, Any]] = []
    for one in rated:
        invoice_id = ids[one.payer.id]
        lines.extend({**line, "invoice_id": invoice_id} for line in one.rows.lines)
        covers.extend({**cover, "invoice_id": invoice_id, "voided": False} for cover in one.cover)
    cameras = [({"invoice_id": ids[one.payer.id]}, one.rows.cameras) for one in rated]
    with _foreign_keys_by_index(session):
        _insert(session, _table(InvoiceLine), lines)
        _copy(session, _table(InvoiceCameraLine), cameras)
        _insert(session, _table(InvoiceCoverage), covers)
    done: list[tuple[int, str | None, str, int]] = []
    events = []
    if draft:
        for one in rated:
            invoice_id = ids[one.payer.id]
            total = _total(one.rows)
            events.append(
                audit.event_row(
                    "invoice.draft", "invoice", invoice_id, summary=f"{one.payer.title} {period}: draft {total}"
                )
            )
            done.append((invoice_id, None, one.rows.invoice["currency"], one.rows.invoice["total_minor"]))
    else:
        terms = {
            t.organization_id: t
            for t in session.scalars(
                select(OrganizationTerms).where(OrganizationTerms.organization_id.in_([one.payer.id for one in rated]))
            )
        }
        issues = [
            issue_columns(
                one.payer.title,
                one.payer.billing_contact,
                one.payer.timezone,
                now,
                settings.due_days,
                seller,
                documents.buyer_details(one.payer, terms.get(one.payer.id)),
            )
            for one in rated
        ]
        numbers = _take_numbers(session, [columns["issue_date"].year for columns in issues])
        changes = []
        for one, columns, number in zip(rated, issues, numbers, strict=True):
            invoice_id = ids[one.payer.id]
            changes.append({"id": invoice_id, "number": number, **columns})
            events.append(
                audit.event_row("invoice.issue", "invoice", invoice_id, summary=f"{number}: {_total(one.rows)}")
            )
            done.append((invoice_id, number, one.rows.invoice["currency"], one.rows.invoice["total_minor"]))
        _update(session, _table(Invoice), changes)
    _insert(session, _table(AuditEvent), events)
    if not draft:
        _after_issue(session, rated, ids, now)
    return done


def _after_issue(session: AnySession, rated: list[_Rated], ids: dict[int, int], now: datetime) -> None:
    """What issuing does after numbering, for a batch: a fixed number of statements, plus a few
    per invoice of a payer holding credit in its currency (the per-invoice
    :func:`~portal.payments.service.apply_credit`; most payers hold none)."""
    invoices = {i.id: i for i in session.scalars(select(Invoice).where(Invoice.id.in_(list(ids.values()))))}
    credits = ledger.credits_by_payer(session, [one.payer.id for one in rated])
    for one in rated:
        if credits.get(one.payer.id, {}).get(one.rows.invoice["currency"], 0) > 0:
            apply_credit(invoices[ids[one.payer.id]], now, None)
    owners = [one.payer.owner_id for one in rated if not one.payer.billing_email and one.payer.owner_id is not None]
    emails: dict[int, str] = {}
    if owners:
        emails = {uid: email for uid, email in session.execute(select(User.id, User.email).where(User.id.in_(owners)))}
    queue_invoices(
        [
            (
                ids[one.payer.id],
                invoices[ids[one.payer.id]].number or "",
                one.payer,
                one.payer.billing_email or emails.get(one.payer.owner_id or 0, ""),
            )
            for one in rated
        ]
    )
    request_pdfs([invoices[ids[one.payer.id]] for one in rated])


def _total(rows: InvoiceRows) -> str:
    from portal.templating import money

    return money(rows.invoice["total_minor"], rows.invoice["currency"], rows.invoice["minor_units"])


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _postgres(session: AnySession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _take_numbers(session: AnySession, years: list[int]) -> list[str]:
    """Gapless numbers for invoices issued in ``years`` (in order): one counter step per year.

    Within the caller's transaction (the batch's savepoint): a rollback gives them back.
    """
    wanted: dict[int, int] = defaultdict(int)
    for year in years:
        wanted[year] += 1
    next_value = {year: reserve(InvoiceSequence, year, count, session) for year, count in sorted(wanted.items())}
    numbers = []
    for year in years:
        numbers.append(format_number(year, next_value[year]))
        next_value[year] += 1
    return numbers


def _pg_types(table: Table, columns: list[str]) -> list[str]:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    return [table.c[name].type.compile(dialect=dialect) for name in columns]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def _as_json(value: Any) -> Any:
    """What ``json.dumps`` cannot write itself: instants as microseconds since the epoch
    (exact, and far cheaper for the server than parsing text), dates as ISO text, decimals as text."""
    if isinstance(value, datetime):
        return (value - _EPOCH) // _MICROSECOND
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serialisable: {value!r}")


def _recordset(table: Table, columns: list[str], rows: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    """PostgreSQL: ``SELECT`` of ``rows`` from ONE JSON parameter, typed by the table's column types.

    One statement whatever the number of rows (no page of parameters per thousand rows),
    and the rows travel as one compact JSON text (``[[v1, v2, ...], ...]``) the server
    parses, far cheaper than adapting Python lists to arrays.
    """
    types = _pg_types(table, columns)
    values = ", ".join(
        (
            f"TIMESTAMPTZ 'epoch' + CAST(r ->> {i} AS bigint) * INTERVAL '1 microsecond' AS {name}"
            if kind == "TIMESTAMP WITH TIME ZONE"
            else f"CAST(r ->> {i} AS {kind}) AS {name}"
        )
        for i, (name, kind) in enumerate(zip(columns, types, strict=True))
    )
    pick = itemgetter(*columns)
    seen: dict[Any, Any] = {}  # the same instants and amounts recur on many rows

    def _json_default(value: Any) -> Any:
        found = seen.get(value)
        if found is None:
            found = seen[value] = _as_json(value)
        return found

    payload = json.dumps(
        [pick(row) for row in rows] if len(columns) > 1 else [[pick(row)] for row in rows], default=_json_default
    )
    return f"SELECT {values} FROM jsonb_array_elements(CAST(%(rows)s AS jsonb)) AS r", {"rows": payload}


def _insert(session: AnySession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (same keys each) in one statement: a JSON recordset on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    if _postgres(session):
        columns = list(rows[0])
        source, params = _recordset(table, columns, rows)
        session.connection().exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) {source}", params)
    else:
        session.execute(insert(table), rows)


@contextmanager
def _foreign_keys_by_index(session: AnySession) -> Iterator[None]:
    """PostgreSQL: while the rows referencing the batch's invoices are written, no sequential scans.

    Each row's foreign key is checked by a query PostgreSQL plans once per connection and
    then keeps.  Planned while ``invoices`` is still small (a new database's first run),
    that plan scans the table, and then every check scans it again as it grows: the
    run's writes become quadratic (a million cameras: seconds per batch, growing).  With
    sequential scans off while these statements run, the kept plan is the primary-key
    lookup, right at any size.  Two statements per batch; the setting is restored after
    (``SET LOCAL`` semantics: a rolled-back savepoint restores it too).
    """
    if not _postgres(session):
        yield
        return
    connection = session.connection()
    previous = connection.exec_driver_sql(
        "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)"
    ).scalar_one()
    yield  # on an error the batch's savepoint is rolled back, and the setting with it
    connection.exec_driver_sql("SELECT set_config('enable_seqscan', %(value)s, true)", {"value": previous})


def _copy(session: AnySession, table: Table, groups: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> None:
    """Insert many rows: each group's rows (same keys each) with the group's own columns
    (e.g. its invoice id) added.  ``COPY … FROM STDIN`` on PostgreSQL, :func:`_insert` elsewhere.

    The camera annex is most of a run's rows; COPY is PostgreSQL's own bulk path
    (no statement to parse per row, no JSON to decode), through the session's
    connection and so inside the batch's savepoint.  The rows go in COPY's binary
    format with each column's type given up front: psycopg then neither guesses a
    type per value nor writes text for the server to parse (a third of the time);
    each is a tuple of its group's values and its own, never a merged dict.
    """
    groups = [(common, rows) for common, rows in groups if rows]
    if not groups or not _postgres(session):
        _insert(session, table, [{**common, **row} for common, rows in groups for row in rows])
        return
    shared, own = list(groups[0][0]), list(groups[0][1][0])
    columns = [*shared, *own]
    types = [re.sub(r"\(.*\)", "", name).lower() for name in _pg_types(table, columns)]  # VARCHAR(255) -> varchar
    pick = itemgetter(*own) if len(own) > 1 else lambda row: (row[own[0]],)
    driver: Any = session.connection().connection.driver_connection  # psycopg's own connection
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        copy.set_types(types)
        write = copy.write_row
        for common, rows in groups:
            head = tuple(common[key] for key in shared)
            for row in rows:
                write(head + pick(row))


def _insert_returning(session: AnySession, table: Table, rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert invoice rows in one statement; ``{organization id: new invoice id}``."""
    if _postgres(session):
        columns = list(rows[0])
        source, params = _recordset(table, columns, rows)
        result: Any = session.connection().exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) {source} RETURNING id, organization_id",
            params,
        )
    else:
        result = session.execute(
            insert(table)
            .returning(table.c.id, table.c.organization_id)
            .execution_options(insertmanyvalues_page_size=max(len(rows), 1)),
            rows,
        )
    return {org_id: invoice_id for invoice_id, org_id in result}


def _update(session: AnySession, table: Table, changes: list[dict[str, Any]]) -> None:
    """Issue: set number and issue columns per invoice (status draft -> issued), one statement."""
    if not changes:
        return
    columns = [name for name in changes[0] if name != "id"]
    if _postgres(session):
        source, params = _recordset(table, ["id", *columns], changes)
        sets = ", ".join(f"{name} = x.{name}" for name in columns)
        session.connection().exec_driver_sql(
            f"UPDATE {table.name} SET {sets} FROM ({source}) AS x WHERE {table.name}.id = x.id", params
        )
        return
    statement = (
        update(table).where(table.c.id == bindparam("b_id")).values({name: bindparam(f"b_{name}") for name in columns})
    )
    session.connection().execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in changes])


def _one(
    org: Organization, period: Period, now: datetime, draft: bool, summary: RunSummary, settings: BillingSettings
) -> None:
    """Invoice one organization through the per-invoice path, inside a savepoint (an existing draft)."""
    try:
        with db.session.begin_nested():  # SAVEPOINT: isolates this organization's failure
            invoice = create_invoice(org, period, now, issue=not draft, settings=settings)
    except NothingToInvoice:
        summary.skipped.append(org.title)
        return
    except PeriodAlreadyInvoiced:
        summary.already.append(org.title)
        return
    except PeriodNotOver as exc:  # the savepoint was rolled back; the other organizations stand
        summary.waiting.append(f"{org.title} (from {exc.ready.label})")
        return
    except (DomainError, BillingError) as exc:
        summary.errors.append(f"{org.title}: {getattr(exc, 'message', None) or exc}")
        return
    summary.totals[invoice.currency] += invoice.total_minor
    if invoice.number:
        summary.issued.append(invoice.number)
    else:
        summary.drafted.append(invoice.id)
