"""Cameras mirrored from Watcher and the usage ledger bills are made from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.organization import Organization
from portal.models.tariff import Tariff


class Camera(Base):
    """A Watcher stream as the portal knows it: no URLs, no video, only what bills need."""

    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    # The organization and tariff the camera maps to now: a projection of Watcher's organization
    # and preset through Organization.watcher_id and Tariff.watcher_id, without foreign keys
    # (migration a12a00000004).  A foreign key is checked row by row and a first sync inserts
    # every camera of the operator: the two checks cost PostgreSQL a fifth of that pull.  These
    # columns hold no money and no history; the pull derives them from the organizations and
    # tariffs it reads in the same transaction and rewrites them whenever the mapping changes,
    # so an id that stops existing (a tariff deleted while unused) is cleared by the next pull.
    # The ledger (usage_intervals), which bills, keeps every foreign key.
    organization_id: Mapped[int | None] = mapped_column(Integer, index=True)
    tariff_id: Mapped[int | None] = mapped_column(Integer, index=True)
    watcher_organization_id: Mapped[int | None] = mapped_column(Integer)
    watcher_preset_id: Mapped[int | None] = mapped_column(Integer)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    watcher_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    missing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization | None] = relationship(
        primaryjoin="foreign(Camera.organization_id) == Organization.id", viewonly=True
    )
    tariff: Mapped[Tariff | None] = relationship(primaryjoin="foreign(Camera.tariff_id) == Tariff.id", viewonly=True)


#: Every pull rewrites each listed camera's ``last_seen_at``.  Pages kept half empty let
#: PostgreSQL write the new row version beside the old one (a heap-only update: no index
#: entries, the old version pruned in place) instead of on another page with an entry in
#: every index, which halves what a re-sync costs the database.  Migration a12a00000003.
CAMERAS_FILLFACTOR = "ALTER TABLE cameras SET (fillfactor = 50)"
event.listen(Camera.__table__, "after_create", DDL(CAMERAS_FILLFACTOR).execute_if(dialect="postgresql"))


class UsageInterval(Base):
    """(camera, organization, tariff, started_at, ended_at or open): one stretch of billable use."""

    __tablename__ = "usage_intervals"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ordered"),
        Index(
            "uq_usage_intervals_one_open_per_camera",
            "camera_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_usage_intervals_org_period", "organization_id", "started_at", "ended_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="RESTRICT"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariffs.id", ondelete="RESTRICT"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    camera: Mapped[Camera] = relationship()
    organization: Mapped[Organization] = relationship()
    tariff: Mapped[Tariff] = relationship()
