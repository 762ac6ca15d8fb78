"""Invoice PDFs are rendered when issued, in the background, kept in the database by version,
and a download serves the stored file."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from portal.documents import invoice as invoice_documents
from portal.documents import store
from portal.extensions import db
from portal.models import Document, Invoice, utcnow
from tests.invoices.helpers import SEP, golden_org


@pytest.fixture()
def app_config() -> dict[str, Any]:
    """Render after commit in this process, as a portal without a broker does."""
    return {"DOCUMENTS_RENDER_IN_PROCESS": True}


def _issue(client: FlaskClient, org_id: int) -> int:
    response = client.post(
        f"/organizations/{org_id}/invoices", data={"start": SEP["start"], "end": SEP["end"], "issue": "y"}
    )
    assert response.status_code == 302, response.status_code
    store.wait_for_renders()
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _documents(app: Flask) -> list[Document]:
    with app.app_context():
        return list(db.session.scalars(select(Document).options(undefer(Document.body)).order_by(Document.id)))


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_issuing_renders_the_pdf_in_the_background_and_a_download_serves_it(
    app: Flask, admin_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice_id = _issue(admin_client, golden_org(app))
    [doc] = _documents(app)
    assert (doc.kind, doc.owner_id, doc.state, doc.language) == ("invoice_pdf", invoice_id, "ready", "en")
    assert doc.body is not None and "INV-2026-000001" in _text(doc.body)

    def no_rendering(*args: Any) -> bytes:
        raise AssertionError("a download of a rendered PDF must not render it again")

    monkeypatch.setattr(invoice_documents, "render_pdf", no_rendering)
    response = admin_client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200 and response.data == doc.body
    assert "PDF ready." in admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)


def test_a_void_and_a_payment_render_new_versions(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _issue(admin_client, golden_org(app))
    response = admin_client.post(f"/invoices/{invoice_id}/pay", data={"paid_on": "2026-11-03", "reference": "bank 42"})
    assert response.status_code == 302
    store.wait_for_renders()
    response = admin_client.post(f"/invoices/{invoice_id}/void", data={"reason": "wrong customer"})
    assert response.status_code == 302
    store.wait_for_renders()
    docs = _documents(app)
    assert [d.state for d in docs] == ["ready", "ready", "ready"]
    assert len({d.version for d in docs}) == 3
    assert "PAID" in _text(docs[1].body or b"") and "VOID" in _text(docs[2].body or b"")
    downloaded = admin_client.get(f"/invoices/{invoice_id}/pdf").data
    assert downloaded == docs[2].body


def test_the_version_changes_with_the_language_and_the_templates(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _issue(admin_client, golden_org(app))
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice is not None
        english = invoice_documents.pdf_version(invoice)
        assert invoice_documents.pdf_version(invoice, "es") != english
        assert invoice_documents.pdf_version(invoice, extra=("payment 7",)) != english
        assert invoice_documents.pdf_version(invoice, "en") == english


def test_a_failed_render_is_shown_and_can_be_retried(
    app: Flask, admin_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def broken(doc: Document) -> bytes:
        calls.append(doc.id)
        raise RuntimeError("fonts missing")

    monkeypatch.setitem(store.RENDERERS, invoice_documents.KIND, broken)
    invoice_id = _issue(admin_client, golden_org(app))
    with app.app_context():
        while store.render_pending():  # the worker's retries
            pass
    [doc] = _documents(app)
    assert doc.state == "failed" and "fonts missing" in (doc.error or "") and len(calls) == store.MAX_ATTEMPTS
    page = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "The PDF could not be prepared." in page and "Try again" in page

    monkeypatch.setitem(store.RENDERERS, invoice_documents.KIND, invoice_documents.render_invoice)
    assert admin_client.post(f"/invoices/{invoice_id}/pdf/retry").status_code == 302
    store.wait_for_renders()
    [doc] = _documents(app)
    assert doc.state == "ready" and doc.error is None


def test_a_download_while_rendering_waits_for_the_renderer(app: Flask, admin_client: FlaskClient) -> None:
    org_id = golden_org(app)
    with app.app_context():
        app.config["DOCUMENTS_RENDER_IN_PROCESS"] = False
    try:
        invoice_id = _issue(admin_client, org_id)
    finally:
        app.config["DOCUMENTS_RENDER_IN_PROCESS"] = True
    with app.app_context():
        db.session.execute(update(Document).values(claimed_until=utcnow().replace(year=2100)))
        db.session.commit()
    assert "PDF being prepared" in admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    response = admin_client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/invoices/{invoice_id}#invoice-pdf")
    assert [d.state for d in _documents(app)] == ["pending"]


def test_the_worker_renders_what_was_left_pending(app: Flask, admin_client: FlaskClient) -> None:
    org_id = golden_org(app)
    app.config["DOCUMENTS_RENDER_IN_PROCESS"] = False
    try:
        invoice_id = _issue(admin_client, org_id)
    finally:
        app.config["DOCUMENTS_RENDER_IN_PROCESS"] = True
    assert [d.state for d in _documents(app)] == ["pending"]
    result = app.test_cli_runner().invoke(args=["documents", "render"])
    assert result.exit_code == 0 and "Rendered 1 document(s)." in result.output
    [doc] = _documents(app)
    assert doc.state == "ready" and doc.owner_id == invoice_id
