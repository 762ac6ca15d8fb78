"""64-bit money: an invoice whose total is above 2^31 minor units is issued and read back exactly."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from portal.billing import month_period
from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Invoice, InvoiceLine, Organization
from tests.factories import make_org, make_tariff
from tests.usages.helpers import use, utc

INT32_MAX = 2**31 - 1
#: 4,400 cameras at 5,000.00 KZT would be 2,200,000,000 tiyn; 4 cameras at 5,500,000.00 KZT are the same.
PRICE = 550_000_000
CAMERAS = 4


def test_total_above_2_to_the_31_is_issued_and_read_back(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        org = make_org("Steppe Security", currency="KZT", timezone="Asia/Almaty")
        tariff = make_tariff("City 5000", price=PRICE, currency="KZT")
        for n in range(CAMERAS):
            use(org, tariff, utc(2026, 9, 1), None, name=f"kzt-{n}")
        invoice = create_invoice(
            db.session.get(Organization, org.id), month_period(2026, 10), utc(2026, 11, 2, 9), issue=True
        )
        db.session.commit()
        invoice_id = invoice.id
        db.session.expunge_all()
    with app.app_context():
        total = db.session.execute(text("SELECT total_minor, subtotal_minor FROM invoices")).one()
        assert total == (PRICE * CAMERAS, PRICE * CAMERAS) and total[0] > INT32_MAX
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None and invoice.status == "issued"
        assert invoice.total_minor == 2_200_000_000
        line = db.session.scalar(select(InvoiceLine))
        assert (line.unit_price_minor, line.amount_minor) == (PRICE, 2_200_000_000)
    page = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "22,000,000.00" in page
