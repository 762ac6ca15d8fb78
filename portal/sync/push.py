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

from portal.extauth.policy import may_use_watcher
from portal.extensions import db
from portal.models import Membership, Organization, Tariff, User
from portal.models.user import WATCHER_RIGHTS
from portal.sync.presets import preset_spec
from portal.watcher import MEMBER_FLAGS, OrganizationSpec, UserSpec, WatcherClient, WatcherNotFound


def push_user(client: WatcherClient, user: User, password: str | None = None) -> int:
    """Create or update ``user`` in Watcher with the same login; returns the Watcher id.

    ``password`` (plain, from a pending credential) is sent when given.  A user
    created without one gets a random password nobody knows, until the owner
    activates the account in the portal.
    """
    # disabled unless the portal lets the user into Watcher (enabled, with an organization):
    # Watcher then refuses them by itself and keeps their password (portal.extauth.policy).
    spec = UserSpec(
        name=user.email,
        email=user.email,
        fullname=user.name or None,
        access_level="generic",
        disabled=not may_use_watcher(user),
        password=password,
    )
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


# How the portal keeps managing every organization it creates (from the published docs).
#
# * ``GET /organizations`` (client API) lists only "organizations of which the user is member"
#   (published summary of OrganizationsList); there is no admin-API list of organizations.
# * "user-and-permission-management": a Watcher administrator can view and edit the *general
#   settings* of every organization, but only owners and members with the right flags may manage
#   users; the administrator "can change any organization's administrator (owner) to get
#   permissions in organization".
# * Flussonic's billing guidance makes the subscriber the organization's owner.
#
# So the service account stays a *member* of every organization it manages, with every
# published organization right (``SERVICE_RIGHTS``): it then sees the organization in lists and
# may manage its members.  It becomes a member by creating the organization with itself as the
# owner, adding itself with full rights, then handing ownership to the subscriber.  A subscriber
# who can "edit users" may remove it; reconciliation notices (``caller_is_member`` is false) and
# the push repairs it with the same documented route: take ownership (allowed to an
# administrator), re-add itself, give ownership back.  The service account takes a seat in the
# organization, so Watcher's user limit is the portal's limit plus one (``SERVICE_SEATS``).
# Lookups go by the stored Watcher id first (``GET /organizations/{id}`` works for an
# administrator whether or not it is a member); a title lookup happens only when no id was ever
# stored (a create whose answer was lost), so a missing list entry never creates a duplicate.
SERVICE_RIGHTS = {name: True for name in MEMBER_FLAGS if name != "is_member"}
SERVICE_SEATS = 1


def service_account_id(client: WatcherClient) -> int:
    """The Watcher id of the account the portal logs in with (looked up once per client)."""
    cached = getattr(client, "_portal_service_id", None)
    if cached is None:
        me = client.find_user_by_login(client.login)
        if me is None:
            raise WatcherNotFound(f"the service account {client.login!r} is not a Watcher user")
        cached = me.id
        client._portal_service_id = cached  # type: ignore[attr-defined]
    return int(cached)


def watcher_user_limit(org: Organization) -> int | None:
    """The user limit to set in Watcher: the portal's limit plus the service account's seat."""
    return None if org.user_limit is None else org.user_limit + SERVICE_SEATS


def ensure_service_membership(client: WatcherClient, org_wid: int, owner_id: int | None) -> None:
    """Make the service account a full-rights member of the organization again if it is not."""
    me = service_account_id(client)
    remote = client.get_organization(org_wid)
    if not remote.caller_is_member:
        client.update_organization(org_wid, OrganizationSpec(owner_id=me))  # documented admin right
    client.put_org_member(org_wid, me, **SERVICE_RIGHTS)
    if owner_id is not None and owner_id != me:
        client.update_organization(org_wid, OrganizationSpec(owner_id=owner_id))


def push_organization(client: WatcherClient, org: Organization) -> int:
    """Create or update the organization, then its allowed presets and its members."""
    owner_id = _ensure_user(client, org.owner) if org.owner is not None else None
    spec = OrganizationSpec(title=org.title, stream_limit=org.camera_limit, user_limit=watcher_user_limit(org))
    if org.watcher_id is not None:
        try:
            remote = client.get_organization(org.watcher_id)
        except WatcherNotFound:
            org.watcher_id = None  # really gone (an administrator sees every organization)
        else:
            client.update_organization(remote.id, spec)
    if org.watcher_id is None:
        existing = next((o for o in client.iter_organizations() if o.title == org.title), None)
        if existing is not None:
            org.watcher_id = existing.id
            client.update_organization(existing.id, spec)
        else:
            created = OrganizationSpec(
                title=spec.title,
                stream_limit=spec.stream_limit,
                user_limit=spec.user_limit,
                owner_id=service_account_id(client),
            )
            org.watcher_id = client.create_organization(created).id
    ensure_service_membership(client, org.watcher_id, owner_id)
    push_allowed_presets(client, org)
    push_members(client, org)
    from portal.dunning.watcher import converge_cameras  # suspension: cameras on the live-only preset

    converge_cameras(client, org)
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
    id) are left alone; the owner and the service account are never removed.
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
    keep = {owner_wid, service_account_id(client)}
    for user_id in sorted(set(current) - set(wanted)):
        if user_id in known and user_id not in keep:
            client.delete_org_member(org.watcher_id, user_id)
