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
from sqlalchemy import create_engine, inspect

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
