"""The transactional outbox: queue a Watcher change with the database change, deliver it later.

``enqueue`` adds a row in the caller's transaction (it commits with the change
or not at all).  ``dispatch`` delivers due rows: per object only the oldest due
row is worked on, and since handlers converge on the object's current state a
success settles every row of that object queued up to then.  Failures back off
exponentially; the object's page shows the Watcher error's title.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, select, update

from portal import settings as portal_settings
from portal import unit_of_work
from portal.extensions import db
from portal.models import Organization, OutboxItem, SyncRun, Tariff, User, utcnow
from portal.models.sync import OutboxState, SyncState
from portal.settings import WatcherSettings
from portal.sync import credentials, push
from portal.sync.connection import get_client
from portal.watcher import WatcherClient, WatcherError

log = logging.getLogger(__name__)

#: The one registry of the model types mirrored to Watcher (outbox rows, repair, reconcile).
MODELS: dict[str, type[Any]] = {"organization": Organization, "user": User, "tariff": Tariff}
OBJECT_TYPES: dict[type[Any], str] = {model: name for name, model in MODELS.items()}
LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)


def enqueue(obj: Organization | User | Tariff, kind: str = "upsert", password: str | None = None) -> OutboxItem:
    """Queue ``obj`` for delivery to Watcher in the current transaction; marks it pending.

    ``password`` (users only) is sealed with Fernet; it is wiped once delivered.
    """
    object_type = OBJECT_TYPES[type(obj)]
    if obj.id is None:
        db.session.flush()
    item = OutboxItem(
        kind=f"{object_type}.{kind}",
        object_type=object_type,
        object_id=obj.id,
        secret=credentials.seal(password) if password else None,
        next_attempt_at=utcnow(),
    )
    obj.sync_state = SyncState.PENDING
    db.session.add(item)
    unit_of_work.note_outbox(object_type, obj.id)  # delivered once the unit of work has committed
    return item


def backoff(attempts: int, base: float = 5.0) -> timedelta:
    """Delay before attempt ``attempts + 1``: exponential with jitter, capped at an hour."""
    seconds = base * (2 ** max(0, attempts - 1))
    return min(MAX_BACKOFF, timedelta(seconds=seconds * random.uniform(0.8, 1.2)))


@dataclass
class DispatchResult:
    """What a dispatch run did."""

    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Objects worked on."""
        return self.delivered + self.failed


def _claim(item: OutboxItem, now: datetime) -> bool:
    """Lease the row so a concurrent dispatcher skips it (a conditional UPDATE, its own transaction)."""
    with unit_of_work.transaction():
        result: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
            update(OutboxItem)
            .where(OutboxItem.id == item.id, OutboxItem.state == OutboxState.PENDING, OutboxItem.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount == 1)


def _deliver(client: WatcherClient, item: OutboxItem, rows: list[OutboxItem]) -> None:
    obj = db.session.get(MODELS[item.object_type], item.object_id)
    if obj is None:
        return  # deleted in the portal since: nothing to converge
    if isinstance(obj, User):
        sealed = next((r.secret for r in reversed(rows) if r.secret), None)
        if obj.is_admin and not obj.memberships:
            return  # billing staff have no Watcher account
        push.push_user(client, obj, credentials.unseal(sealed) if sealed else None)
    elif isinstance(obj, Tariff):
        push.push_tariff(client, obj)
    else:
        push.push_organization(client, obj)


