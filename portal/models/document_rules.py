"""The database freezes an issued invoice's seller, buyer and tax snapshots too.

:mod:`portal.models.invoice_rules` freezes the columns it knows; this adds one
trigger for the snapshot columns (``seller_snapshot``, ``buyer_snapshot``,
``tax_breakdown``): once the invoice has left draft they never change.  The
lines' new columns (list price, tax rate) are covered by the existing line
triggers, which refuse any change to a line of a non-draft invoice.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from portal.models import invoice_rules  # its DDL first: the PostgreSQL trigger function lives there
from portal.models.invoice import Invoice

SNAPSHOT_COLUMNS = ("seller_snapshot", "buyer_snapshot", "tax_breakdown")


def _condition(distinct: str) -> str:
    new = ", ".join(f"NEW.{c}" for c in SNAPSHOT_COLUMNS)
    old = ", ".join(f"OLD.{c}" for c in SNAPSHOT_COLUMNS)
    return f"OLD.status <> 'draft' AND ({new}) {distinct} ({old})"


SQLITE_UP = [
    "CREATE TRIGGER invoices_snapshots_frozen BEFORE UPDATE ON invoices "
    f"WHEN {_condition('IS NOT')} BEGIN SELECT RAISE(ABORT, '{invoice_rules.FROZEN_MESSAGE}'); END"
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS invoices_snapshots_frozen"]
POSTGRES_UP = [
    "CREATE TRIGGER invoices_snapshots_frozen BEFORE UPDATE ON invoices FOR EACH ROW "
    f"WHEN ({_condition('IS DISTINCT FROM')}) "
    f"EXECUTE FUNCTION invoices_refuse_change('{invoice_rules.FROZEN_MESSAGE}')"
]
POSTGRES_DOWN = ["DROP TRIGGER IF EXISTS invoices_snapshots_frozen ON invoices"]


def _attach() -> None:
    table = Invoice.metadata.tables["invoices"]
    for dialect, statements in (("sqlite", SQLITE_UP), ("postgresql", POSTGRES_UP)):
        for statement in statements:
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))


_attach()
