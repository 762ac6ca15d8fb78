"""Memberships: a user's rights in one organization (add and flush; the view commits)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _

from portal.audit import service as audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import RIGHTS, Membership, Organization, User
from portal.sync import outbox


def _summary(org: Organization, user: User) -> str:
    return f"{user.email} in {org.title}"


def add_member_to(org: Organization | None, user: User | None, rights: Mapping[str, bool]) -> Membership:
    """Add ``user`` to ``org`` with ``rights``; refused when either is missing or they are a member already."""
    if org is None:
        raise DomainError(_("This organization does not exist."), field="organization_id")
    if user is None:
        raise DomainError(_("This user does not exist."), field="user_id")
    if db.session.get(Membership, (user.id, org.id)) is not None:
        raise DomainError(_("Already a member; change the rights in the table."), field="user_id")
    return set_membership(org, user, rights)


def set_membership(org: Organization, user: User, rights: Mapping[str, bool], enforce_limit: bool = True) -> Membership:
    """Add ``user`` to ``org`` with ``rights`` or change the rights they have there.

    Unknown right names are refused; missing ones are false.  Billing admins are
    not members (they see everything), and the organization's user limit holds.
    """
    unknown = set(rights) - set(RIGHTS)
    if unknown:
        raise DomainError(_("Unknown rights: %(names)s.", names=", ".join(sorted(unknown))))
    if user.is_admin:
        raise DomainError(_("Billing admins see every organization; add subscribers only."), field="user_id")
    flags = {name: bool(rights.get(name, False)) for name in RIGHTS}
    membership = db.session.get(Membership, (user.id, org.id))
    if membership is None:
        if enforce_limit and org.user_limit is not None and len(org.memberships) >= org.user_limit:
            raise DomainError(_("The organization's user limit (%(n)s) is reached.", n=org.user_limit), field="user_id")
        membership = Membership(user=user, organization=org, **flags)
        db.session.add(membership)
        db.session.flush()
        audit.record(
            "membership.add", "organization", org.id, summary=_summary(org, user), after={"user": user.email, **flags}
        )
        outbox.enqueue(org)
        return membership
    before = membership.rights()
    if before == flags:
        return membership
    for name, value in flags.items():
        setattr(membership, name, value)
    db.session.flush()
    audit.record(
        "membership.update",
        "organization",
        org.id,
        summary=_summary(org, user),
        before={"user": user.email, **before},
        after={"user": user.email, **flags},
    )
    outbox.enqueue(org)
    return membership


def grant_all_rights(org: Organization, user: User) -> Membership:
    """Make ``user`` a member of ``org`` with every right (what an owner gets, whatever the user limit)."""
    return set_membership(org, user, {name: True for name in RIGHTS}, enforce_limit=False)


def remove_membership(membership: Membership) -> Organization:
    """Remove a user from an organization; the current owner cannot be removed."""
    org, user = membership.organization, membership.user
    if org.owner_id == user.id:
        raise DomainError(_("The owner cannot be removed; change the owner first."))
    before = {"user": user.email, **membership.rights()}
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(org, ["memberships"])
    db.session.expire(user, ["memberships"])
    audit.record("membership.remove", "organization", org.id, summary=_summary(org, user), before=before)
    outbox.enqueue(org)
    return org
