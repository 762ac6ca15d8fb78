"""The accountant migration keeps every user, membership and owner (SQLite copies the users table
to change its role check), and its downgrade refuses while accountants exist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from portal import create_app
from tests.conftest import fresh_database, make_config

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
BEFORE = "e7a4b5c6d904"  # the head this branch starts from

_ROWS = [
    "INSERT INTO users (id, email, name, role, is_enabled, created_at, updated_at, session_version, sync_state) "
    "VALUES (1, 'owner@acme.example', '', 'subscriber', true, '2026-10-01 00:00:00', '2026-10-01 00:00:00', 1, "
    "'synced')",
    "INSERT INTO organizations (id, title, depth, timezone, currency, billing_contact, invoice_to_parent, "
    "owner_id, created_at, updated_at, sync_state) VALUES (1, 'Acme', 0, 'UTC', 'EUR', '', false, 1, "
    "'2026-10-01 00:00:00', '2026-10-01 00:00:00', 'synced')",
    "INSERT INTO memberships (user_id, organization_id, can_view_streams, can_edit_streams, can_edit_users, "
    "can_view_stats, can_view_invoices, created_at) VALUES (1, 1, true, false, false, false, true, "
    "'2026-10-01 00:00:00')",
]


@pytest.fixture()
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path) as url:
        yield url


def test_the_role_migration_keeps_users_and_their_rights(empty_db_url: str, capfd: pytest.CaptureFixture[str]) -> None:
    app = create_app(make_config(empty_db_url))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision=BEFORE)
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        for statement in _ROWS:
            conn.execute(text(statement))
    engine.dispose()
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="f14e00000001")
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT user_id, organization_id FROM memberships")).all() == [(1, 1)]
        assert conn.execute(text("SELECT owner_id FROM organizations")).scalar() == 1
        conn.execute(text("UPDATE users SET role = 'accountant' WHERE id = 1"))
    with pytest.raises(Exception, match="role_known"), engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'auditor' WHERE id = 1"))
    engine.dispose()
    with app.app_context(), pytest.raises(SystemExit):  # flask-migrate logs "accountants exist" and exits
        downgrade(directory=str(MIGRATIONS), revision=BEFORE)
    assert "accountants exist" in capfd.readouterr().err
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'subscriber' WHERE id = 1"))
    engine.dispose()
    with app.app_context():
        downgrade(directory=str(MIGRATIONS), revision=BEFORE)
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT user_id, organization_id FROM memberships")).all() == [(1, 1)]
    with pytest.raises(Exception, match="role_known"), engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = 'accountant' WHERE id = 1"))
    engine.dispose()
