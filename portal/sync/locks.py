"""A named job lock in a table, so only one sync or billing run works at a time.

It works the same on SQLite and PostgreSQL: acquiring is one conditional UPDATE
whose row count says who won.  A lease that is older than ``stale_after`` is
taken over, so a crashed run does not block the next one forever.
"""
from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import JobLock, utcnow


class LockBusy(RuntimeError):
    """Another run holds the lock."""


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def try_acquire(name: str, stale_after: timedelta = timedelta(minutes=30)) -> str | None:
    """Take the lock ``name``; returns the holder token, or None when someone else holds it.

    Commits: a lock must be visible to other connections at once.
    """
    if db.session.get(JobLock, name) is None:
        try:
            db.session.add(JobLock(name=name))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
    now = utcnow()
    holder = f"{_holder()}:{now.timestamp()}"
    result = db.session.execute(
        update(JobLock).where(JobLock.name == name,
                              or_(JobLock.holder.is_(None), JobLock.acquired_at < now - stale_after))
        .values(holder=holder, acquired_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return holder if result.rowcount == 1 else None  # type: ignore[attr-defined]  # an UPDATE's CursorResult


def release(name: str, holder: str) -> None:
    """Give the lock back (only if we still hold it)."""
    db.session.rollback()
    db.session.execute(update(JobLock).where(JobLock.name == name, JobLock.holder == holder)
                       .values(holder=None, acquired_at=None).execution_options(synchronize_session=False))
    db.session.commit()


@contextmanager
def job_lock(name: str, stale_after: timedelta = timedelta(minutes=30)) -> Iterator[str]:
    """Hold the lock ``name`` for the block, or raise :class:`LockBusy`."""
    holder = try_acquire(name, stale_after)
    if holder is None:
        raise LockBusy(f"Another '{name}' run is in progress.")
    try:
        yield holder
    finally:
        release(name, holder)
