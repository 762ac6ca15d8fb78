"""What a payer owes and what already covers it: the ONE dependency of dunning on payments.

Both come from the payments ledger (:mod:`portal.payments.ledger`): an invoice is overdue when it
is issued, its due date has passed and something is still open on it (its total minus what
payments and credit notes settle); credit is the payer's unallocated money per currency.
Nothing else in the dunning package reads invoices or payments.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Invoice, InvoiceStatus
from portal.payments import ledger


def overdue(session: Session, payer_id: int, as_of: date) -> list[tuple[Invoice, int]]:
    """The payer's invoices past due on local date ``as_of``, oldest due first, with what is open on each."""
    rows = ledger.overdue_invoices(session, payer_id, as_of)
    invoices = {i.id: i for i in session.scalars(select(Invoice).where(Invoice.id.in_([r.invoice_id for r in rows])))}
    return [(invoices[row.invoice_id], row.open_minor) for row in rows if row.open_minor > 0]


def credit(session: Session, payer_id: int) -> dict[str, int]:
    """The payer's credit not yet allocated, per currency."""
    return ledger.credit_available(session, payer_id)


def overdue_by_payer(session: Session, latest: date) -> dict[int, list[tuple[date, str, int]]]:
    """Set-based :func:`overdue` for the dashboard: ``(due_date, currency, open)`` per payer, due before ``latest``.

    Callers keep, per payer, the rows due before the payer's own local today.
    """
    rows = session.execute(
        select(Invoice.id, Invoice.organization_id, Invoice.due_date, Invoice.currency).where(
            Invoice.status == InvoiceStatus.ISSUED.value,
            Invoice.due_date.is_not(None),
            Invoice.due_date < latest,
            Invoice.total_minor > 0,
        )
    ).all()
    opened = ledger.open_amounts(session, [row.id for row in rows])
    found: dict[int, list[tuple[date, str, int]]] = {}
    for invoice_id, payer_id, due_date, currency in rows:
        if opened.get(invoice_id, 0) > 0:
            found.setdefault(payer_id, []).append((due_date, currency, opened[invoice_id]))
    return found


def credits(session: Session, payer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Set-based :func:`credit`: each payer's unallocated credit per currency."""
    return ledger.credits_by_payer(session, payer_ids)
