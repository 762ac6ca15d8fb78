"""cameras.organization_id and cameras.tariff_id: a projection the pull keeps, without foreign keys

PostgreSQL checks a foreign key row by row, and a first sync inserts every camera of the
operator: the checks of these two columns were a fifth of what that pull cost the
database.  The columns hold no money and no history: each pull derives them from the
organizations and tariffs it reads in the same transaction and rewrites them when the
mapping changes.  The ledger (``usage_intervals``), which bills, keeps all its foreign keys.
Both indexes stay.  Downgrading clears ids that no longer exist before it restores the keys.
SQLite rebuilds the table to change its keys, which drops its triggers (the ledger stamp's):
they are read first and created again.

Revision ID: a12a00000004
Revises: a12a00000003
Create Date: 2026-12-01 04:10:00

"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a12a00000004"
down_revision = "a12a00000003"
branch_labels = None
depends_on = None

_KEYS = (
    ("fk_cameras_organization_id_organizations", "organization_id", "organizations"),
    ("fk_cameras_tariff_id_tariffs", "tariff_id", "tariffs"),
)


@contextmanager
def _cameras_rebuilt() -> Iterator[object]:
    """``batch_alter_table('cameras')``, keeping the table's triggers where SQLite rebuilds it."""
    bind = op.get_bind()
    triggers = []
    if bind.dialect.name == "sqlite":
        query = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cameras' ORDER BY name"
        triggers = [sql for (sql,) in bind.execute(sa.text(query))]
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        yield batch_op
    for sql in triggers:
        op.execute(sql)


def upgrade():
    with _cameras_rebuilt() as batch_op:
        for name, _column, _table in _KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade():
    for _name, column, table in _KEYS:
        op.execute(
            f"UPDATE cameras SET {column} = NULL WHERE {column} IS NOT NULL "
            f"AND {column} NOT IN (SELECT id FROM {table})"
        )
    with _cameras_rebuilt() as batch_op:
        for name, column, table in _KEYS:
            batch_op.create_foreign_key(name, table, [column], ["id"], ondelete="SET NULL")
