"""Hand-made data for the dashboard tests: cameras with their open interval, invoices."""

from __future__ import annotations

from datetime import date, datetime, timezone
from itertools import count
from typing import Any

from portal.extensions import db
from portal.models import Camera, Invoice, Organization, Tariff, TariffPrice, UsageInterval

_seq = count(1)
#: The instant every dashboard test runs at (the views' clock is frozen to it).
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=timezone.utc)
STARTED = datetime(2026, 1, 10, 8, 0, tzinfo=timezone.utc)


def add_price(tariff: Tariff, effective_from: date, amount_minor: int) -> None:
    """Add a price version to ``tariff`` in its currency."""
    db.session.add(
        TariffPrice(
            tariff_id=tariff.id, effective_from=effective_from, amount_minor=amount_minor, currency=tariff.currency
        )
    )
    db.session.flush()


def make_camera(
    org: Organization | None, tariff: Tariff | None, name: str | None = None, interval: bool = True, **fields: Any
) -> Camera:
    """A camera; with ``interval`` (and an org and a tariff) also its open usage interval."""
    camera = Camera(
        name=name or f"cam-{next(_seq)}",
        title=fields.pop("title", ""),
        organization_id=org.id if org else None,
        tariff_id=tariff.id if tariff else None,
        **fields,
    )
    db.session.add(camera)
    db.session.flush()
    if interval and org is not None and tariff is not None:
        db.session.add(
            UsageInterval(camera_id=camera.id, organization_id=org.id, tariff_id=tariff.id, started_at=STARTED)
        )
        db.session.flush()
    return camera


def make_invoice(
    org: Organization,
    total_minor: int,
    status: str = "issued",
    currency: str = "EUR",
    issue_date: date | None = date(2026, 3, 2),
    due_date: date | None = date(2026, 3, 16),
    period: tuple[date, date] | None = None,
) -> Invoice:
    """An invoice with a total and no lines (enough for the dashboards)."""
    n = next(_seq)
    start, end = period or (date(2000 + n // 12, n % 12 + 1, 1), date(2000 + n // 12, n % 12 + 1, 28))
    invoice = Invoice(
        organization_id=org.id,
        period_start=start,
        period_end=end,
        status=status,
        currency=currency,
        subtotal_minor=total_minor,
        tax_minor=0,
        total_minor=total_minor,
        number=None if status == "draft" else f"INV-{n:05d}",
        issue_date=None if status == "draft" else issue_date,
        due_date=due_date,
        void_reason="issued by mistake" if status == "void" else None,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice
