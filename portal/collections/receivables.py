"""Open amounts per invoice: the ONE place collections, reminders and the dashboard read them.

They come from the payments ledger (:func:`portal.payments.ledger.open_amounts`): an invoice's
total minus what payments and credit notes settle on it; drafts and void invoices owe nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session, scoped_session

from portal.payments import ledger

#: A session or Flask-SQLAlchemy's scoped ``db.session``.
DbSession = Session | scoped_session[Any]


def open_by_invoice(session: DbSession, invoice_ids: Iterable[int]) -> dict[int, int]:
    """Minor units still open on each of ``invoice_ids`` (0 when settled, void or draft)."""
    return ledger.open_amounts(session, invoice_ids)
