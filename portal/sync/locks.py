"""A named job lock, so only one sync or billing run works at a time (on any host).

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held by a
dedicated connection for as long as the job runs.  The database frees it the
moment that connection ends, so a killed process never blocks the next run.

SQLite (a single-host setup): a lease in the ``job_locks`` table; acquiring is
one conditional UPDATE whose row count says who won.  A lease that is older than
``stale_after`` is taken over, so a crashed run does not block the next one forever.

The lock lives on its OWN connection and transaction: taking or giving it back
never commits or rolls back the caller's session (the unit of work).  Take it
before the job's transaction starts and give it back after that has ended (see
:func:`portal.unit_of_work.run_locked_job`).
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import Table, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import JobLock, utcnow

_locks: Table = JobLock.__table__  # type: ignore[assignment]


class LockBusy(RuntimeError):
    """Another run holds the lock."""


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def try_acquire(name: str, stale_after: timedelta = timedelta(minutes=30)) -> str | None:
    """Take the lease ``name`` (SQLite's lock); returns the holder token, or None when someone else holds it.

    Commits its own short transaction (a lock must be visible to other
    connections at once); the caller's session is left alone.
    """
    try:
        with db.engine.begin() as conn:
            if conn.execute(select(_locks.c.name).where(_locks.c.name == name)).first() is None:
                conn.execute(insert(_locks).values(name=name))
    except IntegrityError:
        pass  # another process created the row first
    now = utcnow()
    holder = f"{_holder()}:{now.timestamp()}"
    with db.engine.begin() as conn:
        result = conn.execute(
            update(_locks)
            .where(_locks.c.name == name, or_(_locks.c.holder.is_(None), _locks.c.acquired_at < now - stale_after))
            .values(holder=holder, acquired_at=now)
        )
    return holder if result.rowcount == 1 else None


def release(name: str, holder: str) -> None:
    """Give the lock back (only if we still hold it), on its own connection."""
    with db.engine.begin() as conn:
        conn.execute(
            update(_locks).where(_locks.c.name == name, _locks.c.holder == holder).values(holder=None, acquired_at=None)
        )


def advisory_key(name: str) -> int:
    """The 64-bit advisory lock key of ``name`` (stable across processes and hosts)."""
    return int.from_bytes(hashlib.sha256(f"portal-job:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def _advisory_lock(name: str) -> Iterator[str]:
    """PostgreSQL: hold ``pg_try_advisory_lock`` on a connection of our own for the block."""
    conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        key = advisory_key(name)
        if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            raise LockBusy(_("Another '%(name)s' run is in progress.", name=name))
        try:
            yield f"{_holder()}:advisory:{key}"
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            except Exception:  # the connection is broken: never pool it, its end frees the lock
                conn.invalidate()
                raise
    finally:
        conn.close()


@contextmanager
def job_lock(name: str, stale_after: timedelta = timedelta(minutes=30)) -> Iterator[str]:
    """Hold the lock ``name`` for the block, or raise :class:`LockBusy`.

    An advisory lock on PostgreSQL, the lease (``stale_after``) on other databases.
    """
    if db.engine.dialect.name == "postgresql":
        with _advisory_lock(name) as token:
            yield token
        return
    holder = try_acquire(name, stale_after)
    if holder is None:
        raise LockBusy(_("Another '%(name)s' run is in progress.", name=name))
    try:
        yield holder
    finally:
        release(name, holder)
