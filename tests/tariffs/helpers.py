"""Helpers for the tariff tests (kept here rather than in the shared factories)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Camera, Organization, Tariff, TariffPrice, UsageInterval
from tests.factories import login, make_admin


def today(tz: str = "UTC") -> date:
    """Today as the pages see it (the test config keeps DEFAULT_TIMEZONE=UTC)."""
    return datetime.now(ZoneInfo(tz)).date()


def as_admin(app: Flask, client: FlaskClient) -> None:
    """Create the admin, commit, and sign in."""
    with app.app_context():
        make_admin("boss@example.com")
        db.session.commit()
    assert login(client, "boss@example.com").status_code == 302


def counts(app: Flask) -> tuple[int, int, int]:
    """(tariffs, price versions, audit events) now in the database."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Tariff, TariffPrice, AuditEvent)  # type: ignore[return-value]
        )


def events(app: Flask, action: str) -> list[dict[str, Any]]:
    """Audit events of one action as plain dicts."""
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        return [{"object_id": e.object_id, "before": e.before, "after": e.after, "actor": e.actor_label} for e in rows]


def make_usage(org: Organization, tariff: Tariff, name: str = "cam-1") -> UsageInterval:
    """A camera of ``org`` with one open usage interval on ``tariff`` (the camera itself has no tariff)."""
    camera = Camera(name=name, title=name, organization_id=org.id)
    db.session.add(camera)
    db.session.flush()
    interval = UsageInterval(
        camera_id=camera.id,
        organization_id=org.id,
        tariff_id=tariff.id,
        started_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    )
    db.session.add(interval)
    db.session.flush()
    return interval
