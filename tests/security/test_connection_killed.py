"""The database connection dies mid-request, at each statement in turn: the person gets the
portal's own error page (with its security headers), nothing is half-written, and the next
request works.

On PostgreSQL the request's backend is really terminated from another connection
(``pg_terminate_backend``); on SQLite, which has no server to kill, the statement fails with
the same OperationalError a lost connection raises.

Depends on the unit of work of issue #9 (error handlers that roll back before rendering).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, exc, func, select, text

from portal.extensions import db
from portal.models import Organization
from tests.conftest import PG_ADMIN_URL
from tests.factories import make_tariff, make_user, row_counts
from tests.organizations.test_forms import valid


@pytest.fixture()
def app_config() -> dict[str, Any]:
    return {"PROPAGATE_EXCEPTIONS": False, "WATCHER_URL": ""}  # errors reach the portal's handlers, as in production


class Killer:
    """Counts the statements of one request and kills the connection at statement ``at``."""

    def __init__(self, app: Flask) -> None:
        self.app, self.armed, self.count, self.at = app, False, 0, 0
        self.postgres = False
        self.admin = None

    def __call__(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if not self.armed:
            return
        self.count += 1
        if self.count != self.at:
            return
        if self.postgres:
            pid = conn.connection.dbapi_connection.info.backend_pid
            assert self.admin is not None
            with self.admin.connect() as admin:
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        else:
            raise exc.OperationalError(statement, params, ConnectionError("connection lost (simulated)"))

    @contextmanager
    def request(self, at: int = 0) -> Iterator[None]:
        self.count, self.at, self.armed = 0, at, True
        try:
            yield
        finally:
            self.armed = False


@pytest.fixture()
def killer(app: Flask) -> Iterator[Killer]:
    k = Killer(app)
    with app.app_context():
        engine = db.engine
        k.postgres = engine.dialect.name == "postgresql"
        if k.postgres:
            k.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        event.listen(engine, "before_cursor_execute", k)
    yield k
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", k)
    if k.admin is not None:
        k.admin.dispose()


def _organizations(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Organization)) or 0


def test_connection_killed_at_each_statement(app: Flask, admin_client: FlaskClient, killer: Killer) -> None:
    with app.app_context():
        owner_id = make_user("owner@example.com").id
        tariff_id = make_tariff("Basic").id
        db.session.commit()
    form = valid(owner_id=owner_id, allowed_tariffs=[str(tariff_id)])
    with app.app_context():
        start = row_counts()
    with killer.request():
        assert admin_client.post("/admin/organizations/new", data={**form, "title": "Measured"}).status_code == 302
    statements = killer.count
    with app.app_context():
        whole = _delta(start, row_counts())
    assert statements >= 5
    for at in range(1, statements + 1):
        with app.app_context():
            before = row_counts()
        with killer.request(at):
            response = admin_client.post("/admin/organizations/new", data={**form, "title": f"Killed {at}"})
        page = response.get_data(as_text=True)
        assert response.status_code in (500, 503), (at, response.status_code)
        assert "Watcher Billing" in page and "Back to the start page" in page, (at, page[:300])
        assert "Content-Security-Policy" in response.headers, at
        with app.app_context():
            written = _delta(before, row_counts())
        assert written in ({}, whole), (at, written)  # all or nothing, never half
        assert admin_client.get("/admin/organizations/").status_code == 200, at  # and the portal recovers
    assert _organizations(app) >= 1


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {table: after[table] - before[table] for table in after if after[table] != before[table]}
