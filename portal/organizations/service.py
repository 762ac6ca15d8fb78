"""Organization operations (add and flush; the view commits).

Hierarchy rules are checked here with readable messages and again by the
schema (see :mod:`portal.models.organization`): a move rewrites ``depth`` and
``parent_depth`` of the whole subtree in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit import service as audit
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.models import MAX_DEPTH, Organization, Tariff, User
from portal.models.user import ROLE_SUBSCRIBER
from portal.organizations.members import grant_all_rights
from portal.sync import outbox
from portal.tariffs.service import active_tariffs

__all__ = [
    "OrganizationData",
    "active_tariffs",
    "change_owner",
    "create_organization",
    "find_organization",
    "move_organization",
    "subtree",
    "tree",
    "update_organization",
]

FIELDS = (
    "title",
    "trial_start",
    "trial_end",
    "timezone",
    "currency",
    "camera_limit",
    "user_limit",
    "billing_contact",
    "billing_email",
    "invoice_to_parent",
    "document_language",
)


@dataclass(frozen=True)
class OrganizationData:
    """The plain fields of an organization, as validated by the form."""

    title: str
    timezone: str
    currency: str
    tariff_ids: Sequence[int] = ()
    trial_start: date | None = None
    trial_end: date | None = None
    camera_limit: int | None = None
    user_limit: int | None = None
    billing_contact: str = ""
    billing_email: str = ""
    invoice_to_parent: bool = False
    document_language: str = "en"


def find_organization(organization_id: int | None, field: str = "parent_id") -> Organization | None:
    """Load an organization by id (None for None); a missing one is a DomainError on ``field``."""
    if organization_id is None:
        return None
    org = db.session.get(Organization, organization_id)
    if org is None:
        raise DomainError(_("This organization does not exist."), field=field)
    return org


def subtree(org: Organization) -> list[Organization]:
    """``org`` and all its descendants, parents before children (one query per level)."""
    nodes, level = [org], [org.id]
    while level:
        children = list(db.session.scalars(select(Organization).where(Organization.parent_id.in_(level))))
        nodes.extend(children)
        level = [c.id for c in children]
    return nodes


def _snapshot(org: Organization) -> dict[str, Any]:
    data = audit.snapshot(org, FIELDS)
    data["allowed_tariffs"] = sorted(t.name for t in org.allowed_tariffs)
    return data


def _check(org: Organization | None, data: OrganizationData, parent_id: int | None) -> None:
    """Business rules on the plain fields; nothing is changed before they pass."""
    title = data.title.strip()
    if not title:
        raise DomainError(_("Enter a title."), field="title")
    clash = db.session.scalar(select(Organization.id).where(func.lower(Organization.title) == title.lower()))
    if clash is not None and (org is None or clash != org.id):
        raise DomainError(_("An organization with this title already exists."), field="title")
    if (data.trial_start is None) != (data.trial_end is None):
        raise DomainError(_("Give both trial dates or neither."), field="trial_end")
    if data.trial_start and data.trial_end and data.trial_end < data.trial_start:
        raise DomainError(_("The trial cannot end before it starts."), field="trial_end")
    for name in ("camera_limit", "user_limit"):
        value = getattr(data, name)
        if value is not None and value < 0:
            raise DomainError(_("Cannot be negative."), field=name)
    if data.invoice_to_parent and parent_id is None:
        raise DomainError(
            _("Only a subsidiary can be invoiced to its parent: choose a parent first."), field="invoice_to_parent"
        )
    if data.invoice_to_parent and parent_id is not None:
        parent = find_organization(parent_id)
        if parent is not None and parent.currency != data.currency:
            raise DomainError(
                _(
                    "Invoiced to its parent, it must use the parent's currency (%(currency)s).",
                    currency=parent.currency,
                ),
                field="currency",
            )
    if org is not None and data.user_limit is not None and data.user_limit < len(org.memberships):
        raise DomainError(_("The organization already has %(n)s members.", n=len(org.memberships)), field="user_limit")


def _tariffs(org: Organization | None, data: OrganizationData) -> list[Tariff]:
    """The allowed tariffs: the chosen active ones plus archived ones already allowed."""
    chosen = list(db.session.scalars(select(Tariff).where(Tariff.id.in_(list(data.tariff_ids)))))
    if len(chosen) != len(set(data.tariff_ids)) or any(t.is_archived for t in chosen):
        raise DomainError(_("Choose among the active tariffs."), field="allowed_tariffs")
    wrong = [t.name for t in chosen if t.currency != data.currency]
    if wrong:
        raise DomainError(
            _("Not priced in %(currency)s: %(names)s.", currency=data.currency, names=", ".join(sorted(wrong))),
            field="allowed_tariffs",
        )
    kept = [t for t in (org.allowed_tariffs if org is not None else []) if t.is_archived]
    return sorted(chosen + kept, key=lambda t: t.name)


def _apply(org: Organization, data: OrganizationData, tariffs: list[Tariff]) -> None:
    org.title = data.title.strip()
    org.timezone, org.currency = data.timezone, data.currency
    org.trial_start, org.trial_end = data.trial_start, data.trial_end
    org.camera_limit, org.user_limit = data.camera_limit, data.user_limit
    org.billing_contact = data.billing_contact.strip()
    org.billing_email = data.billing_email.strip().lower()
    org.invoice_to_parent = data.invoice_to_parent
    org.document_language = data.document_language
    org.allowed_tariffs = tariffs


def _check_owner(owner: User) -> None:
    if owner.role != ROLE_SUBSCRIBER:
        raise DomainError(_("The owner must be a subscriber, not a billing admin."), field="owner_id")


def create_organization(data: OrganizationData, owner: User, parent: Organization | None = None) -> Organization:
    """Create an organization under ``parent``; the owner becomes a member with all rights."""
    with db.session.no_autoflush:
        _check(None, data, parent.id if parent else None)
        _check_owner(owner)
        if parent is not None and parent.depth + 1 > MAX_DEPTH:
            raise NotAllowed(_too_deep_message(), field="parent_id")
        tariffs = _tariffs(None, data)
    org = Organization(owner=owner)
    _apply(org, data, tariffs)
    if parent is not None:
        org.parent_id, org.parent_depth, org.depth = parent.id, parent.depth, parent.depth + 1
    db.session.add(org)
    db.session.flush()
    after = _snapshot(org) | {"owner": owner.email, "parent_id": org.parent_id}
    audit.record("organization.create", "organization", org.id, summary=org.title, after=after)
    grant_all_rights(org, owner)
    outbox.enqueue(org)
    return org


def update_organization(org: Organization, data: OrganizationData) -> Organization:
    """Change the plain fields and allowed tariffs (not the parent nor the owner)."""
    with db.session.no_autoflush:
        _check(org, data, org.parent_id)
        tariffs = _tariffs(org, data)
    before = _snapshot(org)
    _apply(org, data, tariffs)
    db.session.flush()
    audit.record("organization.update", "organization", org.id, summary=org.title, before=before, after=_snapshot(org))
    outbox.enqueue(org)
    return org


def _too_deep_message() -> str:
    return _("The hierarchy is at most %(n)s levels deep; this parent is too deep.", n=MAX_DEPTH + 1)


def move_organization(org: Organization, parent: Organization | None) -> Organization:
    """Put ``org`` (with its whole subtree) under ``parent`` or at the top level.

    Refuses to make the organization its own ancestor and to push any descendant
    past ``MAX_DEPTH``.  Every row of the subtree gets its new depth in this flush.
    """
    if (parent.id if parent else None) == org.parent_id:
        return org
    nodes = subtree(org)
    if parent is not None and parent.id in {n.id for n in nodes}:
        raise NotAllowed(
            _("An organization cannot be placed under itself or one of its subsidiaries."), field="parent_id"
        )
    new_depth = parent.depth + 1 if parent is not None else 0
    shift = new_depth - org.depth
    if max(n.depth for n in nodes) + shift > MAX_DEPTH:
        raise NotAllowed(
            _(
                "The hierarchy is at most %(n)s levels deep; moving here would push subsidiaries too deep.",
                n=MAX_DEPTH + 1,
            ),
            field="parent_id",
        )
    before = {"parent_id": org.parent_id, "depth": org.depth}
    with db.session.no_autoflush:
        for node in nodes:
            node.depth += shift
            if node is org:
                node.parent_id = parent.id if parent else None
                node.parent_depth = parent.depth if parent else None
            else:
                node.parent_depth = node.parent_depth + shift if node.parent_depth is not None else None
        if parent is None:
            org.invoice_to_parent = False
    db.session.flush()
    db.session.expire(org, ["parent", "children"])
    if parent is not None:
        db.session.expire(parent, ["children"])
    audit.record(
        "organization.move",
        "organization",
        org.id,
        summary=f"{org.title}: {len(nodes) - 1} subsidiaries moved too",
        before=before,
        after={"parent_id": org.parent_id, "depth": org.depth},
    )
    return org


def change_owner(org: Organization, owner: User) -> Organization:
    """Make ``owner`` the owner (a member with all rights); the old owner stays a member."""
    if org.owner_id == owner.id:
        return org
    _check_owner(owner)
    before = {"owner": org.owner.email if org.owner else None}
    org.owner = owner
    db.session.flush()
    grant_all_rights(org, owner)
    audit.record(
        "organization.owner_change",
        "organization",
        org.id,
        summary=org.title,
        before=before,
        after={"owner": owner.email},
    )
    outbox.enqueue(org)
    return org


def tree() -> tuple[list[Organization], dict[int, list[Organization]]]:
    """All organizations as (roots, children by parent id), sorted by title, in one query."""
    orgs = list(db.session.scalars(select(Organization).order_by(Organization.title)))
    children: dict[int, list[Organization]] = {}
    for org in orgs:
        if org.parent_id is not None:
            children.setdefault(org.parent_id, []).append(org)
    return [o for o in orgs if o.parent_id is None], children
