"""The receivables read model: what is open, what is owed, what is overdue; and the settlement hook.

The interfaces other features build on (dunning, receipts, the collections dashboard):

* :func:`open_amounts` — open minor units per invoice (total minus what payments and credit
  notes settle; 0 for drafts and void invoices);
* :func:`balance` — per currency, what the paying organization owes: **positive = the customer
  owes, negative = the customer has credit**;
* :func:`credit_available` — per currency, unallocated money (payments minus refunds and
  allocations, credit notes minus allocations), the credit the next invoices consume;
* :func:`overdue_invoices` — a payer's issued invoices due before ``as_of`` with something open;
* :func:`on_settlement` / :func:`notify_settlement` — listeners called, inside the unit of work,
  after a payment, reversal, refund, credit note, credit applied on issue or a void changed a
  payer's balances.  Listeners add and flush (an outbox row, a mail), never commit.

Every function takes the session explicitly and runs a fixed number of set-based statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, scoped_session

from portal.models import Allocation, CreditNote, Invoice, InvoiceStatus, Payment, Refund

#: A session: a plain one or Flask-SQLAlchemy's scoped ``db.session``.
DbSession = Session | scoped_session[Any]

#: Invoices that are owed (issued, or paid and settled); drafts and void ones are not.
OWED = (InvoiceStatus.ISSUED.value, InvoiceStatus.PAID.value)


def allocated(session: DbSession, invoice_ids: Iterable[int]) -> dict[int, int]:
    """Minor units settled on each invoice by allocations that count."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Allocation.invoice_id, func.sum(Allocation.amount_minor))
        .where(Allocation.invoice_id.in_(ids), Allocation.released_at.is_(None))
        .group_by(Allocation.invoice_id)
    )
    return {invoice_id: int(total) for invoice_id, total in rows}


def open_amounts(session: DbSession, invoice_ids: Iterable[int]) -> dict[int, int]:
    """Open minor units per invoice id: total minus allocations; 0 for drafts and void invoices."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    settled = allocated(session, ids)
    rows = session.execute(select(Invoice.id, Invoice.status, Invoice.total_minor).where(Invoice.id.in_(ids)))
    return {
        invoice_id: (total - settled.get(invoice_id, 0)) if status in OWED else 0 for invoice_id, status, total in rows
    }


def _sum_by_currency(session: DbSession, column: object, currency: object, *where: object) -> dict[str, int]:
    rows = session.execute(select(currency, func.sum(column)).where(*where).group_by(currency))  # type: ignore[call-overload]
    return {code: int(total or 0) for code, total in rows}


@dataclass(frozen=True)
class Totals:
    """A payer's ledger totals in one currency (minor units)."""

    invoiced: int = 0
    credited: int = 0
    paid: int = 0
    refunded: int = 0

    @property
    def balance(self) -> int:
        """What the customer owes (negative: credit)."""
        return self.invoiced - self.credited - self.paid + self.refunded


def totals(session: DbSession, org_id: int) -> dict[str, Totals]:
    """Invoiced (non-void), credited, paid (not reversed) and refunded, per currency."""
    invoiced = _sum_by_currency(
        session, Invoice.total_minor, Invoice.currency, Invoice.organization_id == org_id, Invoice.status.in_(OWED)
    )
    credited = _sum_by_currency(
        session, CreditNote.total_minor, CreditNote.currency, CreditNote.organization_id == org_id
    )
    paid = _sum_by_currency(
        session,
        Payment.amount_minor,
        Payment.currency,
        Payment.organization_id == org_id,
        Payment.reversed_at.is_(None),
    )
    refunded = _sum_by_currency(session, Refund.amount_minor, Refund.currency, Refund.organization_id == org_id)
    codes = sorted(set(invoiced) | set(credited) | set(paid) | set(refunded))
    return {
        code: Totals(
            invoiced=invoiced.get(code, 0),
            credited=credited.get(code, 0),
            paid=paid.get(code, 0),
            refunded=refunded.get(code, 0),
        )
        for code in codes
    }


def balance(session: DbSession, org_id: int) -> dict[str, int]:
    """Per currency, what the paying organization ``org_id`` owes: positive = owes, negative = credit.

    Invoices (issued or paid, not void) minus credit notes minus payments (not reversed) plus
    refunds.  Equals the open amounts of its invoices minus :func:`credit_available`.
    """
    return {code: t.balance for code, t in totals(session, org_id).items()}


