"""Reconciliation: list every difference between the portal and Watcher, and repair by re-pushing.

Compared: organizations (existence, title, owner, limits), users (existence,
login, disabled), memberships and their rights, presets (existence, title,
archive settings, non-adjustable) and each organization's allowed presets.
Repair re-queues the portal object, whose push converges Watcher on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.extauth.policy import may_use_watcher
from portal.extensions import db
from portal.models import Organization, SyncRun, Tariff, User, utcnow
from portal.models.user import WATCHER_RIGHTS
from portal.sync.presets import preset_spec
from portal.sync.push import SERVICE_RIGHTS, service_account_id, watcher_user_limit
from portal.watcher import WatcherClient, WatcherNotFound


@dataclass(frozen=True)
class Drift:
    """One difference: which portal object, what differs, portal value vs Watcher value."""

    object_type: str
    object_id: int
    label: str
    field: str
    portal: str
    watcher: str

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form for the run record."""
        return self.__dict__.copy()


def _users(client: WatcherClient) -> list[Drift]:
    drifts = []
    remote = {u.id: u for u in client.iter_users()}
    for user in db.session.scalars(select(User).where(User.role == "subscriber").order_by(User.id)):
        got = remote.get(user.watcher_id) if user.watcher_id is not None else None
        if got is None:
            drifts.append(Drift("user", user.id, user.email, "exists", "yes", "missing"))
            continue
        if got.name != user.email:
            drifts.append(Drift("user", user.id, user.email, "login", user.email, got.name))
        want_disabled = not may_use_watcher(user)
        if got.disabled != want_disabled:
            drifts.append(Drift("user", user.id, user.email, "disabled", str(want_disabled), str(got.disabled)))
    return drifts


def _presets(client: WatcherClient) -> list[Drift]:
    drifts = []
    remote = {p.id: p for p in client.iter_presets()}
    for tariff in db.session.scalars(select(Tariff).order_by(Tariff.id)):
        got = remote.get(tariff.watcher_id) if tariff.watcher_id is not None else None
        if got is None:
            drifts.append(Drift("tariff", tariff.id, tariff.name, "preset", "yes", "missing"))
            continue
        spec = preset_spec(tariff)
        expected = {
            "title": spec.title,
            "expiration": spec.expiration or None,
            "episodes_expiration": spec.episodes_expiration or None,
            "storage_limit": spec.storage_limit or None,
            "vision_alg": spec.vision_alg or None,
            "is_adjustable": False,
        }
        for name, value in expected.items():
            have = getattr(got, name)
            if name in ("expiration", "episodes_expiration", "storage_limit"):
                have = have or None
            if have != value:
                drifts.append(Drift("tariff", tariff.id, tariff.name, name, str(value), str(have)))
    return drifts


def _organizations(client: WatcherClient) -> list[Drift]:
    drifts = []
    users_by_wid = {u.watcher_id: u for u in db.session.scalars(select(User).where(User.watcher_id.is_not(None)))}
    for org in db.session.scalars(select(Organization).order_by(Organization.id)):
        label = org.title
        got = None
        if org.watcher_id is not None:
            try:  # by stored id: an administrator sees every organization, member or not
                got = client.get_organization(org.watcher_id)
            except WatcherNotFound:
                got = None
        if got is None:
            drifts.append(Drift("organization", org.id, label, "exists", "yes", "missing"))
            continue
        if not got.caller_is_member:
            drifts.append(Drift("organization", org.id, label, "service account", "member", "not a member"))
            continue  # members and presets cannot be read until the push repairs this
        owner_wid = org.owner.watcher_id if org.owner else None
        for name, want, have in (
            ("title", org.title, got.title),
            ("owner", owner_wid, got.owner_id),
            ("camera limit", org.camera_limit, got.stream_limit),
            ("user limit (+1 service seat)", watcher_user_limit(org), got.user_limit),
        ):
            if want is not None and want != have:
                drifts.append(Drift("organization", org.id, label, name, str(want), str(have)))
        drifts.extend(_allowed_presets(client, org, label))
        drifts.extend(_members(client, org, label, users_by_wid))
    return drifts


def _allowed_presets(client: WatcherClient, org: Organization, label: str) -> list[Drift]:
    assert org.watcher_id is not None
    ours = {t.watcher_id: t.name for t in db.session.scalars(select(Tariff).where(Tariff.watcher_id.is_not(None)))}
    want = {t.watcher_id for t in org.allowed_tariffs if not t.is_archived and t.watcher_id is not None}
    have = {p.id for p in client.iter_presets(organization_id=org.watcher_id)} & set(ours)
    drifts = [
        Drift("organization", org.id, label, "allowed preset", ours[p], "not allowed") for p in sorted(want - have)
    ]
    drifts += [
        Drift("organization", org.id, label, "allowed preset", "not allowed", ours[p]) for p in sorted(have - want)
    ]
    return drifts


def _members(client: WatcherClient, org: Organization, label: str, users_by_wid: dict[int | None, User]) -> list[Drift]:
    assert org.watcher_id is not None
    try:
        current = {m.id: m for m in client.list_org_members(org.watcher_id)}
    except WatcherNotFound:
        return []
    drifts = []
    wanted = {}
    for membership in org.memberships:
        if membership.user.is_admin:
            continue
        wid = membership.user.watcher_id
        if wid is None or wid not in current:
            drifts.append(Drift("organization", org.id, label, f"member {membership.user.email}", "member", "missing"))
            continue
        wanted[wid] = membership
        for right in WATCHER_RIGHTS:
            if bool(getattr(membership, right)) != getattr(current[wid], right):
                drifts.append(
                    Drift(
                        "organization",
                        org.id,
                        label,
                        f"{membership.user.email}: {right}",
                        str(bool(getattr(membership, right))),
                        str(getattr(current[wid], right)),
                    )
                )
    me = current.get(service_account_id(client))
    if me is not None and any(
        getattr(me, right, True) is not True for right in SERVICE_RIGHTS if right in WATCHER_RIGHTS
    ):
        drifts.append(Drift("organization", org.id, label, "service account rights", "all", "reduced"))
    owner_wid = org.owner.watcher_id if org.owner else None
    for wid in sorted(set(current) - set(wanted)):
        if wid in users_by_wid and wid != owner_wid:
            drifts.append(
                Drift("organization", org.id, label, f"member {users_by_wid[wid].email}", "not a member", "member")
            )
    return drifts


def find_drift(client: WatcherClient) -> list[Drift]:
    """Compare everything; returns the differences (an empty list means in step)."""
    return _users(client) + _presets(client) + _organizations(client)


def record(drifts: list[Drift]) -> SyncRun:
    """Keep the result for the Reconciliation page (caller commits)."""
    now = utcnow()
    run = SyncRun(
        direction="reconcile",
        started_at=now,
        finished_at=now,
        ok=not drifts,
        counts={"drifts": len(drifts)},
        report={"drifts": [d.as_dict() for d in drifts]},
    )
    db.session.add(run)
    return run
