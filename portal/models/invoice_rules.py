"""Rules the DATABASE keeps for invoices, beyond the model's columns and checks.

* No two non-void invoices of one organization overlap in period: an EXCLUDE
  constraint (btree_gist) on PostgreSQL, BEFORE INSERT/UPDATE triggers on SQLite.
* An invoice's status only moves draft -> issued, issued -> paid, issued -> void,
  paid -> void or paid -> issued (a reversed payment reopens it; ``paid_on`` and
  ``payment_reference`` are then cleared); anything else, e.g. issued -> draft or out
  of void, is refused.
* A non-draft invoice never changes: its number, organization, period, currency,
  amounts, tax, dates and bill-to are fixed; ``paid_on``/``payment_reference``
  may only be set by the issued -> paid transition (and cleared by paid -> issued) and ``void_reason``/``voided_at``
  only by the transition to void.  Only ``created_by_id`` stays free (the user
  foreign key is ON DELETE SET NULL).
* A non-draft invoice is never deleted, and its lines and camera annex are never
  added to, changed or deleted.  (On PostgreSQL additions are checked once per
  statement, against all the rows it inserted; changes and deletions per row.)

Drafts stay fully editable and deletable (the service refreshes and deletes them).
Everything is a trigger (RAISE(ABORT) on SQLite, plpgsql raising
``integrity_constraint_violation`` on PostgreSQL), so SQLAlchemy raises
:class:`~sqlalchemy.exc.IntegrityError` on both.  PostgreSQL's TRUNCATE fires no
row trigger (the tests empty tables with it); on SQLite the tests drop and
re-create the triggers around emptying the tables (see :func:`downgrade_statements`).

The same statements are used by the Alembic migration and, through
``after_create`` events, by ``Base.metadata.create_all`` (the tests' schema).
Alembic's ``compare_metadata`` does not see triggers nor this constraint.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from portal.models.invoice import Invoice

OVERLAP_MESSAGE = "invoice period overlaps another non-void invoice of this organization"
FROZEN_MESSAGE = "an issued invoice cannot change"
TRANSITION_MESSAGE = (
    "invoice status may only go draft -> issued, issued -> paid, issued -> void, paid -> void "
    "or paid -> issued clearing the payment"
)
DELETE_MESSAGE = "an issued invoice cannot be deleted"

#: Columns that never change once the invoice has left draft.
FROZEN_COLUMNS = (
    "id",
    "number",
    "organization_id",
    "period_start",
    "period_end",
    "timezone",
    "period_start_at",
    "period_end_at",
    "currency",
    "minor_units",
    "subtotal_minor",
    "tax_minor",
    "total_minor",
    "tax_rate_bp",
    "issue_date",
    "due_date",
    "issued_at",
    "bill_to",
    "created_at",
)
#: Set by issued -> paid only, cleared by paid -> issued.
PAYMENT_COLUMNS = ("paid_on", "payment_reference")
#: Set by issued/paid -> void only.
VOID_COLUMNS = ("void_reason", "voided_at")
TRANSITIONS = (("draft", "issued"), ("issued", "paid"), ("issued", "void"), ("paid", "void"), ("paid", "issued"))

_OVERLAP = (
    "EXISTS (SELECT 1 FROM invoices AS other WHERE other.organization_id = NEW.organization_id "
    "AND other.status <> 'void' AND other.id IS NOT NEW.id "
    "AND other.period_start <= NEW.period_end AND other.period_end >= NEW.period_start)"
)


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    """``(NEW.a, NEW.b) <distinct> (OLD.a, OLD.b)``: NULL-safe "any of them changed"."""
    return f"({', '.join(f'NEW.{c}' for c in columns)}) {distinct} ({', '.join(f'OLD.{c}' for c in columns)})"


def _frozen_changed(distinct: str) -> str:
    """A non-draft invoice changes something other than its allowed lifecycle fields."""
    return (
        f"OLD.status <> 'draft' AND ({_changed(FROZEN_COLUMNS, distinct)} "
        f"OR ({_changed(PAYMENT_COLUMNS, distinct)} AND NOT (OLD.status = 'issued' AND NEW.status = 'paid') "
        "AND NOT (OLD.status = 'paid' AND NEW.status = 'issued')) "
        f"OR ({_changed(VOID_COLUMNS, distinct)} AND NOT (OLD.status IN ('issued', 'paid') "
        "AND NEW.status = 'void')))"
    )


_BAD_TRANSITION = (
    "NEW.status <> OLD.status AND ((OLD.status || '>' || NEW.status) NOT IN ("
    + ", ".join(f"'{old}>{new}'" for old, new in TRANSITIONS)
    + ") OR (OLD.status = 'paid' AND NEW.status = 'issued' "
    "AND (NEW.paid_on IS NOT NULL OR NEW.payment_reference IS NOT NULL)))"
)


def _parent_frozen(row: str) -> str:
    return f"(SELECT status FROM invoices WHERE id = {row}.invoice_id) <> 'draft'"


_LINES = ("invoice_lines", "invoice_camera_lines")
_LINE_CONDITIONS = {
    "INSERT": _parent_frozen("NEW"),
    "UPDATE": f"{_parent_frozen('NEW')} OR {_parent_frozen('OLD')}",
    "DELETE": _parent_frozen("OLD"),
}


def _sqlite_trigger(name: str, when: str, table: str, condition: str, message: str) -> tuple[str, str]:
    return (
        table,
        f"CREATE TRIGGER {name} BEFORE {when} ON {table} WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END",
    )


#: (table whose creation the statement follows, statement), in order, per dialect.
SQLITE_UP: list[tuple[str, str]] = [
    _sqlite_trigger(
        "invoices_no_overlap_insert", "INSERT", "invoices", f"NEW.status <> 'void' AND {_OVERLAP}", OVERLAP_MESSAGE
    ),
    _sqlite_trigger(
        "invoices_no_overlap_update", "UPDATE", "invoices", f"NEW.status <> 'void' AND {_OVERLAP}", OVERLAP_MESSAGE
    ),
    _sqlite_trigger("invoices_frozen", "UPDATE", "invoices", _frozen_changed("IS NOT"), FROZEN_MESSAGE),
    _sqlite_trigger("invoices_status_transition", "UPDATE", "invoices", _BAD_TRANSITION, TRANSITION_MESSAGE),
    _sqlite_trigger("invoices_no_delete", "DELETE", "invoices", "OLD.status <> 'draft'", DELETE_MESSAGE),
] + [
    _sqlite_trigger(f"{table}_frozen_{op.lower()}", op, table, condition, FROZEN_MESSAGE)
    for table in _LINES
    for op, condition in _LINE_CONDITIONS.items()
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {statement.split()[2]}" for _table, statement in SQLITE_UP]


def _pg_trigger(name: str, when: str, condition: str, message: str) -> tuple[str, str]:
    return (
        "invoices",
        f"CREATE TRIGGER {name} BEFORE {when} ON invoices FOR EACH ROW WHEN ({condition}) "
        f"EXECUTE FUNCTION invoices_refuse_change('{message}')",
    )


_RAISE = "RAISE EXCEPTION '{}' USING ERRCODE = 'integrity_constraint_violation';"
POSTGRES_UP: list[tuple[str, str]] = [
    ("invoices", "CREATE EXTENSION IF NOT EXISTS btree_gist"),
    (
        "invoices",
        "ALTER TABLE invoices ADD CONSTRAINT ex_invoices_no_overlap EXCLUDE USING gist "
        "(organization_id WITH =, daterange(period_start, period_end, '[]') WITH &&) "
        "WHERE (status <> 'void')",
    ),
    (
        "invoices",
        "CREATE FUNCTION invoices_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], "
        "ERRCODE = 'integrity_constraint_violation'; END $$",
    ),
    _pg_trigger("invoices_frozen", "UPDATE", _frozen_changed("IS DISTINCT FROM"), FROZEN_MESSAGE),
    _pg_trigger("invoices_status_transition", "UPDATE", _BAD_TRANSITION, TRANSITION_MESSAGE),
    _pg_trigger("invoices_no_delete", "DELETE", "OLD.status <> 'draft'", DELETE_MESSAGE),
    (
        "invoices",
        "CREATE FUNCTION invoice_lines_refuse_frozen() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN "
        "IF TG_OP <> 'DELETE' THEN "
        f"IF {_parent_frozen('NEW')} THEN {_RAISE.format(FROZEN_MESSAGE)} END IF; END IF; "
        "IF TG_OP <> 'INSERT' THEN "
        f"IF {_parent_frozen('OLD')} THEN {_RAISE.format(FROZEN_MESSAGE)} END IF; END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
    ),
] + [
    (
        table,
        f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION invoice_lines_refuse_frozen()",
    )
    for table in _LINES
]
#: Adding lines is checked once per statement (a bulk insert of a month's camera annex checks
#: its rows in one join instead of one look-up per row): the same rule, refused the same way.
POSTGRES_INSERT_CHECK: list[tuple[str, str]] = [
    (
        "invoices",
        "CREATE FUNCTION invoice_lines_refuse_frozen_insert() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN IF EXISTS (SELECT 1 FROM inserted JOIN invoices ON invoices.id = inserted.invoice_id "
        f"WHERE invoices.status <> 'draft') THEN {_RAISE.format(FROZEN_MESSAGE)} END IF; RETURN NULL; END $$",
    ),
] + [
    (
        table,
        f"CREATE TRIGGER {table}_frozen_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS inserted "
        "FOR EACH STATEMENT EXECUTE FUNCTION invoice_lines_refuse_frozen_insert()",
    )
    for table in _LINES
]
POSTGRES_UP += POSTGRES_INSERT_CHECK
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS invoice_camera_lines_frozen_insert ON invoice_camera_lines",
    "DROP TRIGGER IF EXISTS invoice_lines_frozen_insert ON invoice_lines",
    "DROP FUNCTION IF EXISTS invoice_lines_refuse_frozen_insert()",
    "DROP TRIGGER IF EXISTS invoice_camera_lines_frozen ON invoice_camera_lines",
    "DROP TRIGGER IF EXISTS invoice_lines_frozen ON invoice_lines",
    "DROP FUNCTION IF EXISTS invoice_lines_refuse_frozen()",
    "DROP TRIGGER IF EXISTS invoices_no_delete ON invoices",
    "DROP TRIGGER IF EXISTS invoices_status_transition ON invoices",
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