def payment_left(session: DbSession, payment_ids: Iterable[int]) -> dict[int, int]:
    """Unallocated minor units per payment (amount minus refunds and allocations; 0 if reversed)."""
    ids = list(payment_ids)
    if not ids:
        return {}
    used: dict[int | None, int] = {
        pid: int(total)
        for pid, total in session.execute(
            select(Allocation.payment_id, func.sum(Allocation.amount_minor))
            .where(Allocation.payment_id.in_(ids), Allocation.released_at.is_(None))
            .group_by(Allocation.payment_id)
        )
    }
    refunded: dict[int, int] = {
        pid: int(total)
        for pid, total in session.execute(
            select(Refund.payment_id, func.sum(Refund.amount_minor))
            .where(Refund.payment_id.in_(ids))
            .group_by(Refund.payment_id)
        )
    }
    rows = session.execute(select(Payment.id, Payment.amount_minor, Payment.reversed_at).where(Payment.id.in_(ids)))
    return {
        pid: 0 if reversed_at else amount - int(used.get(pid) or 0) - int(refunded.get(pid) or 0)
        for pid, amount, reversed_at in rows
    }


def credit_note_left(session: DbSession, credit_note_ids: Iterable[int]) -> dict[int, int]:
    """Unallocated minor units per credit note."""
    ids = list(credit_note_ids)
    if not ids:
        return {}
    used: dict[int | None, int] = {
        cid: int(total)
        for cid, total in session.execute(
            select(Allocation.credit_note_id, func.sum(Allocation.amount_minor))
            .where(Allocation.credit_note_id.in_(ids), Allocation.released_at.is_(None))
            .group_by(Allocation.credit_note_id)
        )
    }
    rows = session.execute(select(CreditNote.id, CreditNote.total_minor).where(CreditNote.id.in_(ids)))
    return {cid: total - int(used.get(cid) or 0) for cid, total in rows}


@dataclass(frozen=True)
class CreditSource:
    """Unallocated money of a payer: a payment or a credit note, oldest first."""

    payment_id: int | None
    credit_note_id: int | None
    currency: str
    left_minor: int


def credit_sources(session: DbSession, org_id: int, currency: str | None = None) -> list[CreditSource]:
    """The payer's payments and credit notes with money left, oldest first (credit notes first on a day)."""
    pay_q = select(Payment.id, Payment.currency, Payment.received_on).where(
        Payment.organization_id == org_id, Payment.reversed_at.is_(None)
    )
    cn_q = select(CreditNote.id, CreditNote.currency, CreditNote.issue_date).where(CreditNote.organization_id == org_id)
    if currency is not None:
        pay_q, cn_q = pay_q.where(Payment.currency == currency), cn_q.where(CreditNote.currency == currency)
    payments, notes = session.execute(pay_q).all(), session.execute(cn_q).all()
    p_left = payment_left(session, [p.id for p in payments])
    c_left = credit_note_left(session, [c.id for c in notes])
    found = [(c.issue_date, 0, c.id, CreditSource(None, c.id, c.currency, c_left[c.id])) for c in notes] + [
        (p.received_on, 1, p.id, CreditSource(p.id, None, p.currency, p_left[p.id])) for p in payments
    ]
    return [source for *_key, source in sorted(found, key=lambda f: f[:3]) if source.left_minor > 0]


def credit_available(session: DbSession, org_id: int) -> dict[str, int]:
    """Per currency, the payer's unallocated credit (what the next invoices consume)."""
    out: dict[str, int] = {}
    for source in credit_sources(session, org_id):
        out[source.currency] = out.get(source.currency, 0) + source.left_minor
    return out


