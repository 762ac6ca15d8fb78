"""Outgoing e-mail, queued in the unit of work and delivered after it (by a thread or the worker)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow

MAIL_PENDING = "pending"
MAIL_SENT = "sent"
MAIL_DROPPED = "dropped"  # nothing to send (e.g. a reset asked for an unknown address)
MAIL_FAILED = "failed"  # gave up after the last attempt
MAIL_STATES = (MAIL_PENDING, MAIL_SENT, MAIL_DROPPED, MAIL_FAILED)


class MailItem(Base):
    """One e-mail to send.

    ``kind`` names the composer that builds the message at delivery time
    (:mod:`portal.mailqueue`): ``message`` sends ``subject``/``body`` as stored;
    ``password_reset`` looks the address up and issues a fresh link only then,
    so no link token is ever stored.  ``payload`` carries what other composers
    need (an invoice id for an invoice e-mail with its PDF, say).
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'dropped', 'failed')", name="state_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_mail_outbox_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(10), default=MAIL_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The organization the message concerns (its timeline lists it); none for account mail.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    #: Unique when set: the same reminder (invoice, step) is never queued twice.
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
