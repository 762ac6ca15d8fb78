"""Recording money: payments, their allocation, refunds, reversals, credit applied on issue.

Services add and flush; the request or job commits.  Payments belong to the PAYING
organization (:func:`portal.billing_read.payer_of`): a payment entered for a subsidiary
billed to its parent is booked on the parent.  Allocations are planned by the engine
(:func:`portal.billing.settlement.allocation_plan`) and the database refuses any that
would exceed what is open or what is left (see :mod:`portal.models.ledger_rules`).
Every change ends with :func:`portal.payments.ledger.notify_settlement`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone

from flask_babel import gettext as _
from sqlalchemy import select

from portal.audit import service as audit
from portal.billing.periods import local_date
from portal.billing.settlement import allocation_plan
from portal.billing_read import payer_of
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Allocation, Invoice, InvoiceStatus, Organization, Payment, Refund, User
from portal.payments import ledger
from portal.templating import money

METHODS = ("bank_transfer", "card", "cash", "direct_debit", "other")


def latest_allowed_date(org: Organization, now: datetime) -> date:
    """The latest date a payment may carry: today in the organization's zone or in UTC, whichever is later.

    A bank in UTC may book on "tomorrow" for a customer west of it and vice versa; a date
    after both is in the future wherever one looks.
    """
    return max(local_date(now, org.timezone), now.astimezone(timezone.utc).date())


def check_not_future(org: Organization, on: date, now: datetime, field: str) -> None:
    """Refuse a date in the future (see :func:`latest_allowed_date`)."""
    latest = latest_allowed_date(org, now)
    if on > latest:
        raise DomainError(
            _(
                "The date %(date)s is in the future: the latest allowed is %(latest)s (today in %(zone)s or in UTC).",
                date=on.isoformat(),
                latest=latest.isoformat(),
                zone=org.timezone,
            ),
            field=field,
        )


def settle_status(invoice: Invoice, on: date, reference: str) -> None:
    """Mark ``invoice`` paid when nothing is open any more, issued again when something is."""
    open_minor = ledger.open_amounts(db.session, [invoice.id])[invoice.id]
    if invoice.status == InvoiceStatus.ISSUED and open_minor == 0:
        invoice.status, invoice.paid_on, invoice.payment_reference = InvoiceStatus.PAID.value, on, reference[:200]
    elif invoice.status == InvoiceStatus.PAID and open_minor > 0:
        invoice.status, invoice.paid_on, invoice.payment_reference = InvoiceStatus.ISSUED.value, None, None
    db.session.flush()


def _chosen_invoices(payer: Organization, currency: str, invoice_ids: Sequence[int]) -> list[tuple[Invoice, int]]:
    """The chosen invoices in the order given, each checked to be the payer's, open and in ``currency``."""
    found = {i.id: i for i in db.session.scalars(select(Invoice).where(Invoice.id.in_(list(invoice_ids))))}
    opened = ledger.open_amounts(db.session, list(found))
    chosen = []
    for invoice_id in invoice_ids:
        invoice = found.get(invoice_id)
        if invoice is None or invoice.organization_id != payer.id:
            raise DomainError(
                _("Invoice #%(id)s is not an invoice of “%(title)s”.", id=invoice_id, title=payer.title),
                field="invoices",
            )
        if invoice.currency != currency:
            raise DomainError(
                _(
                    "%(number)s is in %(invoice)s, the payment in %(payment)s.",
                    number=invoice.number,
                    invoice=invoice.currency,
                    payment=currency,
                ),
                field="invoices",
            )
        if opened[invoice_id] <= 0:
            raise DomainError(_("Nothing is open on %(number)s.", number=invoice.number), field="invoices")
        chosen.append((invoice, opened[invoice_id]))
    return chosen


