"""Fixtures for the dashboard tests: a frozen clock (admin_client comes from tests/conftest.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.dashboard.data import NOW


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The dashboards compute "today" from this instant (2026-03-15 12:00 UTC)."""
    monkeypatch.setattr("portal.dashboard.views.utcnow", lambda: NOW)
    return NOW
