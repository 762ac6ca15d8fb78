"""Triggers that replace the ledger stamp (:mod:`portal.models.ledger`) on every change a
statement could see.

Watched: usage intervals, price versions and invoices with their coverage (any insert, update
or delete); tariffs, cameras and organizations when a field a statement shows or rates by
changes (a camera's ``last_seen_at`` does not invalidate anything).  A table added later that
changes what a statement says (e.g. per-organization price overrides, tax records) is one
more entry in :data:`WATCHED` plus a migration calling :func:`upgrade_statements_for`.

* PostgreSQL: a deferred constraint trigger runs at commit, so the stamp row is locked only
  while committing: writers never wait for each other's long transactions on it and cannot
  deadlock over it.  Its ``WHEN`` condition lets only the transaction's first watched row
  queue it (a transaction-local setting, undone with the savepoint or transaction that set
  it), so a bulk write of 100,000 rows queues one deferred call, not 100,000.
* SQLite: plain row triggers (SQLite has one writer at a time anyway).

The same statements serve the Alembic migration and ``create_all`` (the tests' schema).
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from portal.models import dunning, invoice, ledger, organization, tariff, terms, usage  # noqa: F401  (register the tables)
from portal.models.base import Base

#: table -> the columns whose change matters on UPDATE (None: any update), and whether
#: inserts and deletes matter.
WATCHED: dict[str, tuple[tuple[str, ...] | None, bool]] = {
    "usage_intervals": (None, True),
    "tariff_prices": (None, True),
    "invoices": (None, True),
    "invoice_coverage": (None, True),
    # individual prices, tax rates and their assignment (issue 15), suspension windows (issue 14)
    "individual_prices": (None, True),
    "organization_terms": (None, True),
    "tax_rates": (None, True),
    "suspensions": (None, True),
    "tariffs": (("name",), False),
    "cameras": (("name", "title"), False),
    "organizations": (
        (
            "title",
            "parent_id",
            "timezone",
            "timezone_changed_at",
            "currency",
            "trial_start",
            "trial_end",
            "invoice_to_parent",
        ),
        False,
    ),
}

_SQLITE_TOUCH = (
    "INSERT INTO ledger_stamps (id, stamp) VALUES (1, lower(hex(randomblob(16)))) "
    "ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp;"
)
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION ledger_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF current_setting('portal.ledger_touched', true) IS DISTINCT FROM txid_current()::text THEN "
    "PERFORM set_config('portal.ledger_touched', txid_current()::text, true); "
    "INSERT INTO ledger_stamps (id, stamp) VALUES (1, md5(random()::text || clock_timestamp()::text)) "
    "ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp; "
    "END IF; RETURN NULL; END $$"
)


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _sqlite(table: str) -> list[str]:
    columns, rows = WATCHED[table]
    events = [("INSERT", ""), ("DELETE", "")] if rows else []
    events.append(("UPDATE", f" WHEN {_changed(columns, 'IS NOT')}" if columns else ""))
    return [
        f"CREATE TRIGGER {table}_ledger_{when.lower()} AFTER {when} ON {table}{condition} BEGIN {_SQLITE_TOUCH} END"
        for when, condition in events
    ]


#: True for the transaction's first watched row only: it sets the transaction-local flag as it
#: answers (``SET LOCAL`` semantics: a rolled-back savepoint or transaction undoes it).
PG_FIRST_IN_TRANSACTION = (
    "current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' "
    "AND set_config('portal.ledger_queued', 'on', true) = 'on'"
)


def _postgres(table: str, once: bool) -> list[str]:
    columns, rows = WATCHED[table]
    conditions = [f"({_changed(columns, 'IS DISTINCT FROM')})"] if columns else []
    if once:
        conditions.append(PG_FIRST_IN_TRANSACTION)
    update_when = f" WHEN ({' AND '.join(conditions)})" if conditions else ""
    made = [
        f"CREATE CONSTRAINT TRIGGER {table}_ledger_update AFTER UPDATE ON {table} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW{update_when} "
        "EXECUTE FUNCTION ledger_touch()"
    ]
    if rows:
        write_when = f" WHEN ({PG_FIRST_IN_TRANSACTION})" if once else ""
        made.append(
            f"CREATE CONSTRAINT TRIGGER {table}_ledger_write AFTER INSERT OR DELETE ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW{write_when} EXECUTE FUNCTION ledger_touch()"
        )
    return made


def upgrade_statements_for(dialect: str, tables: list[str], *, once_per_transaction: bool = False) -> list[str]:
    """The triggers of ``tables`` (entries of :data:`WATCHED`) on ``dialect``.

    PostgreSQL: ``once_per_transaction`` False gives the triggers as revision b12b00000001
    made them (a deferred call queued per row); True, those of revision a12a00000002 on,
    which the models carry (:data:`PG_FIRST_IN_TRANSACTION`).
    """
    if dialect == "sqlite":
        return [statement for table in tables for statement in _sqlite(table)]
    if dialect == "postgresql":
        return [statement for table in tables for statement in _postgres(table, once_per_transaction)]
    return []


def upgrade_statements(dialect: str) -> list[str]:
    """All the DDL on ``dialect`` as the models have it (the function first on PostgreSQL)."""
    head = [PG_FUNCTION] if dialect == "postgresql" else []
    return head + upgrade_statements_for(dialect, list(WATCHED), once_per_transaction=True)


def drop_statements(dialect: str, tables: list[str]) -> list[str]:
    """The DDL that removes the triggers of ``tables`` (not the function)."""
    made = upgrade_statements_for(dialect, tables)
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {s.split()[2]}" for s in made]
    return [f"DROP TRIGGER IF EXISTS {s.split()[3]} ON {s.split(' ON ')[1].split()[0]}" for s in made]


def downgrade_statements(dialect: str) -> list[str]:
    """The DDL that removes the triggers (and the function) again."""
    if dialect == "sqlite":
        return drop_statements(dialect, list(WATCHED))
    if dialect == "postgresql":
        return [*drop_statements(dialect, list(WATCHED)), "DROP FUNCTION IF EXISTS ledger_touch()"]
    return []


def _attach() -> None:
    """Run each table's triggers after ``create_all`` creates it (the function before any table)."""
    tables = Base.metadata.tables
    event.listen(Base.metadata, "before_create", DDL(PG_FUNCTION).execute_if(dialect="postgresql"))
    for table in WATCHED:
        for dialect in ("sqlite", "postgresql"):
            for statement in upgrade_statements_for(dialect, [table], once_per_transaction=True):
                event.listen(tables[table], "after_create", DDL(statement).execute_if(dialect=dialect))


_attach()
