"""The operator's identity on documents, tax rates and each organization's own terms.

* :class:`OperatorProfile`: one row (id 1), the seller on every invoice; its logo is a
  :class:`DocumentLogo`, stored by content hash and never changed or deleted, so an issued
  invoice's frozen seller snapshot can keep pointing at the logo it was issued with.
* :class:`Tax` / :class:`TaxRate`: named taxes ("IVA", "НДС") with effective-dated rates in
  basis points (2100 = 21 %), like tariffs and their price versions.
* :class:`OrganizationTerms`: an organization's tax, its tax ID and an exemption or
  reverse-charge note printed on its invoices.
* :class:`IndividualPrice`: an organization's own price of a tariff from a local date on
  (override, percentage or fixed discount, or back to list); see :mod:`portal.billing.terms`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow

ADJUSTMENT_KINDS = ("list", "override", "percent", "fixed")


class DocumentLogo(Base):
    """An uploaded logo image (PNG or JPEG), addressed by the SHA-256 of its bytes."""

    __tablename__ = "document_logos"
    __table_args__ = (CheckConstraint("mime IN ('image/png', 'image/jpeg')", name="mime_known"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OperatorProfile(Base):
    """The operator's legal identity, printed as the seller on every document (one row)."""

    __tablename__ = "operator_profiles"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    tax_id: Mapped[str] = mapped_column(String(64), default="")
    registration: Mapped[str] = mapped_column(Text, default="")
    payment_details: Mapped[str] = mapped_column(Text, default="")
    footer: Mapped[str] = mapped_column(Text, default="")
    logo_sha256: Mapped[str | None] = mapped_column(ForeignKey("document_logos.sha256", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    logo: Mapped[DocumentLogo | None] = relationship()


class Tax(Base):
    """A named tax whose rate changes over time through :class:`TaxRate` versions."""

    __tablename__ = "taxes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rates: Mapped[list[TaxRate]] = relationship(
        back_populates="tax", order_by="TaxRate.effective_from", cascade="all, delete-orphan"
    )


class TaxRate(Base):
    """A tax's rate in basis points from a local date on."""

    __tablename__ = "tax_rates"
    __table_args__ = (
        UniqueConstraint("tax_id", "effective_from", name="uq_tax_rates_tax_from"),
        CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tax_id: Mapped[int] = mapped_column(ForeignKey("taxes.id", ondelete="CASCADE"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    rate_bp: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tax: Mapped[Tax] = relationship(back_populates="rates")


class OrganizationTerms(Base):
    """An organization's tax, tax ID and exemption/reverse-charge note (one row per organization)."""

    __tablename__ = "organization_terms"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    tax_id: Mapped[int | None] = mapped_column(ForeignKey("taxes.id", ondelete="RESTRICT"), index=True)
    customer_tax_id: Mapped[str] = mapped_column(String(64), default="")
    tax_note: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tax: Mapped[Tax | None] = relationship()


class IndividualPrice(Base):
    """An organization's own monthly unit price of a tariff, from a local date on."""

    __tablename__ = "individual_prices"
    __table_args__ = (
        UniqueConstraint("organization_id", "tariff_id", "effective_from", name="uq_individual_prices_org_tariff_from"),
        CheckConstraint("kind IN ('list', 'override', 'percent', 'fixed')", name="kind_known"),
        CheckConstraint("value >= 0 AND (kind <> 'percent' OR value <= 10000)", name="value_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariffs.id", ondelete="CASCADE"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    #: override/fixed: minor units in the tariff's currency; percent: basis points off; list: 0.
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
