"""money columns become 64-bit (BIGINT)

Every amount in minor units (invoice subtotal/tax/total, invoice line unit
price and amount, service monthly price, tariff price version amount) was a
32-bit INTEGER while the money code promises signed 64-bit: a total above
2^31 - 1 minor units failed on PostgreSQL ("integer out of range").

SQLite gets the change through batch_alter_table (a table copy). Two things
around that copy:

* The invoice rules (triggers, and on PostgreSQL the EXCLUDE constraint) of
  revision 7c3e5b1a9d20 are dropped first and put back after: SQLite loses a
  table's triggers with the table, and PostgreSQL refuses to change the type of
  a column named in a trigger's WHEN clause.  The statements are read from that
  revision's own file, so what is put back is exactly what it created.
* SQLite's DROP TABLE runs an implicit DELETE, which with foreign keys on would
  cascade into invoice lines: foreign keys are switched off for the copy, and
  the upgrade refuses to run (changing nothing) if that is not possible.

Revision ID: b4d1e2f3a601
Revises: a13c0003
Create Date: 2026-11-30 13:10:00

"""
import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b4d1e2f3a601'
down_revision = 'a13c0003'
branch_labels = None
depends_on = None

#: table -> its amount columns in minor units.
COLUMNS = {
    "invoices": ("subtotal_minor", "tax_minor", "total_minor"),
    "invoice_lines": ("unit_price_minor", "amount_minor"),
    "services": ("monthly_price_minor",),
    "tariff_prices": ("amount_minor",),
}


def _rules_revision() -> ModuleType:
    """The landed revision 7c3e5b1a9d20, for its UPGRADE/DOWNGRADE statements."""
    path = Path(__file__).with_name("7c3e5b1a9d20_invoices_no_overlap_and_frozen.py")
    spec = importlib.util.spec_from_file_location("_rules_7c3e5b1a9d20", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _foreign_keys_off() -> bool:
    """On SQLite: switch foreign keys off; True if they were on (to switch them back on)."""
    bind = op.get_bind()
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() != 1:
        return False
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1:
        has_invoices = bind.exec_driver_sql("SELECT 1 FROM invoices LIMIT 1").first() is not None
        if has_invoices:  # a copy of the invoices table would cascade-delete their lines
            raise RuntimeError("run this revision on its own (foreign keys cannot be switched off "
                               "inside a transaction, and the table copy would delete invoice lines)")
    return True


def _retype(to: sa.types.TypeEngine, from_: sa.types.TypeEngine) -> None:
    dialect = op.get_bind().dialect.name
    rules = _rules_revision()
    restore_fks = _foreign_keys_off() if dialect == "sqlite" else False
    for statement in rules.DOWNGRADE.get(dialect, []):
        op.execute(statement)
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=from_, type_=to, existing_nullable=False)
    for statement in rules.UPGRADE.get(dialect, []):
        op.execute(statement)
    if restore_fks:
        op.get_bind().exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    _retype(sa.BigInteger(), sa.Integer())


def downgrade():
    _retype(sa.Integer(), sa.BigInteger())
