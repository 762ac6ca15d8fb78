"""Operations behind the Sync page and the ``flask watcher`` commands."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import unit_of_work
from portal.audit import service as audit
from portal.extensions import db
from portal.models import AuditEvent, Organization, Tariff, User, utcnow
from portal.sync import outbox, reconcile
from portal.sync import pull as pull_module
from portal.sync.connection import get_client


def run_dispatch(limit: int = 500) -> outbox.DispatchResult:
    """Deliver what is due and keep a record of the run when there was anything to do (a job)."""
    started = utcnow()
    result = outbox.dispatch(limit=limit)
    if result.attempted:
        unit_of_work.run_job(outbox.record_run, result, started)
    return result


def run_pull() -> pull_module.PullResult:
    """Pull streams from Watcher into the ledger (takes the pull lock)."""
    return pull_module.pull(get_client())


def run_reconcile() -> list[reconcile.Drift]:
    """Compare the portal with Watcher and record the result (a job: one unit of work)."""
    with unit_of_work.transaction():
        drifts = reconcile.find_drift(get_client())
        reconcile.record(drifts)
    return drifts


def repair(object_type: str, object_id: int) -> bool:
    """Queue the object for a re-push; False if it does not exist."""
    model = outbox.MODELS.get(object_type)
    obj = db.session.get(model, object_id) if model else None
    if obj is None:
        return False
    assert isinstance(obj, Organization | User | Tariff)
    outbox.enqueue(obj)
    return True


def repair_all(drifts: list[reconcile.Drift]) -> int:
    """Queue every drifting object once; returns how many were queued."""
    keys = sorted({(d.object_type, d.object_id) for d in drifts})
    return sum(1 for object_type, object_id in keys if repair(object_type, object_id))


def presets_awaiting_confirmation() -> list[Tariff]:
    """Tariffs whose preset a migration changed and the admin has not yet confirmed re-pushing.

    A ``tariff.preset_review`` audit row (written by the service-kind migration) newer than the
    tariff's last ``tariff.preset_confirmed`` row means "waiting": re-pushing changes what paying
    customers' cameras record, so it waits for an explicit confirmation on the Sync page.
    """

    def latest(action: str) -> dict[int, int]:
        rows = db.session.execute(
            select(AuditEvent.object_id, func.max(AuditEvent.id))
            .where(AuditEvent.action == action, AuditEvent.object_type == "tariff")
            .group_by(AuditEvent.object_id)
        )
        return {int(oid): int(eid) for oid, eid in rows if oid is not None}

    reviews, confirmed = latest("tariff.preset_review"), latest("tariff.preset_confirmed")
    ids = [tid for tid, eid in reviews.items() if eid > confirmed.get(tid, 0)]
    if not ids:
        return []
    return list(db.session.scalars(select(Tariff).where(Tariff.id.in_(ids)).order_by(Tariff.name)))


def confirm_presets() -> int:
    """Queue every preset awaiting confirmation for a re-push and record the confirmation."""
    tariffs = presets_awaiting_confirmation()
    for tariff in tariffs:
        outbox.enqueue(tariff)
        audit.record(
            "tariff.preset_confirmed",
            "tariff",
            tariff.id,
            summary=f"{tariff.name}: preset re-push confirmed after the service-kind migration",
        )
    db.session.flush()
    return len(tariffs)


def enqueue_everything() -> int:
    """Queue every organization, subscriber and tariff (first connection to a Watcher)."""
    objects: list[Tariff | User | Organization] = [
        *db.session.scalars(select(Tariff)),
        *db.session.scalars(select(User).where(User.role == "subscriber")),
        *db.session.scalars(select(Organization)),
    ]
    for obj in objects:
        outbox.enqueue(obj)
    return len(objects)
