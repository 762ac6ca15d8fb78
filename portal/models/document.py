"""Rendered documents (invoice PDFs now; credit notes, statements, mail attachments later),
kept in the database so every portal host serves the same bytes.

One row per (kind, owner, version): ``version`` is a hash of everything the document shows
(e.g. :func:`portal.documents.invoice.pdf_version`), so a void, a payment or a language change
asks for a new row and the old one is simply no longer read.  A row is ``pending`` until a
worker (or the request's after-commit thread) renders it, then ``ready`` with its bytes, or
``failed`` with the error (a retry sets it back to ``pending``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class DocumentState(StrEnum):
    """Where a document's rendering stands."""

    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class Document(Base):
    """One rendered version of one document."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("kind", "owner_id", "version", name="uq_documents_kind_owner_version"),
        CheckConstraint("state IN ('pending', 'ready', 'failed')", name="state_known"),
        CheckConstraint("state <> 'ready' OR body IS NOT NULL", name="ready_has_body"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(10), default="en")
    state: Mapped[str] = mapped_column(String(10), default=DocumentState.PENDING.value)
    media_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    body: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  #: loaded only when served
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: While a renderer holds it: others leave the row alone until then (a crashed one's lease runs out).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
