"""Invoices, their lines and the per-camera annex."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.billing.errors import UnknownCurrency
from portal.billing.money import exponent
from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.organization import Organization


class InvoiceStatus(StrEnum):
    """An invoice's lifecycle state (stored as these strings)."""

    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


INVOICE_STATES = tuple(status.value for status in InvoiceStatus)


def _minor_units_of_currency(context: Any) -> int:
    """Default of ``Invoice.minor_units``: the ISO 4217 minor unit of the row's currency.

    The service sets it explicitly from the engine; this covers rows written directly.
    """
    currency = context.get_current_parameters().get("currency")
    try:
        return exponent(currency)
    except UnknownCurrency:
        return 2


class Invoice(Base):
    """A bill for one organization (with subsidiaries billed to it) and one period."""

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'issued', 'paid', 'void')", name="status_known"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("subtotal_minor >= 0 AND tax_minor >= 0 AND total_minor >= 0", name="amounts_not_negative"),
        CheckConstraint("total_minor = subtotal_minor + tax_minor", name="total_adds_up"),
        CheckConstraint("status = 'draft' OR number IS NOT NULL", name="issued_has_number"),
        CheckConstraint("status <> 'void' OR void_reason IS NOT NULL", name="void_has_reason"),
        CheckConstraint("length(currency) = 3", name="currency_iso"),
        CheckConstraint("minor_units BETWEEN 0 AND 6", name="minor_units_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=InvoiceStatus.DRAFT.value)
    #: The time zone the period was computed in, and the period as UTC instants ``[start, end)``
    #: for the paying organization; fixed with the invoice (an organization that later changes
    #: its zone changes nothing here).  Empty only on rows from before they were recorded.
    timezone: Mapped[str | None] = mapped_column(String(64))
    period_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    currency: Mapped[str] = mapped_column(String(3))
    #: The ISO 4217 minor unit the amounts were computed in, frozen with them: a later update of
    #: the currency table never changes what an issued invoice says.
    minor_units: Mapped[int] = mapped_column(Integer, default=_minor_units_of_currency)
    subtotal_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(200))
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bill_to: Mapped[str] = mapped_column(Text, default="")
    #: JSON, frozen at issue (portal/invoices/documents.py): the seller's and the buyer's details
    #: as they were, and the taxes per rate.  Empty on drafts and on rows from before they existed.
    seller_snapshot: Mapped[str | None] = mapped_column(Text)
    buyer_snapshot: Mapped[str | None] = mapped_column(Text)
    tax_breakdown: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    cameras: Mapped[list[InvoiceCameraLine]] = relationship(
        back_populates="invoice", order_by="InvoiceCameraLine.position", cascade="all, delete-orphan"
    )
    coverage: Mapped[list[InvoiceCoverage]] = relationship(
        back_populates="invoice", order_by="InvoiceCoverage.organization_id", cascade="all, delete-orphan"
    )


class InvoiceLine(Base):
    """One tariff at one price version: cameras, camera-days, unit price, amount."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        CheckConstraint("amount_minor >= 0 AND unit_price_minor >= 0", name="amounts_not_negative"),
        UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    tariff_id: Mapped[int | None] = mapped_column(ForeignKey("tariffs.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(300))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    cameras: Mapped[int] = mapped_column(Integer)
    camera_days: Mapped[str] = mapped_column(Numeric(14, 4))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    is_trial: Mapped[bool] = mapped_column(default=False)
    #: The list price when the organization pays an individual price (unit_price_minor) instead.
    list_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    #: The tax rate of this line (None: the default rate of organizations without a tax).
    tax_name: Mapped[str | None] = mapped_column(String(80))
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoiceCameraLine(Base):
    """The annex: one camera's use of one tariff within the invoice period."""

    __tablename__ = "invoice_camera_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    organization_title: Mapped[str] = mapped_column(String(200))
    camera_name: Mapped[str] = mapped_column(String(255))
    camera_title: Mapped[str] = mapped_column(String(255), default="")
    tariff_name: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[int] = mapped_column(Integer)
    amount: Mapped[str] = mapped_column(Numeric(18, 6))
    is_trial: Mapped[bool] = mapped_column(default=False)

    invoice: Mapped[Invoice] = relationship(back_populates="cameras")


class InvoiceCoverage(Base):
    """The instants ``[start_at, end_at)`` of one organization's usage that an invoice carries.

    One row per organization of the invoice's scope (the payer and every subsidiary billed
    to it).  The database refuses two non-voided rows of one organization that overlap
    (see :mod:`portal.models.coverage_rules`): no instant of usage is billed twice, whatever
    time zones the invoices were computed in.  Voiding an invoice sets ``voided``.
    """

    __tablename__ = "invoice_coverage"
    __table_args__ = (CheckConstraint("end_at > start_at", name="ordered"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voided: Mapped[bool] = mapped_column(default=False)

    invoice: Mapped[Invoice] = relationship(back_populates="coverage")


class InvoiceSequence(Base):
    """Gapless invoice numbering: one row per year, incremented under a row lock."""

    __tablename__ = "invoice_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
