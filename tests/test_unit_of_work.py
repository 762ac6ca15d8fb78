"""One unit of work per request and per job.

Structural: only :mod:`portal.unit_of_work` commits or rolls back the session;
nothing else reads ``current_app.config`` in services.  Behavioural: a request
that fails in the database answers with the portal's error page (security
headers included) and leaves nothing half-written; a refused operation rolls
back; a request that returns normally is committed without the view committing.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import unit_of_work
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Organization, Service
from tests.factories import login, make_admin

PORTAL = Path(__file__).resolve().parents[1] / "portal"
#: The one module that may commit or roll back the session.
ALLOWED = {"unit_of_work.py"}

pytestmark = pytest.mark.fresh_app  # failing_app adds routes: the shared app has served requests


def _offending_calls(source: str, name: str) -> list[str]:
    """``x.commit()`` on anything, and ``x.rollback()`` on a session or connection (not the unit of work's)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = ast.unparse(node.func.value)
        if node.func.attr == "commit" or (node.func.attr == "rollback" and receiver != "unit_of_work"):
            found.append(f"{name}:{node.lineno} {receiver}.{node.func.attr}()")
    return found


def test_only_the_unit_of_work_module_commits_or_rolls_back() -> None:
    offenders = [
        call
        for path in sorted(PORTAL.rglob("*.py"))
        if not (path.name in ALLOWED and path.parent == PORTAL)
        for call in _offending_calls(path.read_text(encoding="utf-8"), str(path.relative_to(PORTAL.parent)))
    ]
    assert offenders == []


def test_the_check_finds_what_it_forbids() -> None:
    assert _offending_calls("db.session.commit()\nx = 1", "a.py") == ["a.py:1 db.session.commit()"]
    assert _offending_calls("conn.commit()\ndb.session.rollback()", "b.py") == [
        "b.py:1 conn.commit()",
        "b.py:2 db.session.rollback()",
    ]
    assert _offending_calls("unit_of_work.rollback()", "c.py") == []
    assert _offending_calls((PORTAL / "unit_of_work.py").read_text(encoding="utf-8"), "uow")


def test_services_read_settings_not_app_config() -> None:
    services = [p for p in PORTAL.rglob("*.py") if p.name in {"service.py", "outbox.py", "pull.py", "run.py"}]
    assert len(services) >= 10
    offenders = [
        str(p.relative_to(PORTAL.parent)) for p in services if "current_app.config" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


@pytest.fixture()
def app_config() -> dict[str, Any]:
    """As in production: errors are answered with the error page, not propagated to the test."""
    return {"PROPAGATE_EXCEPTIONS": False}


@pytest.fixture()
def failing_app(app: Flask) -> Flask:
    """The app with a few routes that fail in the database, refuse, or just save."""

    @app.route("/_test/duplicate-service", methods=["POST"])
    def duplicate_service() -> str:
        db.session.add(Service(name="Twice", kind="other", monthly_price_minor=100, currency="EUR"))
        db.session.flush()
        db.session.add(Service(name="Twice", kind="other", monthly_price_minor=100, currency="EUR"))
        db.session.flush()  # unique name: IntegrityError, the session needs a rollback
        return "not reached"

    @app.route("/_test/refused", methods=["POST"])
    def refused() -> str:
        db.session.add(Service(name="Refused", kind="other", monthly_price_minor=100, currency="EUR"))
        db.session.flush()
        unit_of_work.refuse(DomainError("No."))
        return "refused"

    @app.route("/_test/saved", methods=["POST"])
    def saved() -> str:
        db.session.add(Service(name="Saved", kind="other", monthly_price_minor=100, currency="EUR"))
        db.session.flush()
        return "saved"

    @app.route("/_test/not-found-after-write", methods=["POST"])
    def not_found_after_write() -> str:
        db.session.add(Service(name="Half", kind="other", monthly_price_minor=100, currency="EUR"))
        db.session.flush()
        abort(404)

    with app.app_context():
        make_admin()
        db.session.commit()
    return app


@pytest.fixture()
def failing_client(failing_app: Flask) -> FlaskClient:
    client = failing_app.test_client()
    assert login(client, "admin@example.com").status_code == 302
    return client


def _services(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Service.name)))


def _assert_portal_error_page(response: object, code: int) -> None:
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == code  # type: ignore[attr-defined]
    assert f"{code} ·" in page and "Back to the start page" in page
    assert "admin@example.com" in page or "Admin" in page  # the layout with the signed-in user
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_database_error_in_a_request_renders_the_error_page_after_a_rollback(
    failing_app: Flask, failing_client: FlaskClient
) -> None:
    response = failing_client.post("/_test/duplicate-service")
    _assert_portal_error_page(response, 500)
    assert _services(failing_app) == []
    # the next request on the same client works: nothing was left in a failed state
    assert failing_client.get("/").status_code == 200


def test_refused_operation_is_rolled_back_and_normal_request_committed(
    failing_app: Flask, failing_client: FlaskClient
) -> None:
    assert failing_client.post("/_test/refused").status_code == 200
    assert _services(failing_app) == []
    assert failing_client.post("/_test/not-found-after-write").status_code == 404
    assert _services(failing_app) == []
    assert failing_client.post("/_test/saved").status_code == 200
    assert _services(failing_app) == ["Saved"]


def test_nul_byte_in_a_text_field(failing_app: Flask, failing_client: FlaskClient) -> None:
    """PostgreSQL refuses NUL in text: the portal's 500 page, nothing saved; SQLite stores it."""
    response = failing_client.post(
        "/admin/services/new",
        data={
            "name": "Bad\x00name",
            "kind": "continuous_archive",
            "archive_days": "7",
            "monthly_price": "1.00",
            "currency": "EUR",
            "description": "",
        },
    )
    if os.environ.get("TEST_DATABASE", "sqlite") == "postgres":
        _assert_portal_error_page(response, 500)
        assert _services(failing_app) == []
    else:
        assert response.status_code == 302
        assert _services(failing_app) == ["Bad\x00name"]


def test_out_of_range_parent_id(failing_app: Flask, failing_client: FlaskClient) -> None:
    """An id beyond a 32-bit integer never becomes a bare 500."""
    response = failing_client.post(
        "/admin/organizations/new",
        data={
            "title": "Acme",
            "timezone": "UTC",
            "currency": "EUR",
            "parent_id": "2147483648",
            "owner_email": "owner@example.com",
        },
    )
    assert response.status_code in (200, 500)
    if response.status_code == 500:
        _assert_portal_error_page(response, 500)
    else:
        assert "This organization does not exist." in response.get_data(as_text=True)
    with failing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 0
