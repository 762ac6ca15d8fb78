"""Watcher mirroring state, the transactional outbox and sync run records."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class SyncState(StrEnum):
    """How an object stands in Watcher (stored as these strings)."""

    PENDING = "pending"
    SYNCED = "synced"
    ERROR = "error"


SYNC_PENDING, SYNC_SYNCED, SYNC_ERROR = SyncState.PENDING, SyncState.SYNCED, SyncState.ERROR  # older names


class WatcherSyncMixin:
    """Columns that tell how an object stands in Watcher."""

    watcher_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sync_state: Mapped[str] = mapped_column(String(10), default=SyncState.PENDING.value)
    sync_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OutboxState(StrEnum):
    """Where an outbox row stands (stored as these strings)."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


OUTBOX_PENDING, OUTBOX_DONE, OUTBOX_FAILED = OutboxState.PENDING, OutboxState.DONE, OutboxState.FAILED  # older names


class OutboxItem(Base):
    """One change to deliver to Watcher, committed with the change itself."""

    __tablename__ = "watcher_outbox"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'done', 'failed')", name="state_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_watcher_outbox_state_next", "state", "next_attempt_at"),
        Index("ix_watcher_outbox_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    state: Mapped[str] = mapped_column(String(10), default=OutboxState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncRun(Base):
    """A record of one pull (Watcher -> portal) or push (outbox dispatch) run."""

    __tablename__ = "sync_runs"
    __table_args__ = (CheckConstraint("direction IN ('pull', 'push', 'reconcile')", name="direction_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None] = mapped_column(nullable=True)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class JobLock(Base):
    """A named lock row; holding it means one sync or billing run at a time."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    acquired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
