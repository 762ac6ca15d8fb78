"""User administration (add and flush; the view commits).

Passwords are not set here: a user created by an admin has none until the
activation e-mail lets them choose one (:mod:`portal.account.service`).
Subscribers are mirrored into Watcher through the outbox.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal.audit import service as audit
from portal.auth.service import normalize_email
from portal.errors import DomainError
from portal.extensions import db
from portal.models import ROLE_ADMIN, ROLE_SUBSCRIBER, User
from portal.models.user import ROLES
from portal.sync import outbox

FIELDS = ("email", "name", "role", "is_enabled")


def _check_email_free(email: str, user_id: int | None) -> None:
    existing = db.session.scalar(select(User.id).where(User.email == email))
    if existing is not None and existing != user_id:
        raise DomainError(_("A user with this e-mail already exists."), field="email")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise DomainError(_("Choose admin, subscriber or accountant."), field="role")


def create_user(email: str, name: str = "", role: str = ROLE_SUBSCRIBER) -> User:
    """Create an enabled user without a password; the e-mail is stored lower-cased."""
    email = normalize_email(email)
    _check_email_free(email, None)
    _check_role(role)
    user = User(email=email, name=name.strip(), role=role, is_enabled=True)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, summary=user.email, after=audit.snapshot(user, FIELDS))
    _push(user)
    return user


def _push(user: User) -> None:
    """Queue the user for Watcher: subscribers always, others if Watcher already knows them."""
    if user.role == ROLE_SUBSCRIBER or user.watcher_id is not None:
        outbox.enqueue(user)


def create_owner_from_email(email: str) -> User:
    """Create the subscriber who will own a new organization, from an e-mail address only.

    The user has no password yet; the view e-mails an activation link once the
    organization is committed (see :func:`portal.account.service.send_link`).
    """
    try:
        return create_user(email, role=ROLE_SUBSCRIBER)
    except DomainError as error:
        raise DomainError(
            _("A user with this e-mail already exists; choose them in the Owner list."), field="owner_email"
        ) from error


def update_user(user: User, email: str, name: str, role: str, actor: User | None = None) -> User:
    """Change a user's login, name and role; an admin cannot drop their own admin role."""
    email = normalize_email(email)
    _check_email_free(email, user.id)
    _check_role(role)
    if actor is not None and actor.id == user.id and user.role == ROLE_ADMIN and role != ROLE_ADMIN:
        raise DomainError(_("You cannot remove your own admin role."), field="role")
    before = audit.snapshot(user, FIELDS)
    if (email, role) != (user.email, user.role):
        user.end_sessions()  # a new login or role: sessions issued for the old one end
    user.email, user.name, user.role = email, name.strip(), role
    db.session.flush()
    audit.record("user.update", "user", user.id, summary=user.email, before=before, after=audit.snapshot(user, FIELDS))
    _push(user)
    return user


def set_enabled(user: User, enabled: bool, actor: User | None = None) -> User:
    """Enable or disable a user (a disabled user cannot log in); nobody can disable themselves."""
    if not enabled and actor is not None and actor.id == user.id:
        raise DomainError(_("You cannot disable your own account."))
    if user.is_enabled == enabled:
        return user
    before = audit.snapshot(user, ("is_enabled",))
    user.is_enabled = enabled
    if not enabled:
        user.end_sessions()
    db.session.flush()
    audit.record(
        "user.enable" if enabled else "user.disable",
        "user",
        user.id,
        summary=user.email,
        before=before,
        after=audit.snapshot(user, ("is_enabled",)),
    )
    _push(user)
    return user
