"""Immutability, the database's no-overlap rule, pay/void rules and gapless numbering."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.billing import month_period
from portal.errors import DomainError
from portal.extensions import db
from portal.invoices.service import create_invoice, mark_paid, void_invoice
from portal.models import Invoice, InvoiceLine, Organization, Tariff, TariffPrice
from tests.factories import make_org
from tests.invoices.helpers import golden_org
from tests.usages.helpers import utc

SEP = month_period(2026, 9)
NOW = utc(2026, 11, 2, 9)


#: A CSRF token input: its signed value carries a timestamp, so it differs between two requests
#: that fall in different seconds.
_CSRF_INPUT = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')


def _without_csrf(html: str) -> str:
    """The page with its CSRF token inputs removed; everything else (every number) stays."""
    stripped = _CSRF_INPUT.sub("", html)
    assert "csrf_token" not in stripped and "invoice-total" in stripped
    return stripped


def _issued(app: Flask) -> int:
    org_id = golden_org(app)
    with app.app_context():
        invoice = create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=True)
        db.session.commit()
        return invoice.id


def test_issued_invoice_ignores_later_catalog_changes(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _issued(app)
    before = _without_csrf(admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True))
    with app.app_context():
        tariff = db.session.scalar(select(Tariff))
        tariff.name = "Renamed"
        db.session.execute(update(TariffPrice).values(amount_minor=99_900))
        db.session.commit()
    after = _without_csrf(admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True))
    assert after == before
    assert "Basic Acme" in after and "Renamed" not in after and "€30.00" in after


def test_database_refuses_changing_an_issued_invoice(app: Flask) -> None:
    invoice_id = _issued(app)
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(subtotal_minor=1, total_minor=1))
            db.session.flush()
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(update(InvoiceLine).values(amount_minor=1))
            db.session.flush()
        db.session.rollback()
        db.session.execute(
            update(Invoice)
            .where(Invoice.id == invoice_id)
            .values(status="paid", paid_on=date(2026, 11, 3), payment_reference="x")
        )
        db.session.commit()  # the lifecycle fields may change


def _raw(org_id: int, start: date, end: date, status: str = "issued", number: str | None = None) -> Invoice:
    invoice = Invoice(
        organization_id=org_id,
        period_start=start,
        period_end=end,
        status=status,
        currency="EUR",
        number=number,
        void_reason="typo" if status == "void" else None,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def test_database_refuses_overlapping_non_void_invoices(ctx: None) -> None:
    org = make_org("Overlap")
    other = make_org("Other")
    first = _raw(org.id, date(2026, 9, 1), date(2026, 9, 30), number="X-1")
    db.session.commit()
    with pytest.raises(IntegrityError):
        _raw(org.id, date(2026, 9, 30), date(2026, 10, 30), number="X-2")
    db.session.rollback()
    with pytest.raises(IntegrityError):  # a draft blocks too
        _raw(org.id, date(2026, 9, 10), date(2026, 9, 12), status="draft")
    db.session.rollback()
    _raw(other.id, date(2026, 9, 1), date(2026, 9, 30), number="X-3")  # other org: fine
    _raw(org.id, date(2026, 10, 1), date(2026, 10, 31), number="X-4")  # adjacent: fine
    _raw(org.id, date(2026, 9, 5), date(2026, 9, 6), status="void", number="X-5")  # void: fine
    db.session.commit()
    db.session.execute(update(Invoice).where(Invoice.id == first.id).values(status="void", void_reason="wrong"))
    db.session.commit()
    _raw(org.id, date(2026, 9, 1), date(2026, 9, 30), number="X-6")  # the void one no longer blocks
    db.session.commit()


def test_paid_needs_date_and_reference_void_needs_reason(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _issued(app)
    page = admin_client.post(f"/invoices/{invoice_id}/pay", data={"reference": ""}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Enter the payment date." in text and "Enter the payment reference." in text
    page = admin_client.post(f"/invoices/{invoice_id}/void", data={"reason": " "}, follow_redirects=True)
    assert "Enter the reason for voiding." in page.get_data(as_text=True)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.status == "issued"
        with pytest.raises(DomainError, match="payment reference"):
            mark_paid(invoice, date(2026, 11, 5), "  ")
    ok = admin_client.post(
        f"/invoices/{invoice_id}/pay", data={"paid_on": "2026-11-05", "reference": "SEPA-42"}, follow_redirects=True
    )
    assert "marked paid" in ok.get_data(as_text=True) and "SEPA-42" in ok.get_data(as_text=True)


def test_numbering_is_gapless_and_void_keeps_its_number(app: Flask) -> None:
    first_id = _issued(app)
    with app.app_context():
        first = db.session.get(Invoice, first_id)
        void_invoice(first, "issued by mistake", NOW)
        db.session.commit()
        assert (first.status, first.number) == ("void", "INV-2026-000001")
        again = create_invoice(first.organization, SEP, NOW, issue=True)
        db.session.commit()
        assert again.number == "INV-2026-000002"
        other = golden_org(app, "Beta")
        third = create_invoice(db.session.get(Organization, other), SEP, NOW, issue=True)
        db.session.rollback()  # a rolled-back issue gives its number back
        third = create_invoice(db.session.get(Organization, other), SEP, NOW, issue=True)
        db.session.commit()
        assert third.number == "INV-2026-000003"
