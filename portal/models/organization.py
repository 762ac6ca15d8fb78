"""Organizations (subscriber accounts) and their hierarchy.

The hierarchy is guarded by the schema itself: every row stores its ``depth``
and its parent's depth (``parent_depth``), a composite foreign key ties
``(parent_id, parent_depth)`` to the parent's ``(id, depth)`` and a check keeps
``depth = parent_depth + 1``.  Depth strictly grows along every parent link,
so a cycle cannot exist, and ``depth <= MAX_DEPTH`` limits the tree.  The key is
deferred so a whole subtree can be moved in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.sync import WatcherSyncMixin

if TYPE_CHECKING:
    from portal.models.tariff import Tariff
    from portal.models.user import Membership, User

#: Deepest allowed level: 0 = top-level, so three levels in all.
MAX_DEPTH = 2

organization_tariffs = Table(
    "organization_tariffs",
    Base.metadata,
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("tariff_id", ForeignKey("tariffs.id", ondelete="CASCADE"), primary_key=True),
)


class Organization(WatcherSyncMixin, Base):
    """A subscriber's account, billed for its cameras."""

    __tablename__ = "organizations"
    __table_args__ = (
        UniqueConstraint("id", "depth", name="uq_organizations_id_depth"),
        ForeignKeyConstraint(
            ["parent_id", "parent_depth"],
            ["organizations.id", "organizations.depth"],
            name="fk_organizations_parent",
            deferrable=True,
            initially="DEFERRED",
        ),
        CheckConstraint(f"depth >= 0 AND depth <= {MAX_DEPTH}", name="depth_limit"),
        CheckConstraint(
            "(parent_id IS NULL AND parent_depth IS NULL AND depth = 0) OR "
            "(parent_id IS NOT NULL AND parent_depth IS NOT NULL AND depth = parent_depth + 1)",
            name="depth_follows_parent",
        ),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("camera_limit IS NULL OR camera_limit >= 0", name="camera_limit_not_negative"),
        CheckConstraint("user_limit IS NULL OR user_limit >= 0", name="user_limit_not_negative"),
        CheckConstraint("trial_end IS NULL OR trial_start IS NULL OR trial_end >= trial_start", name="trial_ordered"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    parent_depth: Mapped[int | None] = mapped_column(Integer)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    trial_start: Mapped[date | None] = mapped_column(Date)
    trial_end: Mapped[date | None] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: When the time zone last changed (set by an ORM event): only then can a period's window
    #: start at the end of the last invoiced one (portal/invoices/coverage.py).
    timezone_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    camera_limit: Mapped[int | None] = mapped_column(Integer)
    user_limit: Mapped[int | None] = mapped_column(Integer)
    billing_contact: Mapped[str] = mapped_column(Text, default="")
    #: Where invoices, reminders and receipts go; empty means the owner's address.
    billing_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    invoice_to_parent: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The language of the organization's documents (invoices, credit notes, statements, reminders).
    document_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Organization | None] = relationship(
        remote_side=[id],
        foreign_keys=[parent_id],
        primaryjoin="Organization.parent_id == Organization.id",
        back_populates="children",
    )
    children: Mapped[list[Organization]] = relationship(
        foreign_keys=[parent_id],
        primaryjoin="Organization.parent_id == Organization.id",
        back_populates="parent",
        order_by="Organization.title",
    )
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    allowed_tariffs: Mapped[list[Tariff]] = relationship(secondary=organization_tariffs, order_by="Tariff.name")
    memberships: Mapped[list[Membership]] = relationship(back_populates="organization", cascade="all, delete-orphan")

    def is_in_trial(self, day: date) -> bool:
        """True when ``day`` (a local date) lies in the trial, both ends inclusive."""
        if self.trial_start is None or self.trial_end is None:
            return False
        return self.trial_start <= day <= self.trial_end

    @property
    def billing_address(self) -> str:
        """The e-mail address billing mail goes to: the billing contact's, else the owner's ("" if none)."""
        if self.billing_email:
            return self.billing_email
        return self.owner.email if self.owner is not None else ""

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.title!r}>"


@event.listens_for(Organization.timezone, "set", active_history=True)
def _timezone_changed(target: Organization, value: Any, oldvalue: Any, _initiator: Any) -> None:
    """Record when an existing organization's time zone changes (not on creation or loading)."""
    if isinstance(oldvalue, str) and value != oldvalue:
        target.timezone_changed_at = utcnow()