def dispatch(
    limit: int = 200,
    now: datetime | None = None,
    quick: bool = False,
    only: set[tuple[str, int]] | None = None,
    client_factory: Callable[[], WatcherClient] | None = None,
    settings: WatcherSettings | None = None,
) -> DispatchResult:
    """Deliver due outbox rows (oldest first, one object at a time).

    A job of several units of work: each lease, and each delivery with its
    outcome, is committed on its own, so a crash never loses a delivered state.
    """
    settings = settings or portal_settings.current().watcher
    now = now or utcnow()
    result = DispatchResult()
    due = list(
        db.session.scalars(
            select(OutboxItem)
            .where(OutboxItem.state == OutboxState.PENDING, OutboxItem.next_attempt_at <= now)
            .order_by(OutboxItem.id)
            .limit(limit)
        )
    )
    seen: set[tuple[str, int]] = set()
    client = client_factory() if client_factory else get_client(quick=quick)
    for head in due:
        key = (head.object_type, head.object_id)
        if key in seen or (only is not None and key not in only):
            continue
        seen.add(key)
        if not _claim(head, now):
            continue
        with unit_of_work.transaction():
            rows = list(
                db.session.scalars(
                    select(OutboxItem)
                    .where(
                        OutboxItem.object_type == head.object_type,
                        OutboxItem.object_id == head.object_id,
                        OutboxItem.state == OutboxState.PENDING,
                    )
                    .order_by(OutboxItem.id)
                )
            )
            obj = db.session.get(MODELS[head.object_type], head.object_id)
            try:
                _deliver(client, head, rows)
            except (WatcherError, credentials.CredentialError) as error:
                _failed(head, obj, error, settings)
                result.failed += 1
                result.errors.append(f"{head.object_type} #{head.object_id}: {error}")
            else:
                _succeeded(rows, obj)
                result.delivered += 1
    return result


def _succeeded(rows: list[OutboxItem], obj: Any) -> None:
    done_at = utcnow()
    for row in rows:
        row.state, row.done_at, row.secret, row.last_error = OutboxState.DONE, done_at, None, None
        row.last_error_at = None
        row.attempts += 1
    if obj is not None:
        obj.sync_state, obj.sync_error, obj.synced_at = SyncState.SYNCED, None, done_at


def _failed(head: OutboxItem, obj: Any, error: Exception, settings: WatcherSettings) -> None:
    head.attempts += 1
    head.last_error = str(error)[:2000]
    head.last_error_at = utcnow()
    head.next_attempt_at = utcnow() + backoff(head.attempts, settings.outbox_backoff)
    if head.attempts >= settings.outbox_max_attempts:
        head.state = OutboxState.FAILED
    if obj is not None:
        obj.sync_state = SyncState.ERROR
        obj.sync_error = (getattr(error, "title", None) or str(error))[:500]
    log.warning(
        "Watcher delivery of %s #%s failed (attempt %s): %s",
        head.object_type,
        head.object_id,
        head.attempts,
        getattr(error, "title", None) or type(error).__name__,
    )


def retry(item_id: int) -> OutboxItem | None:
    """Make a row due now again (the Sync page's retry button)."""
    item = db.session.get(OutboxItem, item_id)
    if item is not None and item.state != OutboxState.DONE:
        item.state, item.next_attempt_at = OutboxState.PENDING, utcnow()
    return item


def failing(limit: int = 20) -> tuple[int, list[OutboxItem]]:
    """Undelivered rows whose last attempt failed: how many, and the most recent ``limit``."""
    where = (OutboxItem.state != OutboxState.DONE, OutboxItem.last_error.is_not(None))
    count = db.session.scalar(select(func.count()).select_from(OutboxItem).where(*where)) or 0
    rows = list(
        db.session.scalars(
            select(OutboxItem)
            .where(*where)
            .order_by(OutboxItem.last_error_at.desc(), OutboxItem.id.desc())
            .limit(limit)
        )
    )
    return count, rows


def backlog_count() -> int:
    """Rows not yet delivered."""
    return (
        db.session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.state != OutboxState.DONE)) or 0
    )


def record_run(result: DispatchResult, started: datetime) -> SyncRun:
    """Keep a record of a push run for the Sync page."""
    run = SyncRun(
        direction="push",
        started_at=started,
        finished_at=utcnow(),
        ok=result.failed == 0,
        counts={"delivered": result.delivered, "failed": result.failed},
        report={"errors": result.errors[:50]},
        error=result.errors[0] if result.errors else None,
    )
    db.session.add(run)
    return run
