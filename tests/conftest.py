"""Fixtures shared by the whole suite.

The database comes from ``TEST_DATABASE`` (``sqlite`` default, or ``postgres``).
Each test session (each xdist worker) creates its own database and drops it at
the end; tables are created once and emptied after every test.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from portal import create_app
from portal.extensions import db, limiter
from portal.models import Base, invoice_rules

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _backend() -> str:
    backend = os.environ.get("TEST_DATABASE", "sqlite")
    if backend not in {"sqlite", "postgres"}:
        raise pytest.UsageError(f"TEST_DATABASE must be sqlite or postgres, not {backend!r}")
    return backend


@contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """A new empty database for the configured backend (a file in ``folder`` for SQLite); dropped after."""
    if _backend() == "sqlite":
        yield f"sqlite:///{folder / f'portal-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this test session; dropped afterwards."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def _schema(database_url: str) -> str:
    """Create the tables once per session from the models (migrations are tested separately)."""
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return database_url


def _empty_tables() -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        # SQLite cannot disable triggers, and the invoice rules refuse deleting issued
        # invoices: drop them for the clean-up and put them back (PostgreSQL's TRUNCATE
        # fires no row trigger).
        db.session.execute(text("PRAGMA foreign_keys=OFF"))
        for statement in invoice_rules.downgrade_statements("sqlite"):
            db.session.execute(text(statement))
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
        db.session.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence() else None
        for statement in invoice_rules.upgrade_statements("sqlite"):
            db.session.execute(text(statement))
        db.session.execute(text("PRAGMA foreign_keys=ON"))
    db.session.commit()


def _has_sqlite_sequence() -> bool:
    return db.session.execute(text(
        "SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first() is not None


def make_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """The configuration tests run with."""
    config = {
        "TESTING": True,
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "portal.test",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(overrides)
    return config


@pytest.fixture()
def app_config() -> dict[str, Any]:
    """Per-test overrides; a test module may override this fixture."""
    return {}


@pytest.fixture()
def app(_schema: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    """A fresh app on the session database; tables are emptied after the test."""
    application = create_app(make_config(_schema, **app_config))
    with application.app_context():
        limiter.reset()
    yield application
    from portal import mailqueue
    mailqueue.wait_for_deliveries()  # no after-response mail thread may outlive its test's data
    with application.app_context():
        db.session.remove()
        _empty_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """A test client."""
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture()
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client signed in as the billing admin admin@example.com."""
    from tests.factories import login, make_admin

    with app.app_context():
        make_admin()
        db.session.commit()
    assert login(client, "admin@example.com").status_code == 302
    return client


@pytest.fixture()
def ctx(app: Flask) -> Iterator[None]:
    """An app context for tests that use the session directly."""
    with app.app_context():
        yield


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With CI=true a skipped test fails the run: nothing may be skipped in CI."""
    if os.environ.get("CI", "").lower() not in {"1", "true", "yes"}:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        if reporter:
            reporter.write_line(f"CI=true: {skipped} test(s) were skipped; failing the run.", red=True)
        session.exitstatus = 1


ROOT = Path(__file__).resolve().parents[1]
