"""Fixtures shared by the whole suite.

The database comes from ``TEST_DATABASE`` (``sqlite`` default, or ``postgres``).
Each test session (each xdist worker) creates its own database and drops it at
the end; tables are created once and emptied after every test.  One app is built
per session and shared by the tests (see ``app``).
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

from portal import create_app, settings
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


def _used_tables(tables: list[str]) -> list[str]:
    """The tables that hold rows (and, on PostgreSQL, whose id sequence has moved)."""
    probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
    used = set(db.session.scalars(text(probe)))
    if db.engine.dialect.name == "postgresql":
        for sequence in db.session.scalars(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")
        ):
            table = sequence.removesuffix("_id_seq")
            if table not in tables:
                return tables  # a sequence we cannot place: empty everything
            used.add(table)
    return [t for t in tables if t in used]


def _empty_tables() -> None:
    """Empty the tables a test wrote to (all of them, in dependency order) and reset their ids."""
    tables = _used_tables([t.name for t in reversed(Base.metadata.sorted_tables)])
    db.session.rollback()
    if not tables:
        return
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        db.session.commit()
        return
    # SQLite cannot disable triggers, and the invoice rules refuse deleting issued invoices:
    # drop them for the clean-up and put them back (PostgreSQL's TRUNCATE fires no row
    # trigger).  Without an invoice there is nothing they could refuse.  One connection
    # throughout: the foreign-key pragma is per connection, and it must be on again when
    # the connection goes back to the pool.
    guarded = "invoices" in tables
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, so it takes effect
        if guarded:
            for statement in invoice_rules.downgrade_statements("sqlite"):
                conn.exec_driver_sql(statement)
        for table in tables:
            conn.exec_driver_sql(f'DELETE FROM "{table}"')
        if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").first():
            conn.exec_driver_sql("DELETE FROM sqlite_sequence")
        if guarded:
            for statement in invoice_rules.upgrade_statements("sqlite"):
                conn.exec_driver_sql(statement)
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        conn.commit()


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
        # a cheap hash: production's scrypt costs a quarter second per login or new user
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # no background PDF renders outliving a test; tests of them switch it on and wait
        "DOCUMENTS_RENDER_IN_PROCESS": False,
    }
    config.update(overrides)
    return config


@pytest.fixture()
def app_config() -> dict[str, Any]:
    """Per-test overrides; a test module may override this fixture."""
    return {}


#: Settings read only while the app is built: a test that overrides one gets an app of its own.
_BUILD_TIME_PREFIXES = ("SQLALCHEMY_", "RATELIMIT_")


@pytest.fixture(scope="session")
def _private_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Settings that point files this session writes (the PDF cache) into its own folder."""
    return {"INVOICE_CACHE_DIR": str(tmp_path_factory.mktemp("invoice-cache"))}


@pytest.fixture(scope="session")
def _session_app(_schema: str, _private_files: dict[str, Any]) -> Iterator[Flask]:
    """The app most tests share: building one costs more than most tests (routes compile)."""
    application = create_app(make_config(_schema, **_private_files))
    yield application
    from portal import mailqueue

    mailqueue.wait_for_deliveries()  # no after-response mail thread may outlive its test's data
    with application.app_context():
        db.engine.dispose()


@pytest.fixture()
def app(
    request: pytest.FixtureRequest,
    _session_app: Flask,
    _schema: str,
    _private_files: dict[str, Any],
    app_config: dict[str, Any],
) -> Iterator[Flask]:
    """The app on the session database, with this test's ``app_config``; tables are emptied after.

    The session's app is reused with the test's settings applied on top; its settings and
    extension state (e.g. a cached Watcher client) are put back afterwards.  Settings read only
    while the app is built get a fresh app, and so do tests marked ``own_app`` (they add routes).
    """
    if request.node.get_closest_marker("own_app") or any(key.startswith(_BUILD_TIME_PREFIXES) for key in app_config):
        application, own = create_app(make_config(_schema, **{**_private_files, **app_config})), True
    else:
        application, own = _session_app, False
    saved_config = dict(application.config)
    saved_extensions = dict(application.extensions)
    application.config.update(app_config)
    if app_config and not own:
        settings.install(application)  # the typed settings are built from the config once per app
    with application.app_context():
        limiter.reset()
        if not request.node.get_closest_marker("no_operator_details"):
            from tests.factories import make_operator

            make_operator()  # issuing needs the seller's details (issue #15); one row per test
            db.session.commit()
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            _empty_tables()
            db.session.remove()
            if own:
                db.engine.dispose()
        application.config.clear()
        application.config.update(saved_config)
        application.extensions.clear()
        application.extensions.update(saved_extensions)


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


def pytest_configure(config: pytest.Config) -> None:
    """Compile the translation catalogs the tests read (as ``make i18n-compile`` does)."""
    from portal.i18n_catalogs import compile_catalogs

    compile_catalogs()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Checks marked ``one_database`` (what a page looks like in a browser, whatever stores its
    data) run in the SQLite pass only: on PostgreSQL they are deselected, not skipped."""
    if _backend() != "postgres":
        return
    kept = [item for item in items if item.get_closest_marker("one_database") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


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
