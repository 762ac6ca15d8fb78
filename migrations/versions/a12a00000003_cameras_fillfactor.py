"""cameras: pages kept half empty (PostgreSQL fillfactor 50), so a pull's last_seen_at is a HOT update

Every pull rewrites ``last_seen_at`` of each camera it lists.  On full pages each new
row version lands on another page and needs an entry in every index of the table; with
room on its own page it is a heap-only update that touches no index, and the old version
is pruned in place.  Only pages written from now on keep the room: an existing table
reaches it as its rows are rewritten (or at once with ``VACUUM FULL cameras``, which
locks the table while it runs).  SQLite has no such setting.

Revision ID: a12a00000003
Revises: a12a00000002
Create Date: 2026-12-01 01:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a12a00000003'
down_revision = 'a12a00000002'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE cameras SET (fillfactor = 50)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE cameras RESET (fillfactor)")
