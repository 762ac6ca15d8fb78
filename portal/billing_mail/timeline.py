"""An organization's timeline: every message the portal queued about it, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.collections.receivables import DbSession
from portal.models import MailItem

#: What the kinds of billing mail are called on the timeline.
KIND_LABELS = {
    "invoice": "Invoice",
    "invoice_reminder": "Reminder",
    "payment_receipt": "Receipt",
    "dunning_warning": "Payment warning",
    "dunning_suspended": "Suspension notice",
    "dunning_restored": "Restoration notice",
}


@dataclass(frozen=True)
class TimelineEntry:
    """One message: when it was queued and sent, to whom, what, and how its delivery stands."""

    at: datetime
    sent_at: datetime | None
    kind: str
    recipient: str
    subject: str
    state: str
    attempts: int
    last_error: str | None


def organization_timeline(session: DbSession, organization_id: int, limit: int = 50) -> list[TimelineEntry]:
    """The newest ``limit`` messages about the organization (one query)."""
    rows = session.scalars(
        select(MailItem)
        .where(MailItem.organization_id == organization_id)
        .order_by(MailItem.created_at.desc(), MailItem.id.desc())
        .limit(limit)
    )
    return [
        TimelineEntry(
            at=row.created_at,
            sent_at=row.sent_at,
            kind=row.kind,
            recipient=row.recipient,
            subject=row.subject,
            state=row.state,
            attempts=row.attempts,
            last_error=row.last_error,
        )
        for row in rows
    ]
