"""The DATABASE's no-overlap rule on instants: no two non-voided coverage rows of one
organization overlap (``invoice_coverage``, see :class:`~portal.models.invoice.InvoiceCoverage`).

PostgreSQL: an EXCLUDE constraint on ``(organization_id, tstzrange(start_at, end_at, '[)'))``
(btree_gist, race-safe).  SQLite: BEFORE INSERT/UPDATE triggers (SQLite writes one
transaction at a time; timestamps are stored as fixed-width UTC text, so they compare in order).
Both raise :class:`~sqlalchemy.exc.IntegrityError`.  An invoice that becomes void (by the
service or by plain SQL) releases its coverage: an AFTER UPDATE trigger sets ``voided``.  Used by the migration (a copy) and, via
``after_create``, by ``Base.metadata.create_all``.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from portal.models.invoice import InvoiceCoverage

COVERAGE_MESSAGE = "invoice coverage overlaps another non-void invoice of this organization"

_OVERLAP = (
    "NOT NEW.voided AND EXISTS (SELECT 1 FROM invoice_coverage AS other "
    "WHERE other.organization_id = NEW.organization_id AND NOT other.voided "
    "AND other.id IS NOT NEW.id AND other.start_at < NEW.end_at AND other.end_at > NEW.start_at)"
)

SQLITE_UP = [
    f"CREATE TRIGGER invoice_coverage_no_overlap_{when.lower()} BEFORE {when} ON invoice_coverage "
    f"WHEN {_OVERLAP} BEGIN SELECT RAISE(ABORT, '{COVERAGE_MESSAGE}'); END"
    for when in ("INSERT", "UPDATE")
]
SQLITE_UP.append(
    "CREATE TRIGGER invoices_void_coverage AFTER UPDATE OF status ON invoices "
    "WHEN NEW.status = 'void' BEGIN UPDATE invoice_coverage SET voided = 1 "
    "WHERE invoice_id = NEW.id; END"
)
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS invoice_coverage_no_overlap_insert",
    "DROP TRIGGER IF EXISTS invoice_coverage_no_overlap_update",
    "DROP TRIGGER IF EXISTS invoices_void_coverage",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE invoice_coverage ADD CONSTRAINT ex_invoice_coverage_no_overlap EXCLUDE USING gist "
    "(organization_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) WHERE (NOT voided)",
    "CREATE FUNCTION invoices_void_coverage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE invoice_coverage SET voided = true WHERE invoice_id = NEW.id; RETURN NEW; END $$",
    "CREATE TRIGGER invoices_void_coverage AFTER UPDATE OF status ON invoices FOR EACH ROW "
    "WHEN (NEW.status = 'void') EXECUTE FUNCTION invoices_void_coverage()",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS invoices_void_coverage ON invoices",
    "DROP FUNCTION IF EXISTS invoices_void_coverage()",
    "ALTER TABLE invoice_coverage DROP CONSTRAINT IF EXISTS ex_invoice_coverage_no_overlap",
]


def upgrade_statements(dialect: str) -> list[str]:
    """The DDL that adds the rule on ``dialect``."""
    return {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, [])


def downgrade_statements(dialect: str) -> list[str]:
    """The DDL that removes it."""
    return {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(dialect, [])


def _attach() -> None:
    table = InvoiceCoverage.__table__
    for dialect in ("sqlite", "postgresql"):
        for statement in upgrade_statements(dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))


_attach()
