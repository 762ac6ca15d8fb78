"""The Sync page is honest about failures, and the worker logs them with tracebacks."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import MAIL_FAILED, MailItem, OutboxItem, SyncRun, utcnow
from tests.factories import make_org


def test_sync_page_shows_failing_items_with_the_last_error_and_its_time(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        org = make_org("Acme")
        now = utcnow()
        db.session.add(
            SyncRun(direction="push", started_at=now, finished_at=now, ok=True, counts={"delivered": 0, "failed": 0})
        )
        db.session.add(
            OutboxItem(
                kind="upsert",
                object_type="organization",
                object_id=org.id,
                attempts=3,
                last_error="Watcher answered 503 Service Unavailable",
                last_error_at=now - timedelta(minutes=2),
                next_attempt_at=now + timedelta(minutes=5),
            )
        )
        db.session.add(
            MailItem(
                kind="message",
                recipient="a@example.com",
                state=MAIL_FAILED,
                attempts=10,
                last_error="SMTP refused: 554",
                last_error_at=now,
            )
        )
        db.session.commit()
    page = admin_client.get("/admin/sync/").get_data(as_text=True)
    assert "1 failing" in page and "Failing: 1 change(s)" in page
    assert "Watcher answered 503 Service Unavailable" in page
    assert (now - timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M") in page
    assert "1 given up" in page and "SMTP refused: 554" in page


def test_worker_logs_errors_with_tracebacks(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    app.config["WATCHER_URL"] = ""
    with caplog.at_level(logging.WARNING, logger="portal.worker"):
        result = app.test_cli_runner().invoke(args=["watcher", "worker", "--interval", "0", "--rounds", "1"])
    assert result.exit_code == 0
    records = [r for r in caplog.records if r.name == "portal.worker"]
    assert records and all(r.exc_info is not None for r in records)
