"""Fixtures for the dashboard tests: a frozen clock and signed-in clients."""
from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from tests.dashboard.data import NOW
from tests.factories import login, make_admin


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The dashboards compute "today" from this instant (2026-03-15 12:00 UTC)."""
    monkeypatch.setattr("portal.dashboard.views.utcnow", lambda: NOW)
    return NOW


@pytest.fixture()
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as admin@example.com."""
    with app.app_context():
        make_admin()
        db.session.commit()
    assert login(client, "admin@example.com").status_code == 302
    return client
