"""PDF (text parsed with pypdf, stored once issued), printable HTML and CSV of an invoice."""

from __future__ import annotations

import csv
import io

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import undefer

from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Document, Organization
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP


def _invoice(app: Flask, issue: bool = True) -> int:
    org_id = golden_org(app)
    with app.app_context():
        invoice = create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=issue)
        db.session.commit()
        return invoice.id


def _stored(app: Flask) -> list[Document]:
    with app.app_context():
        return list(db.session.scalars(select(Document).options(undefer(Document.body))))


def test_pdf_shows_number_and_total_and_is_stored(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _invoice(app)
    response = admin_client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "INV-2026-000001" in text and "€30.00" in text and "Total due" in text
    stored = _stored(app)
    assert [(d.kind, d.owner_id, d.state) for d in stored] == [("invoice_pdf", invoice_id, "ready")]
    assert stored[0].body == response.data
    assert admin_client.get(f"/invoices/{invoice_id}/pdf").data == response.data


def test_draft_pdf_is_never_cached(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _invoice(app, issue=False)
    response = admin_client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "DRAFT" in text
    assert _stored(app) == []


def test_printable_page_uses_its_own_stylesheet(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _invoice(app)
    html = admin_client.get(f"/invoices/{invoice_id}/print").get_data(as_text=True)
    assert "invoices/print.css" in html and "INV-2026-000001" in html and "style=" not in html
    assert "<script" not in html


def test_csv_lines_totals_and_annex(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _invoice(app)
    response = admin_client.get(f"/invoices/{invoice_id}/csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:2] == ["invoice", "INV-2026-000001"]
    assert ["line", "Basic Acme", "no", "9.00", "4", "100.0000", "30.00"] in rows
    assert ["total", "", "", "", "", "", "30.00"] in rows
    cameras = [r for r in rows if r and r[0] == "camera"]
    assert len(cameras) == 4 and cameras[-1][2] == "part-0" and cameras[-1][-1] == "3.000000"
