"""Migrations: one head; upgrading an empty database yields exactly the models; downgrade works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import Engine, create_engine, inspect, text

from portal import create_app
from portal.models import Base
from tests.conftest import fresh_database, make_config

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_single_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


@pytest.fixture()
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


def _app(url: str) -> Flask:
    return create_app(make_config(url))


#: What compare_metadata does not see: triggers, trigger functions and EXCLUDE constraints
#: (portal/models/invoice_rules.py), per dialect, as (name, definition) rows.
_RULES = {
    "sqlite": ["SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"],
    "postgresql": [
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
        "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND NOT EXISTS "
        "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'x'",
    ],
}


def _rules(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return {tuple(row) for query in _RULES[engine.dialect.name] for row in conn.execute(text(query))}


def test_upgrade_matches_models_and_downgrades(empty_db_url: str, tmp_path: Path) -> None:
    app = _app(empty_db_url)
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
    engine = create_engine(empty_db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    migrated_rules = _rules(engine)
    with fresh_database(tmp_path) as models_url:
        models = create_engine(models_url)
        Base.metadata.create_all(models)
        assert migrated_rules == _rules(models)  # the migration's copy of the invoice rules
        models.dispose()
    assert {name for name, _ in migrated_rules} >= {
        "invoices_frozen",
        "invoices_no_delete",
        "invoices_status_transition",
    }
    with app.app_context():
        downgrade(directory=str(MIGRATIONS), revision="df7729251a42")  # below the invoice rules' revision
    assert _rules(engine) == set() and "invoices" in inspect(engine).get_table_names()
    with app.app_context():
        downgrade(directory=str(MIGRATIONS), revision="base")
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    engine.dispose()
