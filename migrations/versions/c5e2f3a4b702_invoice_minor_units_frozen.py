"""invoices.minor_units: the ISO 4217 minor unit each invoice was computed in, frozen

An invoice's amounts are integer minor units; what they mean (cents, or whole
units, or thousandths) depends on the currency's minor unit.  The portal now takes
minor units from the ISO 4217 table shipped in portal/billing/data, which can be
updated; each invoice keeps the one it was computed with, so an update never
changes what an issued invoice says.  Existing invoices get the minor unit of the
table the engine used until now (0 or 3 for the codes below, else 2: the same as
ISO 4217 for every code it knew).  The frozen-invoice trigger now covers the new
column; the other invoice rules are put back unchanged (SQLite loses a table's
triggers when batch mode copies it).  A CHECK keeps it within 0..6.

Revision ID: c5e2f3a4b702
Revises: b4d1e2f3a601
Create Date: 2026-11-30 13:30:00

"""
import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5e2f3a4b702'
down_revision = 'b4d1e2f3a601'
branch_labels = None
depends_on = None

ZERO = ("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF").split()
THREE = "BHD IQD JOD KWD LYD OMR TND".split()

#: The frozen-invoice trigger with minor_units among the frozen columns.
FROZEN = {'postgresql': 'CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices FOR EACH ROW WHEN '
               "(OLD.status <> 'draft' AND ((NEW.id, NEW.number, NEW.organization_id, "
               'NEW.period_start, NEW.period_end, NEW.currency, NEW.minor_units, '
               'NEW.subtotal_minor, NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, '
               'NEW.issue_date, NEW.due_date, NEW.issued_at, NEW.bill_to, NEW.created_at) IS '
               'DISTINCT FROM (OLD.id, OLD.number, OLD.organization_id, OLD.period_start, '
               'OLD.period_end, OLD.currency, OLD.minor_units, OLD.subtotal_minor, OLD.tax_minor, '
               'OLD.total_minor, OLD.tax_rate_bp, OLD.issue_date, OLD.due_date, OLD.issued_at, '
               'OLD.bill_to, OLD.created_at) OR ((NEW.paid_on, NEW.payment_reference) IS DISTINCT '
               "FROM (OLD.paid_on, OLD.payment_reference) AND NOT (OLD.status = 'issued' AND "
               "NEW.status = 'paid')) OR ((NEW.void_reason, NEW.voided_at) IS DISTINCT FROM "
               "(OLD.void_reason, OLD.voided_at) AND NOT (OLD.status IN ('issued', 'paid') AND "
               "NEW.status = 'void')))) EXECUTE FUNCTION invoices_refuse_change('an issued invoice "
               "cannot change')",
 'sqlite': "CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices WHEN OLD.status <> 'draft' "
           'AND ((NEW.id, NEW.number, NEW.organization_id, NEW.period_start, NEW.period_end, '
           'NEW.currency, NEW.minor_units, NEW.subtotal_minor, NEW.tax_minor, NEW.total_minor, '
           'NEW.tax_rate_bp, NEW.issue_date, NEW.due_date, NEW.issued_at, NEW.bill_to, '
           'NEW.created_at) IS NOT (OLD.id, OLD.number, OLD.organization_id, OLD.period_start, '
           'OLD.period_end, OLD.currency, OLD.minor_units, OLD.subtotal_minor, OLD.tax_minor, '
           'OLD.total_minor, OLD.tax_rate_bp, OLD.issue_date, OLD.due_date, OLD.issued_at, '
           'OLD.bill_to, OLD.created_at) OR ((NEW.paid_on, NEW.payment_reference) IS NOT '
           "(OLD.paid_on, OLD.payment_reference) AND NOT (OLD.status = 'issued' AND NEW.status = "
           "'paid')) OR ((NEW.void_reason, NEW.voided_at) IS NOT (OLD.void_reason, OLD.voided_at) "
           "AND NOT (OLD.status IN ('issued', 'paid') AND NEW.status = 'void'))) BEGIN SELECT "
           "RAISE(ABORT, 'an issued invoice cannot change'); END"}


def _load(name: str) -> ModuleType:
    path = Path(__file__).with_name(name)
    spec = importlib.util.spec_from_file_location(f"_rev_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rules() -> ModuleType:
    return _load("7c3e5b1a9d20_invoices_no_overlap_and_frozen.py")


def _with_rules_off(change, frozen_trigger: dict) -> None:
    """Drop the invoice rules, run ``change``, put the rules back with ``frozen_trigger``."""
    dialect = op.get_bind().dialect.name
    rules = _rules()
    restore_fks = (_load("b4d1e2f3a601_money_columns_bigint.py")._foreign_keys_off()
                   if dialect == "sqlite" else False)
    for statement in rules.DOWNGRADE.get(dialect, []):
        op.execute(statement)
    change()
    for statement in rules.UPGRADE.get(dialect, []):
        if "TRIGGER invoices_frozen " in statement and dialect in frozen_trigger:
            statement = frozen_trigger[dialect]
        op.execute(statement)
    if restore_fks:
        op.get_bind().exec_driver_sql("PRAGMA foreign_keys=ON")


def _add() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minor_units", sa.Integer(), nullable=True))
    zero = ", ".join(f"'{code}'" for code in ZERO)
    three = ", ".join(f"'{code}'" for code in THREE)
    op.execute(f"UPDATE invoices SET minor_units = CASE WHEN currency IN ({zero}) THEN 0 "
               f"WHEN currency IN ({three}) THEN 3 ELSE 2 END")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.alter_column("minor_units", existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(op.f("ck_invoices_minor_units_range"), "minor_units BETWEEN 0 AND 6")


def _drop() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_invoices_minor_units_range"), type_="check")
        batch_op.drop_column("minor_units")


def upgrade():
    _with_rules_off(_add, FROZEN)


def downgrade():
    _with_rules_off(_drop, {})
