"""Services (priced building blocks), tariffs and their effective-dated prices."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.billing.pricing import price_in_force
from portal.i18n import N_
from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.sync import WatcherSyncMixin

KIND_CONTINUOUS = "continuous_archive"
KIND_EVENT = "event_archive"
KIND_SPACE = "archive_space"
KIND_ANALYTICS = "analytics"
KIND_OTHER = "other"
SERVICE_KINDS = {
    KIND_CONTINUOUS: N_("Continuous archive"),
    KIND_EVENT: N_("Event archive"),
    KIND_SPACE: N_("Archive space cap"),
    KIND_ANALYTICS: N_("Video analytics"),
    KIND_OTHER: N_("Other"),
}
#: one sentence per kind: what it sets in the camera's Watcher preset
KIND_HELP = {
    KIND_CONTINUOUS: N_("Days of continuous recording kept for each camera (Watcher preset dvr.expiration)."),
    KIND_EVENT: N_(
        "Extra days that recorded event episodes are kept beyond the continuous archive "
        "(Watcher preset dvr.episodes_expiration)."
    ),
    KIND_SPACE: N_(
        "Disk space cap for a camera's whole archive, continuous recording and events together, "
        "in GB (Watcher preset dvr.storage_limit)."
    ),
    KIND_ANALYTICS: N_(
        "Video analytics run on the camera: face or licence-plate recognition (Watcher preset vision.alg)."
    ),
    KIND_OTHER: N_("A priced service that changes nothing in Watcher (for example support or installation)."),
}
ANALYTICS = {"faces": N_("Face recognition"), "plates": N_("Licence-plate recognition")}

tariff_services = Table(
    "tariff_services",
    Base.metadata,
    Column("tariff_id", ForeignKey("tariffs.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="RESTRICT"), primary_key=True),
)


class Service(Base):
    """A priced building block with a monthly price per camera."""

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('continuous_archive', 'event_archive', 'archive_space', 'analytics', 'other')", name="kind_known"
        ),
        CheckConstraint("monthly_price_minor >= 0", name="price_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
        CheckConstraint("kind <> 'continuous_archive' OR archive_days > 0", name="continuous_has_days"),
        CheckConstraint("kind <> 'event_archive' OR (archive_days > 0 AND archive_gb IS NULL)", name="event_has_days"),
        CheckConstraint("kind <> 'archive_space' OR (archive_gb > 0 AND archive_days IS NULL)", name="space_has_gb"),
        CheckConstraint("kind <> 'analytics' OR analytics IN ('faces', 'plates')", name="analytics_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    archive_days: Mapped[int | None] = mapped_column(Integer)
    archive_gb: Mapped[int | None] = mapped_column(Integer)
    analytics: Mapped[str | None] = mapped_column(String(20))
    monthly_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def kind_label(self) -> str:
        """Human label of the kind."""
        return SERVICE_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.name!r}>"


class Tariff(WatcherSyncMixin, Base):
    """A named set of services sold per camera per month; maps 1:1 to a Watcher preset."""

    __tablename__ = "tariffs"
    __table_args__ = (
        CheckConstraint("length(currency) = 3", name="currency_iso"),
        CheckConstraint("price_mode IN ('sum', 'override')", name="price_mode_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    price_mode: Mapped[str] = mapped_column(String(10), default="sum")
    is_default_offer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    services: Mapped[list[Service]] = relationship(secondary=tariff_services, order_by="Service.name")
    prices: Mapped[list[TariffPrice]] = relationship(
        back_populates="tariff", order_by="TariffPrice.effective_from", cascade="all, delete-orphan"
    )

    def price_on(self, day: date) -> TariffPrice | None:
        """The price version in force on ``day`` (None before the first one): the engine's rule."""
        return price_in_force(self.prices, day)

    def __repr__(self) -> str:
        return f"<Tariff {self.id} {self.name!r}>"


class TariffPrice(Base):
    """One price version: the monthly price per camera from a local date on."""

    __tablename__ = "tariff_prices"
    __table_args__ = (
        UniqueConstraint("tariff_id", "effective_from", name="uq_tariff_prices_tariff_from"),
        CheckConstraint("amount_minor >= 0", name="price_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariffs.id", ondelete="CASCADE"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tariff: Mapped[Tariff] = relationship(back_populates="prices")
