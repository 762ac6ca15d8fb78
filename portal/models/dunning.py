"""Dunning (issue 14): each organization's policy, its suspension windows, moved cameras.

* :class:`DunningPolicy` — one row per organization that has anything beyond the defaults
  (``portal.settings.DunningSettings``): exemption, overrides, and the warning it was sent.
* :class:`Suspension` — a window ``[started_at, ended_at)`` during which the organization was
  suspended.  At most one open window per organization (a partial unique index), so windows of
  one organization never overlap; the billing read model cuts them out of the billable spans
  (``portal/billing_read.py``), which is why a repeated suspend/restore never bills an instant
  twice and never skips one that was not suspended.
* :class:`SuspendedCamera` — a camera the portal moved to the live-only preset, with the preset
  it had before, so restoration puts back exactly that preset and the pull can tell the
  live-only preset apart from an unknown tariff.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class DunningPolicy(Base):
    """An organization's dunning overrides and state; a missing row means "the defaults"."""

    __tablename__ = "dunning_policies"
    __table_args__ = (
        CheckConstraint("suspend_after_days IS NULL OR suspend_after_days >= 0", name="days_not_negative"),
        CheckConstraint("tolerance_minor IS NULL OR tolerance_minor >= 0", name="tolerance_not_negative"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    suspend_after_days: Mapped[int | None] = mapped_column(Integer)
    tolerance_minor: Mapped[int | None] = mapped_column(BigInteger)
    stop_recording: Mapped[bool | None] = mapped_column(Boolean)
    #: the local date the current warning went out, and the suspension date it announced
    warned_on: Mapped[date | None] = mapped_column(Date)
    suspend_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Suspension(Base):
    """One suspension window of one organization (``payer_id``: whose dues or whose admin action)."""

    __tablename__ = "suspensions"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ordered"),
        Index(
            "uq_suspensions_one_open_per_organization",
            "organization_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_suspensions_org_period", "organization_id", "started_at", "ended_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    stop_recording: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SuspendedCamera(Base):
    """A camera moved to the live-only preset by a suspension, and the preset to put back."""

    __tablename__ = "suspended_cameras"

    camera_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    previous_preset_id: Mapped[int | None] = mapped_column(Integer)
    live_preset_id: Mapped[int] = mapped_column(Integer)
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
