"""CSV of a usage report: the per-camera rows, then the lines and the total."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from portal.billing import from_minor
from portal.csvsafe import SafeWriter
from portal.usages.report import UsageReport


def report_csv(report: UsageReport) -> str:
    """Two sections in one file: ``cameras`` rows and ``lines`` rows, amounts as plain decimals."""
    tz = ZoneInfo(report.timezone)
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(
        ["section", "organization", "camera", "title", "tariff", "trial", "from", "to", "seconds", "amount", "currency"]
    )
    for row in report.rows:
        writer.writerow(
            [
                "camera",
                row.organization_title,
                row.camera_name,
                row.camera_title,
                row.tariff_name,
                "yes" if row.is_trial else "no",
                row.started_at.astimezone(tz).isoformat(),
                row.ended_at.astimezone(tz).isoformat(),
                row.seconds,
                f"{row.amount}",
                report.currency,
            ]
        )
    writer.writerow([])
    writer.writerow(
        ["section", "organization", "tariff", "trial", "unit_price", "cameras", "camera_days", "amount", "currency"]
    )
    for line in report.lines:
        writer.writerow(
            [
                "line",
                line.organization_title,
                line.tariff_name,
                "yes" if line.is_trial else "no",
                from_minor(line.unit_price_minor, report.currency),
                line.cameras,
                f"{line.camera_days}",
                from_minor(line.amount_minor, report.currency),
                report.currency,
            ]
        )
    writer.writerow(["total", "", "", "", "", "", "", from_minor(report.total_minor, report.currency), report.currency])
    return out.getvalue()
