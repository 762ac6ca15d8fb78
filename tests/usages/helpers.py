"""Ledger builders for usage and invoice tests (add and flush, like tests/factories.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import count

from portal.extensions import db
from portal.models import Camera, Organization, Tariff, UsageInterval

_seq = count(1)
UTC = timezone.utc


def utc(*parts: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def use(
    org: Organization, tariff: Tariff, start: datetime, end: datetime | None, name: str | None = None, title: str = ""
) -> Camera:
    """A camera of ``org`` that used ``tariff`` from ``start`` to ``end`` (None = still running)."""
    camera = Camera(
        name=name or f"cam-{next(_seq):04d}", title=title or "", organization_id=org.id, tariff_id=tariff.id
    )
    db.session.add(camera)
    db.session.flush()
    db.session.add(
        UsageInterval(camera_id=camera.id, organization_id=org.id, tariff_id=tariff.id, started_at=start, ended_at=end)
    )
    db.session.flush()
    return camera


def golden_september(org: Organization, tariff: Tariff, prefix: str = "") -> None:
    """3 cameras for all of September 2026 + 1 camera for 10 days: at €9.00, €30.00."""
    for n in range(3):
        use(org, tariff, utc(2026, 8, 20), utc(2026, 10, 5), name=f"{prefix}full-{n}", title=f"Full {n}")
    use(org, tariff, utc(2026, 9, 11), utc(2026, 9, 21), name=f"{prefix}part-0", title="Ten days")
