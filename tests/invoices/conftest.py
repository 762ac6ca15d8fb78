"""Fixtures for the Usages and invoice tests: a signed-in admin and a PDF cache per test."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import portal.invoices  # noqa: F401  (attaches the invoice DDL before the schema is created)
from portal.extensions import db
from tests.factories import login, make_admin


@pytest.fixture()
def app_config(tmp_path: Path) -> dict[str, Any]:
    """A private PDF cache directory."""
    return {"INVOICE_CACHE_DIR": str(tmp_path / "invoice-cache")}


@pytest.fixture()
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as admin@example.com."""
    with app.app_context():
        make_admin()
        db.session.commit()
    assert login(client, "admin@example.com").status_code == 302
    return client
