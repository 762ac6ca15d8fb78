"""Two allocations racing for the same open amount: the database lets one through.

On PostgreSQL the trigger locks the invoice row (``FOR UPDATE``) before it sums the
allocations, so the second writer waits for the first to commit and then sees its row.  The
test holds the first transaction open, waits (polling ``pg_stat_activity``) until the second
is blocked on that lock, commits the first and expects the second to be refused.  SQLite
serialises writers with its database lock; there the second writer simply comes after.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Payment
from portal.models.ledger_rules import OPEN_MESSAGE
from tests.payments.helpers import invoice, issued

INSERT = text(
    "INSERT INTO allocations (invoice_id, payment_id, currency, amount_minor, created_at) "
    "VALUES (:invoice, :payment, 'EUR', 2000, CURRENT_TIMESTAMP)"
)


def _setup(app: Flask) -> tuple[int, int]:
    invoice_id = issued(app)
    with app.app_context():
        org_id = invoice(invoice_id).organization_id
        payment = Payment(
            organization_id=org_id, currency="EUR", amount_minor=10_000, received_on=date(2026, 11, 5), method="cash"
        )
        db.session.add(payment)
        db.session.commit()
        return invoice_id, payment.id


def _blocked_on_lock(app: Flask) -> bool:
    with app.app_context(), db.engine.connect() as probe:
        return bool(
            probe.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO allocations%'"
                )
            ).scalar()
        )


def test_two_allocations_for_the_same_open_amount(app: Flask) -> None:
    invoice_id, payment_id = _setup(app)
    values = {"invoice": invoice_id, "payment": payment_id}
    with app.app_context():
        dialect = db.engine.dialect.name
        first = db.engine.connect()
        first.begin()
        first.execute(INSERT, values)  # holds the invoice row lock (PostgreSQL) / the write lock (SQLite)
        if dialect != "postgresql":
            first.commit()
            first.close()
            with db.engine.connect() as second, pytest.raises(IntegrityError, match=OPEN_MESSAGE):
                second.execute(INSERT, values)
            return
    outcome: list[BaseException | None] = []

    def second_writer() -> None:
        with app.app_context(), db.engine.connect() as second:
            try:
                second.execute(INSERT, values)
                second.commit()
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - reported to the test thread
                outcome.append(exc)

    thread = threading.Thread(target=second_writer)
    thread.start()
    deadline = time.monotonic() + 60
    while not _blocked_on_lock(app):  # poll: the second writer must wait for the first's lock
        assert time.monotonic() < deadline, "the second allocation did not wait for the first"
        assert thread.is_alive(), f"the second allocation did not wait: {outcome}"
        time.sleep(0.05)
    first.commit()
    first.close()
    thread.join(60)
    assert len(outcome) == 1 and isinstance(outcome[0], IntegrityError) and OPEN_MESSAGE in str(outcome[0])
    with app.app_context():
        assert db.session.execute(text("SELECT sum(amount_minor) FROM allocations")).scalar() == 2000
