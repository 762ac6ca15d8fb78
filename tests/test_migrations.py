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


#: What compare_metadata does not see: triggers, trigger functions, EXCLUDE constraints
#: (portal/models/invoice_rules.py) and tables' storage parameters, per dialect, as
#: (name, definition) rows.
_RULES = {
    "sqlite": ["SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"],
    "postgresql": [
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
        "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND NOT EXISTS "
        "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'x'",
        "SELECT relname, array_to_string(reloptions, ',') FROM pg_class WHERE reloptions IS NOT NULL "
        "AND relnamespace = 'public'::regnamespace",
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


_ORG = (
    "INSERT INTO organizations (id, title, depth, timezone, currency, billing_contact, "
    "invoice_to_parent, created_at, updated_at, sync_state) VALUES (1, 'Acme', 0, 'UTC', 'KZT', '', "
    "false, '2026-10-01 00:00:00', '2026-10-01 00:00:00', 'synced')"
)
_INVOICE = (
    "INSERT INTO invoices (id, number, organization_id, period_start, period_end, status, currency, "
    "subtotal_minor, tax_minor, total_minor, tax_rate_bp, bill_to, created_at) VALUES "
    "(1, 'INV-2026-000001', 1, '2026-10-01', '2026-10-31', 'draft', 'KZT', 500000, 0, 500000, 0, "
    "'', '2026-11-01 00:00:00')"
)
_LINE = (
    "INSERT INTO invoice_lines (invoice_id, position, description, unit_price_minor, cameras, "
    "camera_days, amount_minor, is_trial) VALUES (1, 0, 'Basic', {amount}, 1, 31, {amount}, false)"
)


def test_upgrading_keeps_issued_invoices_and_their_rules(empty_db_url: str) -> None:
    """Upgrading (in one run) a database that holds an issued invoice keeps its lines, checks and rules;
    its minor unit is filled in; 2^31+ minor units then fit."""
    app = _app(empty_db_url)
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="7c3e5b1a9d20")
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text(_ORG))
        conn.execute(text(_INVOICE))
        conn.execute(text(_LINE.format(amount=500000)))
        conn.execute(text("UPDATE invoices SET status = 'issued' WHERE id = 1"))
    rules_before = {name for name, _ in _rules(engine)}
    engine.dispose()
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
    engine = create_engine(empty_db_url)
    assert {name for name, _ in _rules(engine)} >= rules_before
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM invoice_lines")).scalar() == 1
        assert conn.execute(text("SELECT timezone FROM invoices")).scalar() == "UTC"
        assert conn.execute(text("SELECT organization_id, timezone FROM invoice_coverage")).one() == (1, "UTC")
        assert conn.execute(text("SELECT total_minor, minor_units FROM invoices")).one() == (500000, 2)
    with pytest.raises(Exception, match="cannot change"), engine.begin() as conn:
        conn.execute(text("UPDATE invoices SET total_minor = 1 WHERE id = 1"))
    with pytest.raises(Exception, match="total_adds_up"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO invoices (organization_id, period_start, period_end, status, currency, "
                "minor_units, subtotal_minor, tax_minor, total_minor, tax_rate_bp, bill_to, created_at) "
                "VALUES (1, '2026-12-01', '2026-12-31', 'draft', 'KZT', 2, 1, 0, 2, 0, '', "
                "'2026-11-01 00:00:00')"
            )
        )
    big = 2**31 + 7
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO invoices (id, organization_id, period_start, period_end, status, "
                "currency, minor_units, subtotal_minor, tax_minor, total_minor, tax_rate_bp, bill_to, "
                f"created_at) VALUES (2, 1, '2026-11-01', '2026-11-30', 'draft', 'KZT', 2, {big}, 0, "
                f"{big}, 0, '', '2026-12-01 00:00:00')"
            )
        )
        conn.execute(text(_LINE.format(amount=big).replace("VALUES (1,", "VALUES (2,")))
        assert conn.execute(text("SELECT total_minor FROM invoices WHERE id = 2")).scalar() == big
    engine.dispose()
