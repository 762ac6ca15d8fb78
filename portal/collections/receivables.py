"""Open amounts per invoice: the ONE place collections, reminders and the dashboard read them.

Today an invoice is either wholly open (issued) or settled (paid); voided and
draft invoices owe nothing.  When payments are allocated in a ledger this
function is rewired to it (partial payments, credit notes) and every reader
follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from portal.models import Invoice, InvoiceStatus

#: A session or Flask-SQLAlchemy's scoped ``db.session``.
DbSession = Session | scoped_session[Any]


def open_by_invoice(session: DbSession, invoice_ids: Iterable[int]) -> dict[int, int]:
    """Minor units still open on each of ``invoice_ids`` (0 when settled, void or draft); one query."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = session.execute(select(Invoice.id, Invoice.status, Invoice.total_minor).where(Invoice.id.in_(ids)))
    return {invoice_id: int(total) if status == InvoiceStatus.ISSUED else 0 for invoice_id, status, total in rows}