def credits_by_payer(session: DbSession, payer_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Set-based :func:`credit_available` for many payers: five grouped statements whatever their number."""
    ids = list(payer_ids)
    out: dict[int, dict[str, int]] = {payer_id: {} for payer_id in ids}
    if not ids:
        return out
    live = (Payment.organization_id.in_(ids), Payment.reversed_at.is_(None))
    counted = (Allocation.released_at.is_(None),)
    parts = (
        (1, select(Payment.organization_id, Payment.currency, func.sum(Payment.amount_minor)).where(*live)),
        (
            -1,
            select(Payment.organization_id, Payment.currency, func.sum(Refund.amount_minor))
            .join(Payment, Payment.id == Refund.payment_id)
            .where(*live),
        ),
        (
            -1,
            select(Payment.organization_id, Payment.currency, func.sum(Allocation.amount_minor))
            .join(Payment, Payment.id == Allocation.payment_id)
            .where(*live, *counted),
        ),
        (
            1,
            select(CreditNote.organization_id, CreditNote.currency, func.sum(CreditNote.total_minor)).where(
                CreditNote.organization_id.in_(ids)
            ),
        ),
        (
            -1,
            select(CreditNote.organization_id, CreditNote.currency, func.sum(Allocation.amount_minor))
            .join(CreditNote, CreditNote.id == Allocation.credit_note_id)
            .where(CreditNote.organization_id.in_(ids), *counted),
        ),
    )
    for sign, query in parts:
        for payer_id, currency, total in session.execute(query.group_by(*query.selected_columns[:2])):
            out[payer_id][currency] = out[payer_id].get(currency, 0) + sign * int(total or 0)
    return {payer_id: {c: v for c, v in by.items() if v > 0} for payer_id, by in out.items()}


def open_invoices(session: DbSession, payer_id: int, currency: str | None = None) -> list[tuple[Invoice, int]]:
    """The payer's issued invoices with something open, oldest first (due date, issue date, id)."""
    query = select(Invoice).where(Invoice.organization_id == payer_id, Invoice.status == InvoiceStatus.ISSUED.value)
    if currency is not None:
        query = query.where(Invoice.currency == currency)
    invoices = list(session.scalars(query.order_by(Invoice.due_date, Invoice.issue_date, Invoice.id)))
    opened = open_amounts(session, [i.id for i in invoices])
    return [(invoice, opened[invoice.id]) for invoice in invoices if opened[invoice.id] > 0]


@dataclass(frozen=True)
class OverdueInvoice:
    """An issued invoice past its due date with something open."""

    invoice_id: int
    number: str
    currency: str
    due_date: date
    open_minor: int
    days_overdue: int


def overdue_invoices(session: DbSession, payer_id: int, as_of: date) -> list[OverdueInvoice]:
    """The payer's invoices due before ``as_of`` (a local date of the payer) with something open, oldest first."""
    return [
        OverdueInvoice(
            invoice_id=invoice.id,
            number=invoice.number or "",
            currency=invoice.currency,
            due_date=invoice.due_date,
            open_minor=open_minor,
            days_overdue=(as_of - invoice.due_date).days,
        )
        for invoice, open_minor in open_invoices(session, payer_id)
        if invoice.due_date is not None and invoice.due_date < as_of
    ]


def invoice_settlement(invoice: Invoice) -> dict[str, object]:
    """For an invoice's page: ``open_minor``, its counting ``allocations`` and its ``credit_notes``."""
    session = Session.object_session(invoice)
    assert session is not None
    return {
        "open_minor": open_amounts(session, [invoice.id]).get(invoice.id, 0),
        "allocations": list(
            session.scalars(
                select(Allocation)
                .where(Allocation.invoice_id == invoice.id, Allocation.released_at.is_(None))
                .order_by(Allocation.id)
            )
        ),
        "credit_notes": list(
            session.scalars(select(CreditNote).where(CreditNote.invoice_id == invoice.id).order_by(CreditNote.id))
        ),
    }


# --- the settlement hook ------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    """What changed a payer's balances: ``kind`` is one of :data:`SETTLEMENT_KINDS`."""

    organization_id: int
    kind: str
    payment_id: int | None = None
    credit_note_id: int | None = None
    refund_id: int | None = None
    invoice_id: int | None = None


SETTLEMENT_KINDS = ("payment", "reversal", "refund", "credit_note", "credit_applied", "void")

#: Called with each :class:`Settlement`, inside the unit of work, in registration order.
SETTLEMENT_LISTENERS: list[Callable[[Settlement], None]] = []


def on_settlement(listener: Callable[[Settlement], None]) -> Callable[[Settlement], None]:
    """Register ``listener`` (usable as a decorator); registering twice keeps one."""
    if listener not in SETTLEMENT_LISTENERS:
        SETTLEMENT_LISTENERS.append(listener)
    return listener


def notify_settlement(event: Settlement) -> None:
    """Tell every listener that ``event.organization_id``'s balances changed (services call this)."""
    for listener in list(SETTLEMENT_LISTENERS):
        listener(event)
