"""Organization scoping: the one way subscriber-facing code looks up tenant data."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select, union
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import MAX_DEPTH, Membership, Organization, User


def owned_subtree_parts(user: User) -> list[Select[tuple[int]]]:
    """SELECTs of the organizations ``user`` owns and of their subsidiaries, one per level."""
    owned = select(Organization.id).where(Organization.owner_id == user.id)
    parts, level = [owned], owned
    for _ in range(MAX_DEPTH):
        child = aliased(Organization)
        level = select(child.id).where(child.parent_id.in_(level))
        parts.append(level)
    return parts


def visible_organization_ids(user: User) -> Select[tuple[int]]:
    """A SELECT of the organization ids ``user`` may see.

    Admins and accountants see all.  A subscriber sees the organizations they are a member of
    and the subsidiaries (at any depth) of the organizations they own.
    """
    if user.is_finance:
        return select(Organization.id)
    direct = select(Membership.organization_id).where(Membership.user_id == user.id)
    return select(union(direct, *owned_subtree_parts(user)).subquery().c[0])


def scoped_organization_or_404(user: User, organization_id: int) -> Organization:
    """Load an organization the user may see, or answer 404 (never 403: no existence leak)."""
    org = db.session.scalar(
        select(Organization).where(
            Organization.id == organization_id, Organization.id.in_(visible_organization_ids(user))
        )
    )
    if org is None:
        abort(404)
    return org


def visible_organizations(user: User) -> list[Organization]:
    """The organizations ``user`` may see, by title."""
    return list(
        db.session.scalars(
            select(Organization).where(Organization.id.in_(visible_organization_ids(user))).order_by(Organization.title)
        )
    )
