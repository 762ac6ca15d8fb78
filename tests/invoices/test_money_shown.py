"""Money shown as money: the audit trail in major units, price versions with their dates, and
the minor unit frozen on every invoice."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from portal.billing import money, month_period
from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Invoice, Organization
from portal.tariffs.impact import price_impact
from portal.tariffs.service import set_price
from tests.factories import make_org, make_tariff
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP
from tests.usages.helpers import use, utc

OCT = month_period(2026, 10)


def test_audit_shows_invoice_totals_and_prices_in_major_units(app: Flask, admin_client: FlaskClient) -> None:
    org_id = golden_org(app)
    with app.app_context():
        create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=True)
        db.session.commit()
    response = admin_client.post(
        "/admin/services/new",
        data={
            "name": "Archive 30 days",
            "kind": "continuous_archive",
            "archive_days": "30",
            "monthly_price": "12.40",
            "currency": "EUR",
            "description": "",
        },
    )
    assert response.status_code == 302
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert "INV-2026-000001: €30.00" in page and "30 EUR" not in page and "3000" not in page
    assert '"monthly_price": "€12.40"' in page and "monthly_price_minor" not in page


def test_two_price_versions_in_a_period_show_their_dates(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        org = make_org("Dated")
        tariff = make_tariff("Archive 30 days", price=3100)
        use(org, tariff, utc(2026, 9, 1), None, name="dated-1")
        impact = price_impact(tariff, 6200, date(2026, 10, 16), utc(2026, 11, 2))
        set_price(tariff, 6200, date(2026, 10, 16), now=utc(2026, 11, 2), confirmed=impact.digest())
        db.session.commit()
        org_id = org.id
    page = admin_client.get(
        f"/organizations/{org_id}/usages", query_string={"period": "custom", "start": "2026-10-01", "end": "2026-10-31"}
    )
    html = page.get_data(as_text=True)
    assert "Archive 30 days · until 15 Oct" in html and "Archive 30 days · from 16 Oct" in html
    with app.app_context():
        invoice = create_invoice(db.session.get(Organization, org_id), OCT, utc(2026, 11, 2), issue=True)
        db.session.commit()
        assert [line.description for line in invoice.lines] == [
            "Archive 30 days · until 15 Oct",
            "Archive 30 days · from 16 Oct",
        ]
        assert [line.amount_minor for line in invoice.lines] == [1500, 3200]  # 15/31 of 31.00, 16/31 of 62.00


def test_invoice_keeps_the_minor_unit_it_was_issued_with(
    app: Flask, admin_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        org = make_org("Baghdad Cams", currency="IQD", timezone="Asia/Baghdad")
        tariff = make_tariff("IQD basic", price=12_345_678, currency="IQD")
        use(org, tariff, utc(2026, 9, 1), None)
        invoice = create_invoice(org, SEP, NOW, issue=True)
        db.session.commit()
        invoice_id = invoice.id
        assert invoice.minor_units == 3
    before = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "IQD12,345.678" in before
    monkeypatch.setitem(money.EXPONENTS, "IQD", 0)  # a later table says IQD has no decimals
    after = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "IQD12,345.678" in after
    csv = admin_client.get(f"/invoices/{invoice_id}/csv").get_data(as_text=True)
    assert "12345.678" in csv
    with app.app_context(), pytest.raises(IntegrityError, match="cannot change"):
        db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(minor_units=0))
        db.session.flush()


def test_a_tariff_can_be_priced_in_clp_and_cop(app: Flask, admin_client: FlaskClient) -> None:
    for currency, good, bad in (("CLP", "1500", "1500.5"), ("COP", "25000.50", "25000.505")):
        data = {
            "name": f"Arch {currency}",
            "kind": "continuous_archive",
            "archive_days": "7",
            "monthly_price": bad,
            "currency": currency,
            "description": "",
        }
        refused = admin_client.post("/admin/services/new", data=data)
        assert refused.status_code == 200 and "amounts take" in refused.get_data(as_text=True)
        assert admin_client.post("/admin/services/new", data={**data, "monthly_price": good}).status_code == 302
    with app.app_context():
        rows = db.session.execute(text("SELECT currency, monthly_price_minor FROM services ORDER BY currency"))
        assert [tuple(r) for r in rows] == [("CLP", 1500), ("COP", 2500050)]
