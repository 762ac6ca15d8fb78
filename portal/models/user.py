"""Portal users and their per-organization rights."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.i18n import N_
from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.sync import WatcherSyncMixin
from portal.passwords import hash_password, verify_password

if TYPE_CHECKING:
    from portal.models.organization import Organization

ROLE_ADMIN = "admin"
ROLE_SUBSCRIBER = "subscriber"
#: Read-only finance: sees every organization's money, changes only payments and credit notes.
ROLE_ACCOUNTANT = "accountant"
ROLES = (ROLE_ADMIN, ROLE_SUBSCRIBER, ROLE_ACCOUNTANT)

#: Rights mirrored into Watcher (organization member flags) and the portal-only one.
WATCHER_RIGHTS = ("can_view_streams", "can_edit_streams", "can_edit_users", "can_view_stats")
RIGHTS = WATCHER_RIGHTS + ("can_view_invoices",)
RIGHT_LABELS = {  # English; translated where shown
    "can_view_streams": N_("View cameras"),
    "can_edit_streams": N_("Edit cameras"),
    "can_edit_users": N_("Edit users"),
    "can_view_stats": N_("View statistics"),
    "can_view_invoices": N_("View invoices"),
}


class User(UserMixin, WatcherSyncMixin, Base):
    """A person who logs in; the e-mail is the login in the portal and in Watcher."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'subscriber', 'accountant')", name="role_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=ROLE_SUBSCRIBER)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Part of every session and remember cookie; bumping it signs the user out everywhere.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: The interface language ("en", "es", "ru"; portal/i18n.py); None follows the browser.
    language: Mapped[str | None] = mapped_column(String(8))

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_admin(self) -> bool:
        """True for billing admins."""
        return self.role == ROLE_ADMIN

    @property
    def is_accountant(self) -> bool:
        """True for the read-only finance role."""
        return self.role == ROLE_ACCOUNTANT

    @property
    def is_finance(self) -> bool:
        """True for those who see every organization's money: admins and accountants."""
        return self.role in (ROLE_ADMIN, ROLE_ACCOUNTANT)

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled users cannot log in
        return bool(self.is_enabled)

    def get_id(self) -> str:
        """Flask-Login's id: ``"<id>:<session_version>"``, so a rotated version voids old cookies."""
        return f"{self.id}:{self.session_version or 1}"

    def end_sessions(self) -> None:
        """Void every session and remember cookie issued so far (flushes nothing; caller commits)."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def display_name(self) -> str:
        """Name if known, else the e-mail."""
        return self.name or self.email

    def set_password(self, password: str) -> None:
        """Hash and store ``password`` (scrypt by default; see ``PASSWORD_HASH_METHOD``)."""
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """Compare ``password`` with the stored hash; False when none is set."""
        if not self.password_hash:
            return False
        return verify_password(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(Base):
    """A user's rights in one organization."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    can_view_streams: Mapped[bool] = mapped_column(Boolean, default=True)
    can_edit_streams: Mapped[bool] = mapped_column(Boolean, default=False)
    can_edit_users: Mapped[bool] = mapped_column(Boolean, default=False)
    can_view_stats: Mapped[bool] = mapped_column(Boolean, default=False)
    can_view_invoices: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships")

    def rights(self) -> dict[str, bool]:
        """The rights as a name -> flag mapping."""
        return {name: bool(getattr(self, name)) for name in RIGHTS}
