"""Login throttling per (account, address) pair, with growing delays instead of a lockout.

A lockout per account would let anyone lock the admin out by typing wrong
passwords; a limit per address alone would let one noisy machine behind an
office NAT lock out everybody there.  So:

* per (login, address) pair: after ``FREE_FAILURES`` failures within the last
  hour (since the last successful login of that pair) each further attempt
  must wait twice as long as the one before, up to ``MAX_DELAY``;
* per address: a looser ceiling on *failed* attempts (``LOGIN_RATE_LIMIT``,
  flask-limiter) in :mod:`portal.auth.views`.

The failures are the ``auth.login_failed`` rows of the audit trail, so the
count is shared by every worker process without another store.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, utcnow

FREE_FAILURES = 3
BASE_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=5)
WINDOW = timedelta(hours=1)
OUTCOMES = ("unknown", "wrong", "disabled")


def failure_summaries(email: str) -> list[str]:
    """The audit summaries a failed login for ``email`` is recorded with."""
    return [f"{outcome}: {email}" for outcome in OUTCOMES]


def delay_for(failures: int) -> timedelta:
    """How long to wait after ``failures`` failures in a row (none for the first few)."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(MAX_DELAY, BASE_DELAY * 2 ** (failures - FREE_FAILURES))


def wait_seconds(email: str, address: str | None, now: datetime | None = None) -> int:
    """Seconds the pair (``email``, ``address``) must still wait before a login is checked; 0 = go."""
    now = now or utcnow()
    since = now - WINDOW
    last_success = db.session.scalar(
        select(func.max(AuditEvent.created_at)).where(
            AuditEvent.action == "auth.login",
            AuditEvent.summary == email,
            AuditEvent.ip == address,
            AuditEvent.created_at >= since,
        )
    )
    if last_success is not None:
        since = last_success
    count, last_failure = db.session.execute(
        select(func.count(), func.max(AuditEvent.created_at)).where(
            AuditEvent.action == "auth.login_failed",
            AuditEvent.summary.in_(failure_summaries(email)),
            AuditEvent.ip == address,
            AuditEvent.created_at > since,
        )
    ).one()
    if not count or last_failure is None:
        return 0
    if last_failure.tzinfo is None:  # SQLite hands back naive UTC from aggregates
        from datetime import timezone

        last_failure = last_failure.replace(tzinfo=timezone.utc)
    remaining = (last_failure + delay_for(int(count))) - now
    return max(0, int(remaining.total_seconds() + 0.999))
