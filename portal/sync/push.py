"""Converge Watcher on the portal's state, one object at a time.

Handlers read the object's *current* state from the database and make Watcher
match it, so they are idempotent and several queued changes of one object
collapse into one delivery.  A create whose response was lost is never
repeated blindly: an object without a Watcher id is first looked up by its
natural key (login, title) and adopted if found.
"""
from __future__ import annotations

import secrets

from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, Organization, Tariff, User
from portal.models.user import WATCHER_RIGHTS
from portal.sync.presets import preset_spec
from portal.watcher import OrganizationSpec, UserSpec, WatcherClient, WatcherNotFound


def push_user(client: WatcherClient, user: User, password: str | None = None) -> int:
    """Create or update ``user`` in Watcher with the same login; returns the Watcher id.

    ``password`` (plain, from a pending credential) is sent when given.  A user
    created without one gets a random password nobody knows, until the owner
    activates the account in the portal.
    """
    spec = UserSpec(name=user.email, email=user.email, fullname=user.name or None,
                    access_level="generic", disabled=not user.is_enabled, password=password)
    if user.watcher_id is not None:
        try:
            client.update_user(user.watcher_id, spec)
            return user.watcher_id
        except WatcherNotFound:
            user.watcher_id = None  # deleted behind our back: find or create again
    existing = client.find_user_by_login(user.email)
    if existing is not None:
        user.watcher_id = existing.id
        client.update_user(existing.id, spec)
        return existing.id
    if spec.password is None:
        spec = UserSpec(**{**spec.__dict__, "password": secrets.token_urlsafe(24)})
    created = client.create_user(spec)
    user.watcher_id = created.id
    return created.id


def push_tariff(client: WatcherClient, tariff: Tariff) -> int:
    """Create or update the tariff's preset (``is_adjustable: false``); returns the preset id."""
    spec = preset_spec(tariff)
    if tariff.watcher_id is not None:
        try:
            client.update_preset(tariff.watcher_id, spec)
            return tariff.watcher_id
        except WatcherNotFound:
            tariff.watcher_id = None
    existing = next((p for p in client.iter_presets() if p.title == tariff.name and p.deleted_at is None), None)
    if existing is not None:
        tariff.watcher_id = existing.id
        client.update_preset(existing.id, spec)
        return existing.id
    tariff.watcher_id = client.create_preset(spec).id
    return tariff.watcher_id


def _ensure_user(client: WatcherClient, user: User) -> int:
    """The user's Watcher id, creating the user first if missing (or deleted behind our back)."""
    if user.watcher_id is not None:
        try:
            client.get_user(user.watcher_id)
            return user.watcher_id
        except WatcherNotFound:
            user.watcher_id = None
    return push_user(client, user)


def _ensure_tariff(client: WatcherClient, tariff: Tariff) -> int:
    return tariff.watcher_id if tariff.watcher_id is not None else push_tariff(client, tariff)


def push_organization(client: WatcherClient, org: Organization) -> int:
    """Create or update the organization, then its allowed presets and its members."""
    owner_id = _ensure_user(client, org.owner) if org.owner is not None else None
    spec = OrganizationSpec(title=org.title, owner_id=owner_id, stream_limit=org.camera_limit,
                            user_limit=org.user_limit)
    if org.watcher_id is not None:
        try:
            client.update_organization(org.watcher_id, spec)
        except WatcherNotFound:
            org.watcher_id = None
    if org.watcher_id is None:
        existing = next((o for o in client.iter_organizations() if o.title == org.title), None)
        if existing is not None:
            org.watcher_id = existing.id
            client.update_organization(existing.id, spec)
        else:
            org.watcher_id = client.create_organization(spec).id
    push_allowed_presets(client, org)
    push_members(client, org)
    return org.watcher_id


def push_allowed_presets(client: WatcherClient, org: Organization) -> None:
    """Make the organization's allowed presets in Watcher equal its allowed, non-archived tariffs.

    Presets that map to no tariff of the portal are left alone (not ours to remove).
    """
    assert org.watcher_id is not None
    wanted = {_ensure_tariff(client, t) for t in org.allowed_tariffs if not t.is_archived}
    ours = set(db.session.scalars(select(Tariff.watcher_id).where(Tariff.watcher_id.is_not(None))))
    current = {p.id for p in client.iter_presets(organization_id=org.watcher_id)}
    for preset_id in sorted(wanted - current):
        client.allow_preset(org.watcher_id, preset_id)
    for preset_id in sorted((current - wanted) & ours):
        client.disallow_preset(org.watcher_id, preset_id)


def push_members(client: WatcherClient, org: Organization) -> None:
    """Make the organization's Watcher members and their rights equal the portal's memberships.

    Members Watcher has that the portal does not know (no user with that Watcher
    id) are left alone; the owner is never removed.
    """
    assert org.watcher_id is not None
    memberships = list(db.session.scalars(select(Membership).where(Membership.organization_id == org.id)))
    wanted: dict[int, Membership] = {}
    for membership in memberships:
        if membership.user.is_admin:
            continue
        wanted[_ensure_user(client, membership.user)] = membership
    known = set(db.session.scalars(select(User.watcher_id).where(User.watcher_id.is_not(None))))
    current = {m.id: m for m in client.list_org_members(org.watcher_id)}
    for user_id, membership in wanted.items():
        rights = {name: bool(getattr(membership, name)) for name in WATCHER_RIGHTS}
        have = current.get(user_id)
        if have is None or any(getattr(have, name) != value for name, value in rights.items()):
            client.put_org_member(org.watcher_id, user_id, **rights)
    owner_wid = org.owner.watcher_id if org.owner is not None else None
    for user_id in sorted(set(current) - set(wanted)):
        if user_id in known and user_id != owner_wid:
            client.delete_org_member(org.watcher_id, user_id)
