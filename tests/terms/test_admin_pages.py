"""Admin pages for the operator's details, taxes and an organization's prices; the demo's terms."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.demo import load_demo
from portal.extensions import db
from portal.invoices.documents import missing_details, operator_profile
from portal.models import DocumentLogo, IndividualPrice, Organization, OrganizationTerms, Tax, TaxRate
from tests.factories import make_org, make_tariff
from tests.terms.helpers import tiny_png


def _operator_form(**extra: object) -> dict[str, object]:
    return {
        "legal_name": "Acme Cloud Ltd",
        "address": "1 Main St\nSpringfield",
        "tax_id": "GB999",
        "registration": "Company no. 1",
        "payment_details": "IBAN GB00 0000",
        "footer": "Footer text",
        **extra,
    }


def test_operator_page_saves_details_and_a_png_logo(app: Flask, admin_client: FlaskClient) -> None:
    png = tiny_png()
    response = admin_client.post(
        "/admin/operator", data=_operator_form(logo=(io.BytesIO(png), "logo.png")), content_type="multipart/form-data"
    )
    assert response.status_code == 302
    with app.app_context():
        profile = operator_profile()
        assert profile is not None and profile.legal_name == "Acme Cloud Ltd" and missing_details(profile) == []
        assert db.session.get(DocumentLogo, profile.logo_sha256).data == png
        sha = profile.logo_sha256
    logo = admin_client.get(f"/documents/logos/{sha}")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == png
    assert "Acme Cloud Ltd" in admin_client.get("/admin/operator").get_data(as_text=True)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"GIF89a" + b"\0" * 40, "not a readable PNG or JPEG image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a readable PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\n" + b"x" * (600 * 1024), "larger than 512 KB"),
    ],
)
def test_operator_logo_must_be_a_small_png_or_jpeg(
    app: Flask, admin_client: FlaskClient, payload: bytes, message: str
) -> None:
    response = admin_client.post(
        "/admin/operator",
        data=_operator_form(logo=(io.BytesIO(payload), "logo.png")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DocumentLogo)) == 0
        assert operator_profile().legal_name != "Acme Cloud Ltd"  # nothing saved


def test_taxes_page_adds_a_tax_and_a_rate(app: Flask, admin_client: FlaskClient) -> None:
    response = admin_client.post("/admin/taxes", data={"name": "IVA", "rate": "21", "effective_from": "2026-01-01"})
    assert response.status_code == 302
    with app.app_context():
        tax_id = db.session.scalar(select(Tax.id))
    admin_client.post(f"/admin/taxes/{tax_id}/rates", data={"rate": "10,5", "effective_from": "2027-01-01"})
    page = admin_client.get("/admin/taxes").get_data(as_text=True)
    assert "IVA" in page and "21%" in page and "10.5%" in page
    with app.app_context():
        assert sorted(db.session.scalars(select(TaxRate.rate_bp))) == [1050, 2100]


def test_organization_pricing_page_sets_tax_terms_and_an_individual_price(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        tariff = make_tariff("Basic", price=1100)
        org = make_org("Acme")
        org.allowed_tariffs = [tariff]
        tax = Tax(name="IVA", rates=[TaxRate(effective_from=date(2026, 1, 1), rate_bp=2100)])
        db.session.add(tax)
        db.session.commit()
        org_id, tariff_id, tax_id = org.id, tariff.id, tax.id
    url = f"/admin/organizations/{org_id}/pricing"
    assert "Prices and tax of Acme" in admin_client.get(url).get_data(as_text=True)
    admin_client.post(
        url,
        data={
            "terms-tax": str(tax_id),
            "terms-customer_tax_id": "ESB1",
            "terms-tax_note": "Exento",
            "terms-submit": "x",
        },
    )
    response = admin_client.post(
        url,
        data={
            "price-tariff": str(tariff_id),
            "price-kind": "override",
            "price-value": "9.00",
            "price-effective_from": "2026-10-01",
            "price-submit": "x",
        },
    )
    assert response.status_code == 302
    page = admin_client.get(url).get_data(as_text=True)
    assert "€9.00 / month" in page
    with app.app_context():
        terms = db.session.get(OrganizationTerms, org_id)
        assert (terms.tax_id, terms.customer_tax_id, terms.tax_note) == (tax_id, "ESB1", "Exento")
        price = db.session.scalar(select(IndividualPrice))
        assert (price.kind, price.value, price.effective_from) == ("override", 900, date(2026, 10, 1))


@pytest.mark.no_operator_details
def test_the_demo_ships_complete_operator_details_and_terms(app: Flask) -> None:
    with app.app_context():
        assert missing_details(operator_profile()) != []
        assert load_demo(date(2026, 11, 2))
        db.session.commit()
        assert missing_details(operator_profile()) == []
        northwind = db.session.scalar(select(Organization).where(Organization.title == "Northwind Security"))
        assert db.session.get(OrganizationTerms, northwind.id).tax.name == "USt"
        assert db.session.scalar(select(func.count()).select_from(IndividualPrice)) == 2
