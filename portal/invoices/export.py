"""CSV of a stored invoice: its frozen lines, the totals and the camera annex."""

from __future__ import annotations

import io
from decimal import Decimal

from portal.billing import from_minor
from portal.csvsafe import SafeWriter
from portal.models import Invoice


def invoice_csv(invoice: Invoice) -> str:
    """Lines (tariff, unit price, cameras, camera-days, amount), totals, then the annex."""
    cur = invoice.currency
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
                from_minor(line.unit_price_minor, cur),
                line.cameras,
                f"{line.camera_days}",
                from_minor(line.amount_minor, cur),
            ]
        )
    writer.writerow(["subtotal", "", "", "", "", "", from_minor(invoice.subtotal_minor, cur)])
    writer.writerow(
        ["tax", f"{Decimal(invoice.tax_rate_bp).scaleb(-2)} %", "", "", "", "", from_minor(invoice.tax_minor, cur)]
    )
    writer.writerow(["total", "", "", "", "", "", from_minor(invoice.total_minor, cur)])
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
