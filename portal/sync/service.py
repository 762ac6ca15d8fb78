"""Operations behind the Sync page and the ``flask watcher`` commands."""
from __future__ import annotations

from sqlalchemy import select

from portal import unit_of_work
from portal.extensions import db
from portal.models import Organization, Tariff, User, utcnow
from portal.sync import outbox, pull as pull_module, reconcile
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
    outbox.enqueue(obj)
    return True


def repair_all(drifts: list[reconcile.Drift]) -> int:
    """Queue every drifting object once; returns how many were queued."""
    keys = sorted({(d.object_type, d.object_id) for d in drifts})
    return sum(1 for object_type, object_id in keys if repair(object_type, object_id))


def enqueue_everything() -> int:
    """Queue every organization, subscriber and tariff (first connection to a Watcher)."""
    objects: list[Tariff | User | Organization] = [
        *db.session.scalars(select(Tariff)), *db.session.scalars(select(User).where(User.role == "subscriber")),
        *db.session.scalars(select(Organization))]
    for obj in objects:
        outbox.enqueue(obj)
    return len(objects)
