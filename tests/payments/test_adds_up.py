"""Every figure adds up: after each of many random operations, the balance, the statement and the
open amounts minus the credit agree (an independent running total is kept here too)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from flask import Flask

from portal.credit_notes.service import create_credit_note
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Payment
from portal.payments import ledger
from portal.payments.service import record_payment, refund_payment, reverse_payment
from portal.payments.statement import accounts
from tests.payments.helpers import NOW, invoice, issued


def _check(org_id: int, invoice_id: int, expected: int) -> None:
    owed = ledger.balance(db.session, org_id).get("EUR", 0)
    opened = ledger.open_amounts(db.session, [invoice_id])[invoice_id]
    credit = ledger.credit_available(db.session, org_id).get("EUR", 0)
    found = accounts(db.session, invoice(invoice_id).organization)
    closing = found[0].closing_minor if found else 0
    assert owed == expected == opened - credit == closing
    assert 0 <= opened <= invoice(invoice_id).total_minor and credit >= 0
    assert (invoice(invoice_id).status == "paid") == (opened == 0)


def test_random_payments_refunds_reversals_and_credit_notes_keep_every_figure_consistent(app: Flask) -> None:
    invoice_id = issued(app, tax_bp=2100)  # €30.00 + 21 % = €36.30
    rng = random.Random(20261130)
    with app.app_context():
        org = invoice(invoice_id).organization
        org_id, expected = org.id, invoice(invoice_id).total_minor
        day = date(2026, 11, 1)
        done: dict[str, int] = {}
        for _step in range(40):
            action = rng.choice(["pay", "pay", "refund", "reverse", "credit"])
            day = min(day + timedelta(days=rng.choice([0, 0, 1])), date(2026, 11, 20))
            try:
                if action == "pay":
                    amount = rng.randint(1, 2500)
                    record_payment(org, amount, day, NOW, reference=f"R{_step}")
                    expected -= amount
                elif action == "refund":
                    payments = [p for p in db.session.query(Payment).filter_by(reversed_at=None)]
                    left = ledger.payment_left(db.session, [p.id for p in payments])
                    candidates = [p for p in payments if left[p.id] > 0]
                    if candidates:
                        chosen = rng.choice(candidates)
                        amount = rng.randint(1, left[chosen.id])
                        refund_payment(chosen, amount, day, NOW)
                        expected += amount
                    else:
                        action = "nothing"
                elif action == "reverse":
                    candidates = [p for p in db.session.query(Payment).filter_by(reversed_at=None) if not p.refunds]
                    if candidates:
                        chosen = rng.choice(candidates)
                        reverse_payment(chosen, "random", NOW)
                        expected += chosen.amount_minor
                    else:
                        action = "nothing"
                else:
                    note = create_credit_note(invoice(invoice_id), "random", NOW, amount_minor=rng.randint(1, 400))
                    expected -= note.total_minor
            except DomainError:
                db.session.rollback()  # e.g. nothing left to credit: refused, nothing changed
            else:
                db.session.commit()
                done[action] = done.get(action, 0) + 1
            _check(org_id, invoice_id, expected)
        assert set(done) >= {"pay", "refund", "reverse", "credit"}, done  # every kind of movement happened