def _allocate(payment: Payment, targets: list[tuple[Invoice, int]]) -> list[Invoice]:
    plan, _left = allocation_plan(payment.amount_minor, [(invoice.id, open_minor) for invoice, open_minor in targets])
    by_id = {invoice.id: invoice for invoice, _open in targets}
    for invoice_id, amount in plan:
        db.session.add(
            Allocation(invoice_id=invoice_id, payment_id=payment.id, currency=payment.currency, amount_minor=amount)
        )
    db.session.flush()
    touched = [by_id[invoice_id] for invoice_id, _amount in plan]
    for invoice in touched:
        settle_status(invoice, payment.received_on, payment.reference or f"payment #{payment.id}")
    return touched


def record_payment(
    org: Organization,
    amount_minor: int,
    received_on: date,
    now: datetime,
    *,
    currency: str | None = None,
    method: str = "bank_transfer",
    reference: str = "",
    note: str = "",
    invoice_ids: Sequence[int] | None = None,
    actor: User | None = None,
) -> Payment:
    """Record money received from ``org``'s payer and allocate it.

    With ``invoice_ids`` the payment settles those invoices in that order; without, the
    payer's open invoices oldest first.  What is left is credit (a prepayment or an
    overpayment) that the next invoices consume.  Refuses a date in the future, a
    non-positive amount, an unknown method and invoices that are not the payer's.
    """
    payer = payer_of(org)
    currency = currency or payer.currency
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise DomainError(_("Enter an amount above zero."), field="amount")
    if method not in METHODS:
        raise DomainError(_("Choose a payment method."), field="method")
    check_not_future(payer, received_on, now, "received_on")
    targets = (
        _chosen_invoices(payer, currency, invoice_ids)
        if invoice_ids
        else ledger.open_invoices(db.session, payer.id, currency)
    )
    payment = Payment(
        organization_id=payer.id,
        currency=currency,
        amount_minor=amount_minor,
        received_on=received_on,
        method=method,
        reference=reference.strip()[:200],
        note=note.strip(),
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(payment)
    db.session.flush()
    touched = _allocate(payment, targets)
    settled = ", ".join(i.number or "" for i in touched) or "nothing (credit)"
    audit.record(
        "payment.record",
        "payment",
        payment.id,
        actor=actor,
        summary=f"{payer.title}: {money(amount_minor, currency)} on {received_on.isoformat()} "
        f"({method}, {payment.reference or 'no reference'}) settles {settled}",
    )
    ledger.notify_settlement(ledger.Settlement(organization_id=payer.id, kind="payment", payment_id=payment.id))
    return payment


def reverse_payment(payment: Payment, reason: str, now: datetime, actor: User | None = None) -> list[Invoice]:
    """Reverse a payment (bounced, booked twice): release its allocations and reopen what it settled.

    A reason is required; a refunded payment cannot be reversed (reverse the refund's
    money first by recording it).  Returns the invoices reopened.
    """
    if payment.reversed_at is not None:
        raise DomainError(_("This payment is already reversed."))
    if not reason.strip():
        raise DomainError(_("Enter the reason for the reversal."), field="reason")
    if payment.refunds:
        raise DomainError(_("Part of this payment was refunded: it cannot be reversed."))
    invoices = []
    for allocation in payment.allocations:
        if allocation.released_at is None:
            allocation.released_at = now
            invoices.append(allocation.invoice)
    payment.reversed_at, payment.reversal_reason = now, reason.strip()
    db.session.flush()
    for invoice in invoices:
        settle_status(invoice, payment.received_on, "")
    audit.record(
        "payment.reverse",
        "payment",
        payment.id,
        actor=actor,
        summary=f"{money(payment.amount_minor, payment.currency)} of {payment.received_on.isoformat()} "
        f"reversed: {reason.strip()}; reopened {', '.join(i.number or '' for i in invoices) or 'nothing'}",
    )
    ledger.notify_settlement(
        ledger.Settlement(organization_id=payment.organization_id, kind="reversal", payment_id=payment.id)
    )
    return invoices


def refund_payment(
    payment: Payment,
    amount_minor: int,
    refunded_on: date,
    now: datetime,
    *,
    method: str = "bank_transfer",
    reference: str = "",
    reason: str = "",
    actor: User | None = None,
) -> Refund:
    """Give back part of a payment that no invoice uses (an overpayment)."""
    if payment.reversed_at is not None:
        raise DomainError(_("A reversed payment cannot be refunded."))
    left = ledger.payment_left(db.session, [payment.id])[payment.id]
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise DomainError(_("Enter an amount above zero."), field="amount")
    if amount_minor > left:
        raise DomainError(
            _("Only %(left)s of this payment is unallocated and can be refunded.", left=money(left, payment.currency)),
            field="amount",
        )
    if method not in METHODS:
        raise DomainError(_("Choose a payment method."), field="method")
    check_not_future(payment.organization, refunded_on, now, "refunded_on")
    refund = Refund(
        payment_id=payment.id,
        organization_id=payment.organization_id,
        currency=payment.currency,
        amount_minor=amount_minor,
        refunded_on=refunded_on,
        method=method,
        reference=reference.strip()[:200],
        reason=reason.strip(),
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(refund)
    db.session.flush()
    audit.record(
        "payment.refund",
        "refund",
        refund.id,
        actor=actor,
        summary=f"{money(amount_minor, payment.currency)} refunded from payment #{payment.id} "
        f"on {refunded_on.isoformat()}: {reason.strip() or 'no reason given'}",
    )
    ledger.notify_settlement(
        ledger.Settlement(
            organization_id=payment.organization_id, kind="refund", payment_id=payment.id, refund_id=refund.id
        )
    )
    return refund


def apply_credit(invoice: Invoice, now: datetime, actor: User | None = None) -> int:
    """Consume the payer's credit in the invoice's currency (oldest first); returns minor units applied.

    Called when an invoice is issued; each use is an :class:`Allocation`.
    """
    open_minor = ledger.open_amounts(db.session, [invoice.id])[invoice.id]
    applied = 0
    for source in ledger.credit_sources(db.session, invoice.organization_id, invoice.currency):
        take = min(source.left_minor, open_minor - applied)
        if take <= 0:
            break
        db.session.add(
            Allocation(
                invoice_id=invoice.id,
                payment_id=source.payment_id,
                credit_note_id=source.credit_note_id,
                currency=invoice.currency,
                amount_minor=take,
            )
        )
        applied += take
    if not applied:
        return 0
    db.session.flush()
    settle_status(invoice, local_date(now, invoice.timezone or "UTC"), "credit balance")
    audit.record(
        "invoice.credit_applied",
        "invoice",
        invoice.id,
        actor=actor,
        summary=f"{invoice.number}: {money(applied, invoice.currency, invoice.minor_units)} of credit applied",
    )
    ledger.notify_settlement(
        ledger.Settlement(organization_id=invoice.organization_id, kind="credit_applied", invoice_id=invoice.id)
    )
    return applied


def release_for_void(invoice: Invoice, now: datetime) -> int:
    """Before voiding: release what payments settled on ``invoice`` (it becomes credit); returns minor units.

    Refuses an invoice with credit notes: credit the rest of it instead of voiding.
    """
    from portal.models import CreditNote

    if db.session.scalar(select(CreditNote.id).where(CreditNote.invoice_id == invoice.id).limit(1)) is not None:
        raise DomainError(
            _(
                "%(number)s has credit notes: it cannot be voided. Issue a credit note for the rest instead.",
                number=invoice.number,
            )
        )
    released = 0
    for allocation in db.session.scalars(
        select(Allocation).where(Allocation.invoice_id == invoice.id, Allocation.released_at.is_(None))
    ):
        allocation.released_at = now
        released += allocation.amount_minor
    db.session.flush()
    return released
