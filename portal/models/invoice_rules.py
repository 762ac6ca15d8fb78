"""Rules the DATABASE keeps for invoices, beyond the model's columns and checks.

* No two non-void invoices of one organization overlap in period: an EXCLUDE
  constraint (btree_gist) on PostgreSQL, BEFORE INSERT/UPDATE triggers on SQLite.
* A non-draft invoice's money never changes: triggers refuse updating its
  amounts, currency or period, and adding or changing its lines.

The same statements are used by the Alembic migration and, through
``after_create`` events, by ``Base.metadata.create_all`` (the tests' schema).
Alembic's ``compare_metadata`` does not see triggers nor this constraint.
"""
from __future__ import annotations

from sqlalchemy import DDL, event

from portal.models.invoice import Invoice

OVERLAP_MESSAGE = "invoice period overlaps another non-void invoice of this organization"
FROZEN_MESSAGE = "an issued invoice cannot change"

_OVERLAP = ("EXISTS (SELECT 1 FROM invoices AS other WHERE other.organization_id = NEW.organization_id "
            "AND other.status <> 'void' AND other.id IS NOT NEW.id "
            "AND other.period_start <= NEW.period_end AND other.period_end >= NEW.period_start)")
_AMOUNTS_CHANGED = ("(NEW.subtotal_minor, NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, NEW.currency, "
                    "NEW.period_start, NEW.period_end, NEW.organization_id) IS NOT "
                    "(OLD.subtotal_minor, OLD.tax_minor, OLD.total_minor, OLD.tax_rate_bp, OLD.currency, "
                    "OLD.period_start, OLD.period_end, OLD.organization_id)")
_FROZEN_PARENT = "(SELECT status FROM invoices WHERE id = NEW.invoice_id) <> 'draft'"

_LINES = ("invoice_lines", "invoice_camera_lines")

#: (table whose creation the statement follows, statement), in order, per dialect.
SQLITE_UP: list[tuple[str, str]] = [
    ("invoices", f"CREATE TRIGGER invoices_no_overlap_insert BEFORE INSERT ON invoices "
                 f"WHEN NEW.status <> 'void' AND {_OVERLAP} BEGIN SELECT RAISE(ABORT, '{OVERLAP_MESSAGE}'); END"),
    ("invoices", f"CREATE TRIGGER invoices_no_overlap_update BEFORE UPDATE ON invoices "
                 f"WHEN NEW.status <> 'void' AND {_OVERLAP} BEGIN SELECT RAISE(ABORT, '{OVERLAP_MESSAGE}'); END"),
    ("invoices", f"CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices WHEN OLD.status <> 'draft' "
                 f"AND {_AMOUNTS_CHANGED} BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END"),
] + [(table, f"CREATE TRIGGER {table}_frozen_{op.lower()} BEFORE {op} ON {table} "
             f"WHEN {_FROZEN_PARENT} BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END")
     for table in _LINES for op in ("INSERT", "UPDATE")]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {name}" for name in (
    "invoices_no_overlap_insert", "invoices_no_overlap_update", "invoices_frozen",
    "invoice_lines_frozen_insert", "invoice_lines_frozen_update",
    "invoice_camera_lines_frozen_insert", "invoice_camera_lines_frozen_update")]

_RAISE = f"RAISE EXCEPTION '{FROZEN_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';"
POSTGRES_UP: list[tuple[str, str]] = [
    ("invoices", "CREATE EXTENSION IF NOT EXISTS btree_gist"),
    ("invoices", "ALTER TABLE invoices ADD CONSTRAINT ex_invoices_no_overlap EXCLUDE USING gist "
                 "(organization_id WITH =, daterange(period_start, period_end, '[]') WITH &&) "
                 "WHERE (status <> 'void')"),
    ("invoices", "CREATE FUNCTION invoices_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
                 f"$$ BEGIN {_RAISE} END $$"),
    ("invoices", "CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices FOR EACH ROW WHEN "
                 f"(OLD.status <> 'draft' AND {_AMOUNTS_CHANGED.replace(' IS NOT ', ' IS DISTINCT FROM ')}) "
                 "EXECUTE FUNCTION invoices_refuse_change()"),
    ("invoices", "CREATE FUNCTION invoice_lines_refuse_frozen() RETURNS trigger LANGUAGE plpgsql AS "
                 "$$ BEGIN IF (SELECT status FROM invoices WHERE id = NEW.invoice_id) <> 'draft' THEN "
                 f"{_RAISE} END IF; RETURN NEW; END $$"),
] + [(table, f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE ON {table} "
             "FOR EACH ROW EXECUTE FUNCTION invoice_lines_refuse_frozen()") for table in _LINES]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS invoice_camera_lines_frozen ON invoice_camera_lines",
    "DROP TRIGGER IF EXISTS invoice_lines_frozen ON invoice_lines",
    "DROP FUNCTION IF EXISTS invoice_lines_refuse_frozen()",
    "DROP TRIGGER IF EXISTS invoices_frozen ON invoices",
    "DROP FUNCTION IF EXISTS invoices_refuse_change()",
    "ALTER TABLE invoices DROP CONSTRAINT IF EXISTS ex_invoices_no_overlap",
]


def upgrade_statements(dialect: str) -> list[str]:
    """The DDL that adds the rules on ``dialect`` (``sqlite``/``postgresql``; others: none)."""
    pairs = {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, [])
    return [statement for _table, statement in pairs]


def downgrade_statements(dialect: str) -> list[str]:
    """The DDL that removes them again (the btree_gist extension stays: others may use it)."""
    return {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(dialect, [])


def _attach() -> None:
    """Run each statement after ``create_all`` creates the table it is about."""
    tables = Invoice.metadata.tables
    for dialect, pairs in (("sqlite", SQLITE_UP), ("postgresql", POSTGRES_UP)):
        for table, statement in pairs:
            event.listen(tables[table], "after_create", DDL(statement).execute_if(dialect=dialect))


_attach()
