"""What a payer owes and what already covers it: the ONE dependency of dunning on payments.

Today the portal knows only invoice states, so an invoice is overdue when it is issued (not
paid, not void) and its due date has passed; what is open on it is its whole total, and there is
no credit balance.  The payments ledger (issue 14, items 1-2) replaces both bodies:
``overdue`` with ``portal.payments.ledger.overdue_invoices`` / ``open_amounts`` and ``credit``
with the payer's unallocated credit per currency.  Nothing else in the dunning package reads
invoices or payments.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Invoice, InvoiceStatus


def overdue(session: Session, payer_id: int, as_of: date) -> list[tuple[Invoice, int]]:
    """The payer's invoices past due on local date ``as_of``, oldest due first, with what is open on each."""
    invoices = session.scalars(
        select(Invoice)
        .where(
            Invoice.organization_id == payer_id,
            Invoice.status == InvoiceStatus.ISSUED.value,
            Invoice.due_date.is_not(None),
            Invoice.due_date < as_of,
        )
        .order_by(Invoice.due_date, Invoice.id)
    )
    return [(invoice, int(invoice.total_minor)) for invoice in invoices if invoice.total_minor > 0]


def credit(session: Session, payer_id: int) -> dict[str, int]:
    """The payer's credit not yet allocated, per currency (none until payments exist)."""
    return {}


def overdue_by_payer(session: Session, latest: date) -> dict[int, list[tuple[date, str, int]]]:
    """Set-based :func:`overdue` for the dashboard: ``(due_date, currency, open)`` per payer, due before ``latest``.

    Callers keep, per payer, the rows due before the payer's own local today.
    """
    rows = session.execute(
        select(Invoice.organization_id, Invoice.due_date, Invoice.currency, Invoice.total_minor).where(
            Invoice.status == InvoiceStatus.ISSUED.value,
            Invoice.due_date.is_not(None),
            Invoice.due_date < latest,
            Invoice.total_minor > 0,
        )
    )
    found: dict[int, list[tuple[date, str, int]]] = {}
    for payer_id, due_date, currency, amount in rows:
        found.setdefault(payer_id, []).append((due_date, currency, int(amount)))
    return found


def credits(session: Session, payer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Set-based :func:`credit`: each payer's unallocated credit per currency."""
    return {payer_id: credit(session, payer_id) for payer_id in payer_ids}
