"""Invoice lifecycle: draft -> issued -> paid, or void.  Services add and flush; callers commit.

Data flows one way: the billing read model loads the period's scope, prices and
usage, the pure engine rates it once, :func:`_write` copies the result into the
invoice rows, and the documents render those rows.  Issuing rates once and
writes one audit row; it never re-reads what it has just written.  Issuing
freezes the tariff names, unit prices and amounts into ``invoice_lines`` /
``invoice_camera_lines``; the database refuses later changes (see
:mod:`portal.models.invoice_rules`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import settings as portal_settings
from portal.audit import service as audit
from portal.billing import InvoiceDraft, Period, build_invoice
from portal.billing_mail.compose import queue_invoice
from portal.billing_read import Scope, billed_to, billing_scope, rate_scope
from portal.documents.invoice import request_pdf
from portal.errors import DomainError
from portal.extensions import db
from portal.invoices import coverage, documents
from portal.invoices.numbering import next_number
from portal.invoices.rows import InvoiceRows, invoice_rows, issue_columns
from portal.models import Invoice, InvoiceCameraLine, InvoiceLine, InvoiceStatus, Organization, User, utcnow
from portal.payments import ledger
from portal.payments.service import apply_credit, record_payment, release_for_void
from portal.settings import BillingSettings
from portal.templating import money


class PeriodAlreadyInvoiced(DomainError):
    """A non-void invoice of the organization already covers (part of) the period."""

    def __init__(self, existing: Invoice | None) -> None:
        if existing is None:
            label = _("another invoice")
        else:
            label = existing.number or _("draft #%(id)s", id=existing.id)
        super().__init__(_("This period is already invoiced (%(invoice)s).", invoice=label))
        self.existing = existing


class BilledToParent(DomainError):
    """The organization's usage goes on its parent's invoice."""


class NothingToInvoice(DomainError):
    """No usage at all in the period."""


def period_of(invoice: Invoice) -> Period:
    """The invoice's period."""
    return Period(invoice.period_start, invoice.period_end)


def find_overlapping(organization_id: int, period: Period) -> Invoice | None:
    """The non-void invoice of the organization whose period overlaps ``period``, if any."""
    return db.session.scalar(
        select(Invoice)
        .where(
            Invoice.organization_id == organization_id,
            Invoice.status != InvoiceStatus.VOID,
            Invoice.period_start <= period.end,
            Invoice.period_end >= period.start,
        )
        .order_by(Invoice.id)
        .limit(1)
    )


def check_payer(org: Organization) -> None:
    """Refuse invoicing a subsidiary whose usage lands on its parent's invoice."""
    payer = billed_to(org)
    if payer is not None:
        raise BilledToParent(
            _(
                "“%(organization)s” is invoiced to its parent: its usage is on the invoice of “%(payer)s”. "
                "Issue the invoice for “%(payer)s” instead.",
                organization=org.title,
                payer=payer.title,
            )
        )


def _write(invoice: Invoice, scope: Scope, draft: InvoiceDraft, rows: InvoiceRows | None = None) -> None:
    """The writer: copy the engine's draft into the invoice row, its lines and its camera annex."""
    rows = rows if rows is not None else invoice_rows(scope.titles, draft, scope.payer.document_language)
    for column, value in rows.invoice.items():
        setattr(invoice, column, value)
    invoice.lines = [InvoiceLine(**line) for line in rows.lines]
    invoice.cameras = [InvoiceCameraLine(**camera) for camera in rows.cameras]


def _unchanged(invoice: Invoice, rows: InvoiceRows) -> bool:
    """The draft already holds exactly these lines and camera annex (nothing to delete and write again)."""
    if len(invoice.lines) != len(rows.lines) or len(invoice.cameras) != len(rows.cameras):
        return False
    return all(
        all(getattr(obj, column) == value for column, value in row.items())
        for objs, found in ((invoice.lines, rows.lines), (invoice.cameras, rows.cameras))
        for obj, row in zip(objs, found, strict=True)
    )


def _cover(invoice: Invoice, org: Organization, scope: Scope, period: Period) -> None:
    """Record the UTC instants the invoice covers for every organization it carries.

    Refuses an overlap with another invoice's coverage (the database refuses it too):
    no instant of an organization's usage is billed twice, whatever its zone did since.
    """
    found = coverage.windows([(o.id, o.timezone) for o in scope.orgs], period)
    existing = coverage.overlapping_invoice(found, exclude_invoice_id=invoice.id)
    if existing is not None:
        raise PeriodAlreadyInvoiced(existing)
    payer = found[org.id]
    invoice.timezone, invoice.period_start_at, invoice.period_end_at = org.timezone, payer.start_at, payer.end_at
    invoice.coverage = coverage.coverage_rows(found)


def _rate(org: Organization, period: Period, now: datetime, settings: BillingSettings) -> tuple[Scope, InvoiceDraft]:
    """Read model -> engine, once: the invoice draft of ``org`` over ``period``."""
    scope, statement = rate_scope(org, period, now, mode=settings.proration)
    if not statement.lines:
        raise NothingToInvoice(
            _(
                "“%(organization)s” has no usage from %(start)s to %(end)s: nothing to invoice.",
                organization=org.title,
                start=period.start,
                end=period.end,
            )
        )
    return scope, build_invoice(statement, settings.tax_bp)


