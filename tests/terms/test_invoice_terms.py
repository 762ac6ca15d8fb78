"""An invoice with the operator's details, two tax rates and an individual price (issue #15).

"Two tax rates on one invoice" here: a parent (IVA 21 %) and a subsidiary billed to it with a
tax of its own (IGIC 7 %): each line is taxed at its organization's rate, and the invoice shows
each rate with its base, rounded once per rate.  A rate change inside the period splits lines
the same way (tests/billing/test_terms.py).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from portal.billing_read import rate_scope
from portal.extensions import db
from portal.invoices.documents import SellerDetailsMissing
from portal.invoices.run import billing_run
from portal.invoices.service import create_invoice
from portal.models import Invoice, Organization, Tariff
from portal.terms import service as terms
from tests.factories import make_org, make_tariff
from tests.invoices.test_lifecycle import NOW, SEP
from tests.terms.helpers import OPERATOR, tiny_png
from tests.usages.helpers import golden_september, use, utc


def _world(app: Flask) -> dict[str, int]:
    """Parent "Cámaras Sol" (IVA 21 %, own price €9.00 of list €11.00) with "Sol Canarias" (IGIC 7 %,
    its own terms: the list price)."""
    with app.app_context():
        terms.save_operator(OPERATOR, logo=tiny_png())
        parent = make_org("Cámaras Sol", billing_contact="Calle Sol 2, Sevilla", timezone="Europe/Madrid")
        child = make_org("Sol Canarias", parent=parent, invoice_to_parent=True, timezone="Atlantic/Canary")
        tariff = make_tariff("Archivo 30", price=1100)
        iva, igic = terms.save_tax("IVA"), terms.save_tax("IGIC")
        terms.add_tax_rate(iva, date(2020, 1, 1), 2100)
        terms.add_tax_rate(igic, date(2020, 1, 1), 700)
        terms.save_org_terms(parent, iva, "ESA11111111", "Factura sujeta a IVA")
        terms.save_org_terms(child, igic, "ESB22222222", "Operación sujeta al IGIC")
        terms.add_individual_price(parent, tariff, date(2026, 1, 1), "override", 900)
        terms.add_individual_price(child, tariff, date(2026, 1, 1), "list", 0)  # its own terms: the list price
        golden_september(parent, tariff)  # 3 full cameras + 10 days: 3 x €9.00 + €3.00 = €30.00
        use(child, tariff, utc(2026, 8, 1), utc(2026, 10, 2), name="canarias-0")  # a full month at list: €11.00
        db.session.commit()
        return {"parent": parent.id, "child": child.id, "tariff": tariff.id, "iva": iva.id}


def _issue(app: Flask, org_id: int) -> int:
    with app.app_context():
        invoice = create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=True)
        db.session.commit()
        return invoice.id


def _pdf_text(client: FlaskClient, invoice_id: int) -> str:
    response = client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return " ".join(text.split()).replace(" ,", ",")  # table cells wrap: compare words, not lines


def test_invoice_with_two_rates_and_an_individual_price_printed_with_the_sellers_details(
    app: Flask, admin_client: FlaskClient
) -> None:
    ids = _world(app)
    invoice_id = _issue(app, ids["parent"])
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (4100, 707, 4807)
        assert [(ln.unit_price_minor, ln.list_price_minor, ln.tax_name, ln.tax_rate_bp) for ln in invoice.lines] == [
            (900, 1100, "IVA", 2100),
            (1100, None, "IGIC", 700),
        ]
        assert json.loads(invoice.tax_breakdown) == [
            {"name": "IGIC", "rate_bp": 700, "base_minor": 1100, "tax_minor": 77},
            {"name": "IVA", "rate_bp": 2100, "base_minor": 3000, "tax_minor": 630},
        ]
    pdf = _pdf_text(admin_client, invoice_id)
    for expected in (
        "Example Video Cloud S.L.",
        "Calle Mayor 1",
        "Tax ID: ESB12345678",
        "IBAN ES91 2100 0418 4502 0005 1332",
        "Registro Mercantil de Madrid",
        "Thank you for your business.",
        "Cámaras Sol",
        "Tax ID: ESA11111111",
        "Factura sujeta a IVA",
        "list €11.00, your price €9.00",
        "IVA 21% on €30.00",
        "IGIC 7% on €11.00",
        "€6.30",
        "€0.77",
        "€48.07",
    ):
        assert expected in pdf, expected
    reader = PdfReader(io.BytesIO(admin_client.get(f"/invoices/{invoice_id}/pdf").data))
    assert any(reader.pages[0].images), "the seller's logo is embedded"
    rows = list(csv.reader(io.StringIO(admin_client.get(f"/invoices/{invoice_id}/csv").get_data(as_text=True))))
    assert [(r[1], r[6]) for r in rows if r and r[0] == "tax"] == [("IGIC 7.00 %", "0.77"), ("IVA 21.00 %", "6.30")]


def test_the_usages_page_shows_list_and_individual_price(app: Flask, admin_client: FlaskClient) -> None:
    ids = _world(app)
    page = admin_client.get(
        f"/organizations/{ids['parent']}/usages",
        query_string={"period": "custom", "start": "2026-09-01", "end": "2026-09-30"},
    ).get_data(as_text=True)
    assert 'list €11.00</span>, <span class="your-price">your price €9.00' in page


def test_issued_invoice_keeps_seller_and_buyer_as_they_were(app: Flask, admin_client: FlaskClient) -> None:
    ids = _world(app)
    invoice_id = _issue(app, ids["parent"])
    with app.app_context():
        terms.save_operator(
            terms.OperatorValues(**{**vars(OPERATOR), "legal_name": "Renamed Holding AG"}), logo=tiny_png((0, 0, 255))
        )
        parent = db.session.get(Organization, ids["parent"])
        parent.title, parent.billing_contact = "Cámaras Sol Renamed", "Elsewhere 9"
        terms.save_org_terms(parent, None, "ESZ99999999", "changed")
        db.session.commit()
        frozen = db.session.get(Invoice, invoice_id)
        seller = json.loads(frozen.seller_snapshot)
        assert (
            seller["legal_name"] == "Example Video Cloud S.L." and seller["logo_sha256"] != terms.operator().logo_sha256
        )
        with pytest.raises(IntegrityError):
            db.session.execute(text("UPDATE invoices SET seller_snapshot = '{}' WHERE id = :id"), {"id": invoice_id})
            db.session.flush()
        db.session.rollback()
    page = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "Example Video Cloud S.L." in page and "Renamed Holding AG" not in page
    assert "ESA11111111" in page and "ESZ99999999" not in page and "Calle Sol 2, Sevilla" in page
    pdf = _pdf_text(admin_client, invoice_id)
    assert "Example Video Cloud S.L." in pdf and "Renamed" not in pdf


@pytest.mark.no_operator_details
def test_issuing_is_refused_while_the_operators_details_are_missing(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        org = make_org("Acme")
        golden_september(org, make_tariff("Basic", price=900))
        db.session.commit()
        with pytest.raises(SellerDetailsMissing, match="legal name, address, tax ID, bank or payment details"):
            create_invoice(org, SEP, NOW, issue=True)
        db.session.rollback()
        summary = billing_run(SEP, NOW)
        assert summary.issued == [] and len(summary.errors) == 1
        assert summary.errors[0].startswith("Acme: The operator's details are incomplete")
        draft = create_invoice(db.session.get(Organization, org.id), SEP, NOW)  # a draft is fine
        db.session.commit()
        assert draft.status == "draft" and draft.number is None
    page = admin_client.get("/admin/operator").get_data(as_text=True)
    assert "Invoices cannot be issued until these details are filled in" in page
    response = admin_client.post(f"/invoices/{draft.id}/issue", follow_redirects=True)
    assert "The operator&#39;s details are incomplete" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Invoice, draft.id).status == "draft"


def test_terms_may_not_start_inside_an_invoiced_period(app: Flask) -> None:
    ids = _world(app)
    _issue(app, ids["parent"])
    with app.app_context():
        parent, child = db.session.get(Organization, ids["parent"]), db.session.get(Organization, ids["child"])
        tariff = db.session.get(Tariff, ids["tariff"])
        iva = db.session.get(terms.Tax, ids["iva"])
        for attempt in (
            lambda: terms.add_individual_price(parent, tariff, date(2026, 9, 15), "percent", 1000),
            lambda: terms.add_individual_price(
                child, tariff, date(2026, 9, 30), "override", 1
            ),  # on the parent's invoice
            lambda: terms.add_tax_rate(iva, date(2026, 9, 20), 2300),
        ):
            with pytest.raises(terms.StartsInInvoicedPeriod, match="INV-2026-000001"):
                attempt()
        with pytest.raises(terms.StartsInInvoicedPeriod):
            terms.delete_individual_price(terms.individual_prices(parent)[0])
        db.session.rollback()
        iva = db.session.get(terms.Tax, ids["iva"])
        terms.add_tax_rate(iva, date(2026, 10, 1), 2300)
        terms.add_individual_price(
            db.session.get(Organization, ids["child"]),
            db.session.get(Tariff, ids["tariff"]),
            date(2026, 10, 1),
            "list",
            0,
        )
        db.session.commit()


def test_a_subsidiarys_own_price_wins_over_its_parents(app: Flask) -> None:
    ids = _world(app)
    with app.app_context():
        parent, child = db.session.get(Organization, ids["parent"]), db.session.get(Organization, ids["child"])
        tariff = db.session.get(Tariff, ids["tariff"])

        def prices() -> dict[int, set[int]]:
            found: dict[int, set[int]] = {}
            for ln in rate_scope(parent, SEP, NOW)[1].lines:
                found.setdefault(ln.organization_id, set()).add(ln.unit_price_minor)
            return found

        assert prices() == {parent.id: {900}, child.id: {1100}}  # its own "list price" wins
        terms.delete_individual_price(terms.individual_prices(child)[0])
        assert prices() == {parent.id: {900}, child.id: {900}}  # none of its own: the parent's
        terms.add_individual_price(child, tariff, date(2026, 9, 1), "override", 700)
        assert prices() == {parent.id: {900}, child.id: {700}}


@pytest.mark.parametrize("language", ["es", "ru"])
def test_the_same_invoice_in_the_organizations_language(app: Flask, admin_client: FlaskClient, language: str) -> None:
    """Issue 15's check: the invoice of a Spanish (or Russian) organization, with the operator's
    details, two tax rates and an individual price, printed in its document language."""
    ids = _world(app)
    with app.app_context():
        db.session.get(Organization, ids["parent"]).document_language = language
        db.session.commit()
    invoice_id = _issue(app, ids["parent"])
    pdf = _pdf_text(admin_client, invoice_id)
    expected = {
        "es": ["Factura", "Identificación fiscal: ESB12345678", "tarifa 11,00 €, su precio 9,00 € 4 100,0000 30,00 €"],
        "ru": ["Счёт", "ИНН: ESB12345678", "по тарифу 11,00 €, ваша цена 9,00 € 4 100,0000 30,00 €"],
    }[language]
    for wanted in [
        *expected,
        "48,07 €",
        "Example Video Cloud S.L.",
        "IBAN ES91 2100 0418 4502 0005 1332",
        "IVA",
        "IGIC",
    ]:
        assert wanted in pdf, wanted
    assert "your price" not in pdf and "Tax ID" not in pdf
