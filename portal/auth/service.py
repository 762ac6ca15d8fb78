"""Authentication rules shared by the login form and Watcher's external-auth endpoint."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.passwords import burn_check


def normalize_email(email: str) -> str:
    """Logins are e-mails compared case-insensitively; store them lower-cased."""
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """Look a user up by login."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def authenticate(email: str, password: str) -> tuple[User | None, str]:
    """Check a login and password in constant time.

    Returns ``(user, "ok")``, ``(None, "unknown")``, ``(None, "wrong")`` or
    ``(None, "disabled")``.  The password hash is always computed once.
    """
    user = find_user(email)
    if user is None or not user.password_hash:
        burn_check(password)  # a real hash check, so both paths cost the same
        return None, "unknown" if user is None else "wrong"
    if not user.check_password(password):
        return None, "wrong"
    if not user.is_enabled:
        return None, "disabled"
    return user, "ok"
