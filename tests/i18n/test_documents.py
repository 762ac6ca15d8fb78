"""Documents speak the organization's document language, whoever reads them: an invoice of a
Spanish organization is Spanish on the printable page and in its PDF (text checked with pypdf),
a Russian one Russian; the admin's own pages stay in the admin's language."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Organization
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP


@pytest.fixture()
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"INVOICE_CACHE_DIR": str(tmp_path / "invoice-cache")}


def _issued(app: Flask, language: str) -> int:
    org_id = golden_org(app)
    with app.app_context():
        org = db.session.get(Organization, org_id)
        assert org is not None
        org.document_language = language
        invoice = create_invoice(org, SEP, NOW, issue=True)
        db.session.commit()
        return invoice.id


def _spaces(text: str) -> str:
    """No-break spaces (CLDR puts them in amounts and dates) as plain ones."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _pdf_text(client: FlaskClient, invoice_id: int) -> str:
    response = client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)


SPANISH = [
    "Factura INV-2026-000001",
    "Facturar a",
    "Fecha de emisión",
    "Fecha de vencimiento",
    "Precio unitario / mes",
    "Cámara-días",
    "Subtotal",
    "Impuesto",
    "Anexo: cámaras",
    "Total a pagar: 30,00 € antes del 16 nov 2026",
    "1 sept 2026 – 30 sept 2026",
]
RUSSIAN = [
    "Счёт INV-2026-000001",
    "Плательщик",
    "Дата выставления",
    "Срок оплаты",
    "Цена за единицу / мес.",
    "Камеро-дни",
    "Налог",
    "Приложение: камеры",
    "К оплате: 30,00 € до 16 нояб. 2026 г.",
]


@pytest.mark.parametrize(("language", "expected"), [("es", SPANISH), ("ru", RUSSIAN)])
def test_invoice_printable_and_pdf_in_the_document_language(
    app: Flask, admin_client: FlaskClient, language: str, expected: list[str]
) -> None:
    invoice_id = _issued(app, language)
    html = _spaces(admin_client.get(f"/invoices/{invoice_id}/print").get_data(as_text=True))
    assert f'<html lang="{language}">' in html
    pdf = _spaces(_pdf_text(admin_client, invoice_id))
    for text in expected:
        assert text in html, (language, text)
        assert text in pdf, (language, text)
    assert "Total due" not in html and "Total due" not in pdf
    # the admin's own page of the same invoice stays in the admin's (browser's) language
    page = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert '<html lang="en">' in page and "Annex: cameras" in page


def test_an_english_organization_keeps_its_english_invoice(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _issued(app, "en")
    spanish_reader = {"Accept-Language": "es"}
    pdf = admin_client.get(f"/invoices/{invoice_id}/pdf", headers=spanish_reader)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Total due" in text and "€30.00" in text
    page = admin_client.get(f"/invoices/{invoice_id}", headers=spanish_reader).get_data(as_text=True)
    assert "Anexo: cámaras" in page  # the page is the reader's, the document the organization's
