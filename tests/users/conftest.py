"""Fixtures for the organization admin pages: a logged-in admin client."""
from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
import pytest

from portal.extensions import db
from tests.factories import login, make_admin


@pytest.fixture()
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as admin@example.com."""
    with app.app_context():
        make_admin()
        db.session.commit()
    assert login(client, "admin@example.com").status_code == 302
    return client
