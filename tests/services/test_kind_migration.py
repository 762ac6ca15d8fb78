"""The service-kind migration carries services over, says what it changed, and waits for the admin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select, text

from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent, OutboxItem, Service, Tariff
from portal.sync import service as sync_service
from portal.sync.presets import GB, preset_spec
from tests.conftest import fresh_database, make_config

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
BEFORE = "7c3e5b1a9d20"


@pytest.fixture()
def old_app(tmp_path: Path) -> Iterator[Flask]:
    with fresh_database(tmp_path) as url:
        app = create_app(make_config(url, WATCHER_URL=""))
        with app.app_context():
            upgrade(directory=MIGRATIONS, revision=BEFORE)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _seed(app: Flask) -> None:
    now = "2026-01-01 00:00:00"
    with app.app_context():
        for sid, name, kind, days, gb in [
            (1, "Archive 30", "continuous_archive", 30, None),
            (2, "Events 50 GB", "event_archive", None, 50),
            (3, "Events 7d + 20 GB", "event_archive", 7, 20),
            (4, "Events 14d", "event_archive", 14, None),
        ]:
            db.session.execute(
                text(
                    "INSERT INTO services (id, name, kind, archive_days, archive_gb, monthly_price_minor, currency,"
                    " description, created_at, updated_at) VALUES (:i, :n, :k, :d, :g, 300, 'EUR', '', :t, :t)"
                ),
                {"i": sid, "n": name, "k": kind, "d": days, "g": gb, "t": now},
            )
        for tid, name in [(1, "Pro"), (2, "Basic")]:
            db.session.execute(
                text(
                    "INSERT INTO tariffs (id, name, note, currency, price_mode, is_default_offer, is_archived,"
                    " sync_state, created_at, updated_at) VALUES (:i, :n, '', 'EUR', 'sum', false, false,"
                    " 'synced', :t, :t)"
                ),
                {"i": tid, "n": name, "t": now},
            )
        for tid, sid in [(1, 1), (1, 2), (1, 3), (2, 1), (2, 4)]:
            db.session.execute(
                text("INSERT INTO tariff_services (tariff_id, service_id) VALUES (:t, :s)"), {"t": tid, "s": sid}
            )
        if db.engine.dialect.name == "postgresql":  # the ids above were given explicitly
            for table in ("services", "tariffs"):
                db.session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
        db.session.commit()


def test_migration_carries_services_over_and_waits_for_confirmation(
    old_app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(old_app)
    with old_app.app_context():
        upgrade(directory=MIGRATIONS)
    printed = capsys.readouterr().out
    assert "service #2 Events 50 GB: event archive 50 GB -> archive space cap 50 GB" in printed
    assert "service #3 Events 7d + 20 GB" in printed and "Events 14d" not in printed
    assert "2 service(s) changed; 1 tariff preset(s) wait for confirmation" in printed
    with old_app.app_context():
        services = {s.name: s for s in db.session.scalars(select(Service))}
        assert (services["Events 50 GB"].kind, services["Events 50 GB"].archive_gb) == ("archive_space", 50)
        split = services["Events 7d + 20 GB"]
        assert (split.kind, split.archive_days, split.archive_gb, split.monthly_price_minor) == (
            "event_archive",
            7,
            None,
            300,
        )  # the price stays where it was
        cap = services["Events 7d + 20 GB (space cap)"]
        assert (cap.kind, cap.archive_gb, cap.monthly_price_minor) == ("archive_space", 20, 0)
        pro = db.session.get(Tariff, 1)
        assert {s.name for s in pro.services} == {
            "Archive 30",
            "Events 50 GB",
            "Events 7d + 20 GB",
            "Events 7d + 20 GB (space cap)",
        }
        spec = preset_spec(pro)  # the same Watcher values as before the migration
        assert (spec.expiration, spec.episodes_expiration, spec.storage_limit) == (30 * 86400, 7 * 86400, 50 * GB)
        audits = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(a.action, a.object_id) for a in audits] == [
            ("service.kind_migrated", 2),
            ("service.kind_migrated", 3),
            ("tariff.preset_review", 1),
        ]
        assert db.session.scalar(select(OutboxItem)) is None  # nothing pushed by the migration itself
        assert [t.name for t in sync_service.presets_awaiting_confirmation()] == ["Pro"]
        assert sync_service.confirm_presets() == 1
        db.session.commit()
        assert sync_service.presets_awaiting_confirmation() == []
        item = db.session.scalar(select(OutboxItem))
        assert (item.object_type, item.object_id) == ("tariff", 1)
