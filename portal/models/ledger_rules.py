"""Rules the DATABASE keeps for allocations and refunds, beyond the model's checks.

An allocation that counts (``released_at IS NULL``) is refused when

* its invoice is not issued or paid, or is in another currency (:data:`STATE_MESSAGE`);
* it would take the invoice's allocations above its total (:data:`OPEN_MESSAGE`);
* it would take its payment's allocations plus refunds above the payment, or the payment is
  reversed or in another currency (:data:`PAYMENT_MESSAGE`);
* it would take its credit note's allocations above the credit note (:data:`CREDIT_MESSAGE`).

A refund is refused when it would take its payment's allocations plus refunds above the
payment, or the payment is reversed (:data:`REFUND_MESSAGE`).

SQLite: BEFORE INSERT/UPDATE triggers with ``RAISE(ABORT)``; PostgreSQL: plpgsql functions
raising ``integrity_constraint_violation`` that first lock the invoice and the payment or
credit note row (``FOR UPDATE``), so two concurrent allocations cannot both pass the check.
SQLAlchemy raises :class:`~sqlalchemy.exc.IntegrityError` on both.  Deleting rows is not
guarded (nothing deletes them but the tests' clean-up).  The same statements feed the
Alembic migration (copied there) and ``create_all`` through ``after_create`` events.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from portal.models.payment import Allocation

STATE_MESSAGE = "an allocation needs an issued or paid invoice in the same currency"
OPEN_MESSAGE = "allocation exceeds what is open on the invoice"
PAYMENT_MESSAGE = "allocation exceeds what is left of the payment"
CREDIT_MESSAGE = "allocation exceeds what is left of the credit note"
REFUND_MESSAGE = "refund exceeds what is left of the payment"

_ACTIVE_ON_INVOICE = (
    "COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE a.invoice_id = NEW.invoice_id "
    "AND a.released_at IS NULL AND a.id IS NOT NEW.id), 0)"
)
_ACTIVE_ON_PAYMENT = (
    "COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE a.payment_id = NEW.payment_id "
    "AND a.released_at IS NULL AND a.id IS NOT NEW.id), 0)"
)
_REFUNDS_OF_PAYMENT = (
    "COALESCE((SELECT SUM(r.amount_minor) FROM refunds AS r WHERE r.payment_id = NEW.payment_id "
    "AND r.id IS NOT NEW.id), 0)"
)
_ALLOCS_OF_REFUNDED = (
    "COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE a.payment_id = NEW.payment_id "
    "AND a.released_at IS NULL), 0)"
)
_ACTIVE_ON_CREDIT = (
    "COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE a.credit_note_id = NEW.credit_note_id "
    "AND a.released_at IS NULL AND a.id IS NOT NEW.id), 0)"
)

_SQLITE_CONDITIONS = {
    "state": (
        "NOT EXISTS (SELECT 1 FROM invoices AS i WHERE i.id = NEW.invoice_id "
        "AND i.status IN ('issued', 'paid') AND i.currency = NEW.currency)",
        STATE_MESSAGE,
    ),
    "open": (
        f"NEW.amount_minor + {_ACTIVE_ON_INVOICE} > (SELECT i.total_minor FROM invoices AS i WHERE i.id = NEW.invoice_id)",
        OPEN_MESSAGE,
    ),
    "payment": (
        "NEW.payment_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.id = NEW.payment_id "
        "AND p.reversed_at IS NULL AND p.currency = NEW.currency "
        f"AND NEW.amount_minor + {_ACTIVE_ON_PAYMENT} + {_REFUNDS_OF_PAYMENT} <= p.amount_minor)",
        PAYMENT_MESSAGE,
    ),
    "credit": (
        "NEW.credit_note_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM credit_notes AS c "
        "WHERE c.id = NEW.credit_note_id AND c.currency = NEW.currency "
        f"AND NEW.amount_minor + {_ACTIVE_ON_CREDIT} <= c.total_minor)",
        CREDIT_MESSAGE,
    ),
}
_SQLITE_REFUND = (
    "NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.id = NEW.payment_id AND p.reversed_at IS NULL "
    f"AND NEW.amount_minor + {_ALLOCS_OF_REFUNDED} + {_REFUNDS_OF_PAYMENT} <= p.amount_minor)"
)


def _sqlite(name: str, when: str, table: str, condition: str, message: str) -> tuple[str, str]:
    return (
        table,
        f"CREATE TRIGGER {name} BEFORE {when} ON {table} WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END",
    )


SQLITE_UP: list[tuple[str, str]] = [
    _sqlite(f"allocations_{key}_{op.lower()}", op, "allocations", f"NEW.released_at IS NULL AND {cond}", msg)
    for key, (cond, msg) in _SQLITE_CONDITIONS.items()
    for op in ("INSERT", "UPDATE")
] + [
    _sqlite(f"refunds_left_{op.lower()}", op, "refunds", _SQLITE_REFUND, REFUND_MESSAGE) for op in ("INSERT", "UPDATE")
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {statement.split()[2]}" for _table, statement in SQLITE_UP]


def _raise(message: str) -> str:
    return f"RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';"


_PG_ALLOCATIONS = (
    "CREATE FUNCTION allocations_check() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE inv RECORD; src RECORD; used BIGINT; refunded BIGINT; "
    "BEGIN "
    "IF NEW.released_at IS NOT NULL THEN RETURN NEW; END IF; "
    "SELECT status, currency, total_minor INTO inv FROM invoices WHERE id = NEW.invoice_id FOR UPDATE; "
    f"IF NOT FOUND OR inv.status NOT IN ('issued', 'paid') OR inv.currency <> NEW.currency THEN "
    f"{_raise(STATE_MESSAGE)} END IF; "
    "SELECT COALESCE(SUM(amount_minor), 0) INTO used FROM allocations "
    "WHERE invoice_id = NEW.invoice_id AND released_at IS NULL AND id IS DISTINCT FROM NEW.id; "
    f"IF used + NEW.amount_minor > inv.total_minor THEN {_raise(OPEN_MESSAGE)} END IF; "
    "IF NEW.payment_id IS NOT NULL THEN "
    "SELECT amount_minor, currency, reversed_at INTO src FROM payments WHERE id = NEW.payment_id FOR UPDATE; "
    "SELECT COALESCE(SUM(amount_minor), 0) INTO used FROM allocations "
    "WHERE payment_id = NEW.payment_id AND released_at IS NULL AND id IS DISTINCT FROM NEW.id; "
    "SELECT COALESCE(SUM(amount_minor), 0) INTO refunded FROM refunds WHERE payment_id = NEW.payment_id; "
    "IF src.reversed_at IS NOT NULL OR src.currency <> NEW.currency "
    f"OR used + refunded + NEW.amount_minor > src.amount_minor THEN {_raise(PAYMENT_MESSAGE)} END IF; "
    "END IF; "
    "IF NEW.credit_note_id IS NOT NULL THEN "
    "SELECT total_minor, currency INTO src FROM credit_notes WHERE id = NEW.credit_note_id FOR UPDATE; "
    "SELECT COALESCE(SUM(amount_minor), 0) INTO used FROM allocations "
    "WHERE credit_note_id = NEW.credit_note_id AND released_at IS NULL AND id IS DISTINCT FROM NEW.id; "
    "IF src.currency <> NEW.currency OR used + NEW.amount_minor > src.total_minor THEN "
    f"{_raise(CREDIT_MESSAGE)} END IF; "
    "END IF; "
    "RETURN NEW; END $$"
)
_PG_REFUNDS = (
    "CREATE FUNCTION refunds_check() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE src RECORD; used BIGINT; refunded BIGINT; "
    "BEGIN "
    "SELECT amount_minor, reversed_at INTO src FROM payments WHERE id = NEW.payment_id FOR UPDATE; "
    "SELECT COALESCE(SUM(amount_minor), 0) INTO used FROM allocations "
    "WHERE payment_id = NEW.payment_id AND released_at IS NULL; "
    "SELECT COALESCE(SUM(amount_minor), 0) INTO refunded FROM refunds "
    "WHERE payment_id = NEW.payment_id AND id IS DISTINCT FROM NEW.id; "
    "IF NOT FOUND OR src.reversed_at IS NOT NULL OR used + refunded + NEW.amount_minor > src.amount_minor THEN "
    f"{_raise(REFUND_MESSAGE)} END IF; "
    "RETURN NEW; END $$"
)
POSTGRES_UP: list[tuple[str, str]] = [
    ("allocations", _PG_ALLOCATIONS),
    (
        "allocations",
        "CREATE TRIGGER allocations_check BEFORE INSERT OR UPDATE ON allocations "
        "FOR EACH ROW EXECUTE FUNCTION allocations_check()",
    ),
    ("refunds", _PG_REFUNDS),
    (
        "refunds",
        "CREATE TRIGGER refunds_check BEFORE INSERT OR UPDATE ON refunds FOR EACH ROW EXECUTE FUNCTION refunds_check()",
    ),
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS refunds_check ON refunds",
    "DROP FUNCTION IF EXISTS refunds_check()",
    "DROP TRIGGER IF EXISTS allocations_check ON allocations",
    "DROP FUNCTION IF EXISTS allocations_check()",
]


def upgrade_statements(dialect: str) -> list[str]:
    """The DDL that adds the rules on ``dialect`` (``sqlite``/``postgresql``; others: none)."""
    pairs = {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, [])
    return [statement for _table, statement in pairs]


def downgrade_statements(dialect: str) -> list[str]:
    """The DDL that removes them again."""
    return {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(dialect, [])


def _attach() -> None:
    """Run each statement after ``create_all`` creates the table it is about."""
    tables = Allocation.metadata.tables
    for dialect, pairs in (("sqlite", SQLITE_UP), ("postgresql", POSTGRES_UP)):
        for table, statement in pairs:
            event.listen(tables[table], "after_create", DDL(statement).execute_if(dialect=dialect))


_attach()
