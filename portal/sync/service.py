"""Operations behind the Sync page and the ``flask watcher`` commands."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Organization, Tariff, User, utcnow
from portal.sync import outbox, pull as pull_module, reconcile
from portal.sync.connection import get_client

REPAIRABLE: dict[str, type[Organization] | type[User] | type[Tariff]] = {
    "organization": Organization, "user": User, "tariff": Tariff}


def run_dispatch(limit: int = 500) -> outbox.DispatchResult:
    """Deliver what is due and keep a record of the run when there was anything to do."""
    started = utcnow()
    result = outbox.dispatch(limit=limit)
    if result.attempted:
        outbox.record_run(result, started)
        db.session.commit()
    return result


def run_pull() -> pull_module.PullResult:
    """Pull streams from Watcher into the ledger (takes the pull lock)."""
    return pull_module.pull(get_client())


def run_reconcile() -> list[reconcile.Drift]:
    """Compare the portal with Watcher and record the result."""
    drifts = reconcile.find_drift(get_client())
    reconcile.record(drifts)
    db.session.commit()
    return drifts


def repair(object_type: str, object_id: int) -> bool:
    """Queue the object for a re-push; False if it does not exist."""
    model = REPAIRABLE.get(object_type)
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


def enqueue_everything() -> int:
    """Queue every organization, subscriber and tariff (first connection to a Watcher)."""
    count = 0
    for model in (Tariff, User, Organization):
        query = select(model)
        if model is User:
            query = query.where(User.role == "subscriber")
        for obj in db.session.scalars(query):
            assert isinstance(obj, Organization | User | Tariff)
            outbox.enqueue(obj)
            count += 1
    return count
