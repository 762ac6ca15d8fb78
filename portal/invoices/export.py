"""CSV of a stored invoice: its frozen lines, the totals and the camera annex."""

from __future__ import annotations

import io
from decimal import Decimal

from portal.csvsafe import SafeWriter
from portal.invoices.documents import taxes_of
from portal.models import Invoice


def _major(minor: int, places: int) -> Decimal:
    """Minor units in major units with the invoice's frozen minor unit (1250, 2 -> 12.50)."""
    sign, digits, _ = Decimal(minor).as_tuple()
    return Decimal((sign, digits, -places)) if places else Decimal(minor)


def invoice_csv(invoice: Invoice) -> str:
    """Lines (tariff, unit price, cameras, camera-days, amount), totals, then the annex."""
    cur, places = invoice.currency, invoice.minor_units
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(
        [
            "invoice",
            invoice.number or f"draft-{invoice.id}",
            "period",
            invoice.period_start.isoformat(),
            invoice.period_end.isoformat(),
            "currency",
            cur,
        ]
    )
    writer.writerow(["section", "description", "trial", "unit_price", "cameras", "camera_days", "amount"])
    for line in invoice.lines:
        writer.writerow(
            [
                "line",
                line.description,
                "yes" if line.is_trial else "no",
                _major(line.unit_price_minor, places),
                line.cameras,
                f"{line.camera_days}",
                _major(line.amount_minor, places),
            ]
        )
    writer.writerow(["subtotal", "", "", "", "", "", _major(invoice.subtotal_minor, places)])
    taxes = taxes_of(invoice) or [{"name": "", "rate_bp": invoice.tax_rate_bp, "tax_minor": invoice.tax_minor}]
    for tax in taxes:  # one row per rate, each rounded once (issue #15)
        label = (f"{tax['name']} " if tax["name"] else "") + f"{Decimal(tax['rate_bp']).scaleb(-2)} %"
        writer.writerow(["tax", label, "", "", "", "", _major(tax["tax_minor"], places)])
    writer.writerow(["total", "", "", "", "", "", _major(invoice.total_minor, places)])
    writer.writerow([])
    writer.writerow(
        ["section", "organization", "camera", "title", "tariff", "trial", "from_utc", "to_utc", "seconds", "amount"]
    )
    for cam in invoice.cameras:
        writer.writerow(
            [
                "camera",
                cam.organization_title,
                cam.camera_name,
                cam.camera_title,
                cam.tariff_name,
                "yes" if cam.is_trial else "no",
                cam.started_at.isoformat(),
                cam.ended_at.isoformat(),
                cam.seconds,
                f"{cam.amount}",
            ]
        )
    return out.getvalue()