def _billing(settings: BillingSettings | None) -> BillingSettings:
    return settings if settings is not None else portal_settings.current().billing


def create_invoice(
    org: Organization,
    period: Period,
    now: datetime,
    issue: bool = False,
    actor: User | None = None,
    settings: BillingSettings | None = None,
) -> Invoice:
    """Create a draft (or an issued invoice when ``issue``) for ``org`` over ``period``.

    An existing draft for exactly this period is refreshed (or issued) instead.
    Rates once and writes one audit row.  Raises :class:`PeriodAlreadyInvoiced`
    when another non-void invoice overlaps (the database refuses it too: on a
    lost race the error has no ``existing`` and the unit of work must be rolled
    back), :class:`BilledToParent`, :class:`NothingToInvoice` and the engine's errors.
    """
    settings = _billing(settings)
    check_payer(org)
    existing = find_overlapping(org.id, period)
    if existing is not None:
        if existing.status != InvoiceStatus.DRAFT or period_of(existing) != period:
            raise PeriodAlreadyInvoiced(existing)
        if issue:
            return issue_invoice(existing, now, actor, settings)
        return refresh_draft(existing, now, actor, settings)
    if issue:
        _check_period_over(org, period, now)
    scope, draft = _rate(org, period, now, settings)
    invoice = Invoice(
        organization_id=org.id,
        period_start=period.start,
        period_end=period.end,
        status=InvoiceStatus.DRAFT.value,
        created_by_id=actor.id if actor else None,
    )
    _write(invoice, scope, draft)
    _cover(invoice, org, scope, period)
    db.session.add(invoice)
    try:
        db.session.flush()
    except IntegrityError:
        raise PeriodAlreadyInvoiced(None) from None
    if issue:
        return _issue(invoice, org, now, actor, settings)
    audit.record(
        "invoice.draft", "invoice", invoice.id, actor=actor, summary=f"{org.title} {period}: draft {_total(invoice)}"
    )
    return invoice


def _rewrite(invoice: Invoice, now: datetime, settings: BillingSettings) -> None:
    """Replace a draft's lines with a fresh rating of the current ledger and prices (rated once).

    Lines that came out exactly the same are kept rather than deleted and written again.
    """
    scope, draft = _rate(invoice.organization, period_of(invoice), now, settings)
    rows = invoice_rows(scope.titles, draft, scope.payer.document_language)
    if _unchanged(invoice, rows):  # issuing a draft nothing changed since: keep its rows
        invoice.coverage = []
        db.session.flush()
        for column, value in rows.invoice.items():
            setattr(invoice, column, value)
    else:
        invoice.lines, invoice.cameras, invoice.coverage = [], [], []
        db.session.flush()
        _write(invoice, scope, draft, rows)
    _cover(invoice, invoice.organization, scope, period_of(invoice))
    db.session.flush()


def refresh_draft(
    invoice: Invoice, now: datetime, actor: User | None = None, settings: BillingSettings | None = None
) -> Invoice:
    """Recompute a draft from the current ledger and prices."""
    _require(invoice, InvoiceStatus.DRAFT, _("Only a draft can be refreshed."))
    _rewrite(invoice, now, _billing(settings))
    audit.record(
        "invoice.refresh", "invoice", invoice.id, actor=actor, summary=f"draft #{invoice.id}: {_total(invoice)}"
    )
    return invoice


class PeriodNotOver(DomainError):
    """The period is not over yet in every time zone of the organizations the invoice carries."""

    def __init__(self, period: Period, ready: ReadyAt) -> None:
        super().__init__(
            _(
                "The period ends on %(end)s and is not over yet in %(zone)s: it can be issued from %(when)s. "
                "Create a draft now and issue it after the period.",
                end=period.end.isoformat(),
                zone=ready.timezone,
                when=ready.label,
            )
        )
        self.ready = ready


@dataclass(frozen=True)
class ReadyAt:
    """When a period can be invoiced: the instant it is over in the last of the scope's zones."""

    at: datetime
    timezone: str
    organization: str

    @property
    def label(self) -> str:
        """``2026-05-01 10:00 UTC (the end of the period in Pacific/Honolulu, Aloha Cams)``."""
        return (
            f"{self.at.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC "
            f"(the end of the period in {self.timezone}, {self.organization})"
        )


def ready_at(org: Organization, period: Period) -> ReadyAt:
    """When ``period`` is over for every organization whose usage ``org``'s invoice carries.

    A consolidated invoice carries subsidiaries rated in their own time zones: it waits
    for the last of them (parent in Madrid, subsidiary in Honolulu: Honolulu's midnight).
    """
    return ready_in(billing_scope(org), period)


def ready_in(scope: Scope, period: Period) -> ReadyAt:
    """:func:`ready_at` for a scope already loaded (the billing run loads many at once)."""
    ends = [(period.bounds(o.timezone)[1], o.timezone, scope.titles[o.id]) for o in scope.orgs]
    at, zone, title = max(ends, key=lambda end: end[0])
    return ReadyAt(at=at, timezone=zone, organization=title)


def _check_period_over(org: Organization, period: Period, now: datetime) -> None:
    ready = ready_at(org, period)
    if ready.at > now:
        raise PeriodNotOver(period, ready)


def issue_invoice(
    invoice: Invoice, now: datetime, actor: User | None = None, settings: BillingSettings | None = None
) -> Invoice:
    """Freeze a draft: rate it once from the current ledger, number it, set issue and due dates."""
    settings = _billing(settings)
    _require(invoice, InvoiceStatus.DRAFT, _("Only a draft can be issued."))
    org = invoice.organization
    check_payer(org)
    _check_period_over(org, period_of(invoice), now)
    _rewrite(invoice, now, settings)
    return _issue(invoice, org, now, actor, settings)


def _issue(
    invoice: Invoice, org: Organization, now: datetime, actor: User | None, settings: BillingSettings
) -> Invoice:
    """Freeze the seller and buyer, number a rated draft and mark it issued (one audit row).

    Raises :class:`~portal.invoices.documents.SellerDetailsMissing` before numbering while
    the operator's required details are missing.  The billing run's bulk path sets the same
    columns (:func:`portal.invoices.rows.issue_columns`) and does the same after.
    """
    seller, buyer = documents.seller_snapshot(), documents.buyer_snapshot(org)
    columns = issue_columns(org.title, org.billing_contact, org.timezone, now, settings.due_days, seller, buyer)
    invoice.number = next_number(columns["issue_date"].year)
    for column, value in columns.items():
        setattr(invoice, column, value)
    db.session.flush()
    audit.record("invoice.issue", "invoice", invoice.id, actor=actor, summary=f"{invoice.number}: {_total(invoice)}")
    apply_credit(invoice, now, actor)  # the payer's credit in this currency settles what it can
    queue_invoice(invoice)  # the PDF is rendered and sent by the mail outbox, after commit
    request_pdf(invoice)  # rendered in the background after commit: ready before anyone asks
    return invoice


def mark_paid(
    invoice: Invoice, paid_on: date | None, reference: str, actor: User | None = None, now: datetime | None = None
) -> Invoice:
    """ "Mark paid": record a payment of what is open on an issued invoice (date and reference required).

    The payment is booked on the invoice's paying organization and allocated to this
    invoice, which becomes paid (see :func:`portal.payments.service.record_payment`).
    """
    _require(invoice, InvoiceStatus.ISSUED, _("Only an issued invoice can be marked paid."))
    if paid_on is None:
        raise DomainError(_("Enter the payment date."), field="paid_on")
    if not reference.strip():
        raise DomainError(_("Enter the payment reference."), field="reference")
    open_minor = ledger.open_amounts(db.session, [invoice.id])[invoice.id]
    try:
        record_payment(
            invoice.organization,
            open_minor,
            paid_on,
            now or utcnow(),
            currency=invoice.currency,
            reference=reference,
            invoice_ids=[invoice.id],
            actor=actor,
        )
    except DomainError as exc:
        if exc.field == "received_on":
            exc.field = "paid_on"
        raise
    request_pdf(invoice)  # paid: the document's version changed
    return invoice


def void_invoice(invoice: Invoice, reason: str, now: datetime, actor: User | None = None) -> Invoice:
    """Void an issued (or paid) invoice; it keeps its number.  A reason is required."""
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PAID):
        raise DomainError(_("Only an issued or paid invoice can be voided; delete a draft instead."))
    if not reason.strip():
        raise DomainError(_("Enter the reason for voiding."), field="reason")
    release_for_void(invoice, now)
    invoice.status, invoice.void_reason, invoice.voided_at = InvoiceStatus.VOID.value, reason.strip(), now
    for row in invoice.coverage:  # its instants may be invoiced again
        row.voided = True
    db.session.flush()
    audit.record(
        "invoice.void",
        "invoice",
        invoice.id,
        actor=actor,
        summary=f"{invoice.number}: {_total(invoice)} void: {reason.strip()}",
    )
    ledger.notify_settlement(
        ledger.Settlement(organization_id=invoice.organization_id, kind="void", invoice_id=invoice.id)
    )
    request_pdf(invoice)
    return invoice


def delete_draft(invoice: Invoice, actor: User | None = None) -> None:
    """Delete a draft (issued invoices are never deleted)."""
    _require(invoice, InvoiceStatus.DRAFT, _("Only a draft can be deleted; void an issued invoice instead."))
    audit.record(
        "invoice.delete",
        "invoice",
        invoice.id,
        actor=actor,
        summary=f"draft #{invoice.id} of {invoice.organization.title} deleted",
    )
    db.session.delete(invoice)
    db.session.flush()


def _total(invoice: Invoice) -> str:
    """The invoice's total as money for the audit trail (``€7.50``), in its frozen minor unit."""
    return money(invoice.total_minor, invoice.currency, invoice.minor_units)


def _require(invoice: Invoice, status: InvoiceStatus, message: str) -> None:
    if invoice.status != status:
        raise DomainError(message)
