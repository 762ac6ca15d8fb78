"""Migrations: one head; upgrading an empty database yields exactly the models; downgrade works."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from portal import create_app
from portal.models import Base
from tests.conftest import PG_ADMIN_URL, make_config

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_single_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


@pytest.fixture()
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    if os.environ.get("TEST_DATABASE", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite'}"
        return
    name = f"portal_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _app(url: str) -> Flask:
    return create_app(make_config(url))


def test_upgrade_matches_models_and_downgrades(empty_db_url: str) -> None:
    app = _app(empty_db_url)
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
    engine = create_engine(empty_db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    with app.app_context():
        downgrade(directory=str(MIGRATIONS), revision="base")
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    engine.dispose()
