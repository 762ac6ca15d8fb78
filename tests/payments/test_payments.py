"""Payments on both databases: partial, overpayment carried over, refund, reversal, the database's refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.invoices.service import create_invoice, void_invoice
from portal.models import Allocation, AuditEvent, Organization, Payment, Refund
from portal.models.ledger_rules import OPEN_MESSAGE, PAYMENT_MESSAGE, REFUND_MESSAGE
from portal.payments import ledger
from portal.payments.service import record_payment, refund_payment, reverse_payment
from tests.invoices.helpers import golden_org
from tests.payments.helpers import NOW, SEP, invoice, issued
from tests.usages.helpers import utc


def _org(invoice_id: int) -> Organization:
    return invoice(invoice_id).organization


def test_partial_payment_leaves_the_rest_open(app: Flask) -> None:
    invoice_id = issued(app)
    with app.app_context():
        record_payment(_org(invoice_id), 1000, date(2026, 11, 5), NOW, reference="SEPA-1")
        db.session.commit()
        assert ledger.open_amounts(db.session, [invoice_id]) == {invoice_id: 2000}
        assert invoice(invoice_id).status == "issued"
        assert ledger.balance(db.session, _org(invoice_id).id) == {"EUR": 2000}
        record_payment(_org(invoice_id), 2000, date(2026, 11, 6), NOW, reference="SEPA-2")
        db.session.commit()
        paid = invoice(invoice_id)
        assert (paid.status, paid.paid_on, paid.payment_reference) == ("paid", date(2026, 11, 6), "SEPA-2")
        assert ledger.balance(db.session, paid.organization_id) == {"EUR": 0}


def test_overpayment_is_credit_that_the_next_invoice_consumes(app: Flask) -> None:
    org_id = golden_org(app)
    with app.app_context():
        org = db.session.get(Organization, org_id)
        payment = record_payment(org, 5000, date(2026, 10, 1), NOW, reference="PREPAY")  # nothing to settle yet
        db.session.commit()
        assert ledger.credit_available(db.session, org_id) == {"EUR": 5000}
        assert ledger.balance(db.session, org_id) == {"EUR": -5000}
        new = create_invoice(org, SEP, NOW, issue=True)
        db.session.commit()
        assert new.status == "paid" and new.payment_reference == "credit balance"
        applied = db.session.query(Allocation).filter_by(invoice_id=new.id).one()
        assert (applied.payment_id, applied.amount_minor) == (payment.id, 3000)
        assert ledger.credit_available(db.session, org_id) == {"EUR": 2000}
        assert ledger.balance(db.session, org_id) == {"EUR": -2000}


def test_overpayment_can_be_refunded_and_no_more(app: Flask) -> None:
    invoice_id = issued(app)
    with app.app_context():
        payment = record_payment(_org(invoice_id), 4500, date(2026, 11, 5), NOW, reference="TOO-MUCH")
        db.session.commit()
        assert ledger.payment_left(db.session, [payment.id]) == {payment.id: 1500}
        from portal.errors import DomainError

        with pytest.raises(DomainError, match="Only €15.00"):
            refund_payment(payment, 1501, date(2026, 11, 6), NOW)
        refund_payment(payment, 1500, date(2026, 11, 6), NOW, reference="BACK", reason="overpaid")
        db.session.commit()
        assert ledger.balance(db.session, payment.organization_id) == {"EUR": 0}
        assert ledger.credit_available(db.session, payment.organization_id) == {}
        # the database refuses a refund beyond what is left, whatever the code says
        db.session.add(
            Refund(
                payment_id=payment.id,
                organization_id=payment.organization_id,
                currency="EUR",
                amount_minor=1,
                refunded_on=date(2026, 11, 6),
                method="cash",
            )
        )
        with pytest.raises(IntegrityError, match=REFUND_MESSAGE):
            db.session.flush()
        db.session.rollback()


def test_reversal_reopens_what_the_payment_settled_and_is_audited(app: Flask) -> None:
    invoice_id = issued(app)
    with app.app_context():
        payment = record_payment(_org(invoice_id), 3000, date(2026, 11, 5), NOW, reference="BOUNCED")
        db.session.commit()
        assert invoice(invoice_id).status == "paid"
        reopened = reverse_payment(payment, "cheque bounced", utc(2026, 11, 9))
        db.session.commit()
        assert [i.id for i in reopened] == [invoice_id]
        again = invoice(invoice_id)
        assert (again.status, again.paid_on, again.payment_reference) == ("issued", None, None)
        assert ledger.open_amounts(db.session, [invoice_id]) == {invoice_id: 3000}
        assert ledger.balance(db.session, again.organization_id) == {"EUR": 3000}
        event = db.session.query(AuditEvent).filter_by(action="payment.reverse").one()
        assert "cheque bounced" in event.summary
        # a reversed payment cannot be used again
        db.session.add(Allocation(invoice_id=invoice_id, payment_id=payment.id, currency="EUR", amount_minor=1))
        with pytest.raises(IntegrityError, match=PAYMENT_MESSAGE):
            db.session.flush()
        db.session.rollback()


def test_database_refuses_an_allocation_above_what_is_open(app: Flask) -> None:
    invoice_id = issued(app)
    with app.app_context():
        org = _org(invoice_id)
        big = Payment(
            organization_id=org.id, currency="EUR", amount_minor=10_000, received_on=date(2026, 11, 5), method="cash"
        )
        db.session.add(big)
        db.session.commit()
        db.session.add(Allocation(invoice_id=invoice_id, payment_id=big.id, currency="EUR", amount_minor=3001))
        with pytest.raises(IntegrityError, match=OPEN_MESSAGE):
            db.session.flush()
        db.session.rollback()
        db.session.add(Allocation(invoice_id=invoice_id, payment_id=big.id, currency="EUR", amount_minor=2000))
        db.session.commit()
        db.session.add(Allocation(invoice_id=invoice_id, payment_id=big.id, currency="EUR", amount_minor=1001))
        with pytest.raises(IntegrityError, match=OPEN_MESSAGE):
            db.session.flush()
        db.session.rollback()
        # nor above what is left of the payment
        small = Payment(
            organization_id=org.id, currency="EUR", amount_minor=100, received_on=date(2026, 11, 5), method="cash"
        )
        db.session.add(small)
        db.session.commit()
        db.session.add(Allocation(invoice_id=invoice_id, payment_id=small.id, currency="EUR", amount_minor=101))
        with pytest.raises(IntegrityError, match=PAYMENT_MESSAGE):
            db.session.flush()
        db.session.rollback()
        # un-releasing a released allocation is checked too
        first = db.session.query(Allocation).one()
        db.session.execute(update(Allocation).values(released_at=NOW))
        db.session.commit()
        db.session.add(Allocation(invoice_id=invoice_id, payment_id=big.id, currency="EUR", amount_minor=3000))
        db.session.commit()
        with pytest.raises(IntegrityError, match=OPEN_MESSAGE):
            db.session.execute(update(Allocation).where(Allocation.id == first.id).values(released_at=None))
        db.session.rollback()


def test_future_date_is_refused_with_a_clear_message(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = issued(app)
    with app.app_context():
        org_id = _org(invoice_id).id
    page = admin_client.post(
        f"/organizations/{org_id}/payments/new",
        data={"amount": "10.00", "received_on": "2099-01-01", "method": "bank_transfer", "reference": "X"},
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "The date 2099-01-01 is in the future" in text
    with app.app_context():
        assert db.session.query(Payment).count() == 0
        from portal.errors import DomainError
        from portal.models import utcnow

        now = utcnow()
        with pytest.raises(DomainError, match="in the future"):
            record_payment(_org(invoice_id), 100, now.date() + timedelta(days=2), now)
        # today in a zone ahead of UTC is fine
        org = _org(invoice_id)
        org.timezone = "Pacific/Kiritimati"
        record_payment(org, 100, now.date() + timedelta(days=1) if now.hour >= 10 else now.date(), now)


def test_payment_form_partial_then_mark_paid_settles_the_rest(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = issued(app)
    with app.app_context():
        org_id = _org(invoice_id).id
    form = admin_client.get(f"/organizations/{org_id}/payments/new?invoice={invoice_id}").get_data(as_text=True)
    assert 'value="30.00"' in form
    page = admin_client.post(
        f"/organizations/{org_id}/payments/new",
        data={
            "amount": "12.50",
            "received_on": "2026-11-05",
            "method": "card",
            "reference": "CARD-1",
            "invoices": str(invoice_id),
        },
        follow_redirects=True,
    )
    assert "Payment recorded." in page.get_data(as_text=True)
    detail = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "Partially paid" in detail and "Open: €17.50 of €30.00" in detail
    done = admin_client.post(
        f"/invoices/{invoice_id}/pay", data={"paid_on": "2026-11-07", "reference": "SEPA-9"}, follow_redirects=True
    )
    assert "marked paid" in done.get_data(as_text=True)
    with app.app_context():
        assert invoice(invoice_id).status == "paid"
        assert sorted(p.amount_minor for p in db.session.query(Payment)) == [1250, 1750]


def test_voiding_a_paid_invoice_turns_its_payment_into_credit(app: Flask) -> None:
    invoice_id = issued(app)
    with app.app_context():
        payment = record_payment(_org(invoice_id), 3000, date(2026, 11, 5), NOW, reference="P")
        void_invoice(invoice(invoice_id), "wrong cameras", NOW)
        db.session.commit()
        assert ledger.payment_left(db.session, [payment.id]) == {payment.id: 3000}
        assert ledger.balance(db.session, payment.organization_id) == {"EUR": -3000}


def test_subsidiary_payment_is_booked_on_its_payer(app: Flask) -> None:
    with app.app_context():
        from tests.factories import make_org

        parent = make_org("Parent")
        child = make_org("Child", parent=parent, invoice_to_parent=True)
        db.session.flush()
        payment = record_payment(child, 700, date(2026, 11, 5), NOW)
        db.session.commit()
        assert payment.organization_id == parent.id
        assert ledger.balance(db.session, parent.id) == {"EUR": -700}
        assert ledger.balance(db.session, child.id) == {}


def test_settlement_listeners_hear_every_change(app: Flask) -> None:
    invoice_id = issued(app)
    heard: list[ledger.Settlement] = []
    ledger.on_settlement(heard.append)
    try:
        with app.app_context():
            payment = record_payment(_org(invoice_id), 3000, date(2026, 11, 5), NOW)
            reverse_payment(payment, "typo", NOW)
            db.session.commit()
            overdue = ledger.overdue_invoices(db.session, payment.organization_id, date(2026, 12, 31))
            assert [(o.invoice_id, o.open_minor) for o in overdue] == [(invoice_id, 3000)]
            assert ledger.overdue_invoices(db.session, payment.organization_id, date(2026, 11, 3)) == []
    finally:
        ledger.SETTLEMENT_LISTENERS.remove(heard.append)
    assert [(e.kind, e.payment_id) for e in heard] == [("payment", payment.id), ("reversal", payment.id)]
