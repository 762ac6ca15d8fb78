"""users.role may be 'accountant': the read-only finance role

The check constraint ``ck_users_role_known`` now allows admin, subscriber and
accountant.  SQLite changes a check through a table copy (batch mode), and its
DROP TABLE runs an implicit DELETE that, with foreign keys on, would cascade
into memberships and null organization owners: foreign keys are switched off for
the copy, and the upgrade refuses to run (changing nothing) if that is not
possible while users exist.  The downgrade refuses while accountants exist.

Revision ID: f14e00000001
Revises: e14d00000001
Create Date: 2026-11-30 16:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f14e00000001"
down_revision = "e14d00000001"
branch_labels = None
depends_on = None

ROLES_NEW = "role IN ('admin', 'subscriber', 'accountant')"
ROLES_OLD = "role IN ('admin', 'subscriber')"


def _foreign_keys_off() -> bool:
    """On SQLite: switch foreign keys off; True if they were on (to switch them back on)."""
    bind = op.get_bind()
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() != 1:
        return False
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1:
        if bind.exec_driver_sql("SELECT 1 FROM users LIMIT 1").first() is not None:
            raise RuntimeError(
                "run this revision on its own (foreign keys cannot be switched off "
                "inside a transaction, and the table copy would delete memberships)"
            )
    return True


def _recheck(new: str, old: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    restore_fks = _foreign_keys_off() if sqlite else False
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_users_role_known"), new)
    if restore_fks:
        op.get_bind().exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    _recheck(ROLES_NEW, ROLES_OLD)


def downgrade():
    if op.get_bind().execute(sa.text("SELECT 1 FROM users WHERE role = 'accountant'")).first() is not None:
        raise RuntimeError("accountants exist: change their role before downgrading")
    _recheck(ROLES_OLD, ROLES_NEW)
