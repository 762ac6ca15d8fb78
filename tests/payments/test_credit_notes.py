"""Credit notes: chosen lines or an amount, tax at the invoice's rate, gapless numbers, PDF, the rest as credit."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.exc import IntegrityError

from portal.credit_notes.service import create_credit_note
from portal.errors import DomainError
from portal.extensions import db
from portal.invoices.service import void_invoice
from portal.models import CreditNote, CreditNoteLine, InvoiceLine
from portal.payments import ledger
from portal.payments.service import record_payment
from tests.payments.helpers import NOW, invoice, issued


def test_credit_note_for_an_amount_adds_tax_and_reduces_what_is_due(app: Flask) -> None:
    invoice_id = issued(app, tax_bp=2000)  # €30.00 + 20 % = €36.00
    with app.app_context():
        inv = invoice(invoice_id)
        assert (inv.subtotal_minor, inv.tax_minor, inv.total_minor) == (3000, 600, 3600)
        note = create_credit_note(inv, "two days of outage", NOW, amount_minor=1000)
        db.session.commit()
        assert (note.number, note.subtotal_minor, note.tax_minor, note.total_minor) == (
            "CN-2026-000001",
            1000,
            200,
            1200,
        )
        assert ledger.open_amounts(db.session, [invoice_id]) == {invoice_id: 2400}
        assert ledger.balance(db.session, inv.organization_id) == {"EUR": 2400}
        assert invoice(invoice_id).status == "issued"


def test_credit_note_for_lines_and_the_rest_as_credit_after_payment(app: Flask) -> None:
    invoice_id = issued(app, tax_bp=2000)
    with app.app_context():
        inv = invoice(invoice_id)
        record_payment(inv.organization, 3600, date(2026, 11, 5), NOW, reference="PAID")
        db.session.commit()
        line = next(ln for ln in inv.lines if ln.amount_minor > 0)
        note = create_credit_note(inv, "wrong tariff", NOW, line_ids=[line.id])
        db.session.commit()
        expected_tax = (line.amount_minor * 2000 + 5000) // 10_000  # half-up, one line
        assert (note.subtotal_minor, note.tax_minor) == (line.amount_minor, expected_tax)
        assert note.lines[0].invoice_line_id == line.id and note.lines[0].description == line.description
        # already paid: the whole credit is credit for the next invoices
        assert ledger.credit_available(db.session, inv.organization_id) == {"EUR": note.total_minor}
        assert ledger.balance(db.session, inv.organization_id) == {"EUR": -note.total_minor}
        with pytest.raises(DomainError, match="already credited"):
            create_credit_note(inv, "again", NOW, line_ids=[line.id])
        # the database refuses crediting a line twice too
        db.session.add(
            CreditNoteLine(credit_note_id=note.id, position=2, invoice_line_id=line.id, description="x", amount_minor=1)
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_credit_notes_never_credit_more_than_the_invoice_and_tax_adds_up(app: Flask) -> None:
    invoice_id = issued(app, tax_bp=1950)
    with app.app_context():
        inv = invoice(invoice_id)
        pieces = [333, 333, 1, 2333]  # 3000 in awkward pieces
        notes = [create_credit_note(inv, f"piece {i}", NOW, amount_minor=p) for i, p in enumerate(pieces)]
        db.session.commit()
        assert sum(n.tax_minor for n in notes) == inv.tax_minor
        assert sum(n.total_minor for n in notes) == inv.total_minor
        assert ledger.open_amounts(db.session, [invoice_id]) == {invoice_id: 0}
        assert invoice(invoice_id).status == "paid"
        with pytest.raises(DomainError, match="left to credit"):
            create_credit_note(inv, "one more cent", NOW, amount_minor=1)
        with pytest.raises(DomainError, match="credit notes"):
            void_invoice(inv, "mistake", NOW)


def test_numbering_is_gapless_and_a_refused_note_takes_no_number(app: Flask) -> None:
    invoice_id = issued(app)
    with app.app_context():
        inv = invoice(invoice_id)
        create_credit_note(inv, "a", NOW, amount_minor=100)
        db.session.commit()
        with pytest.raises(DomainError):
            create_credit_note(inv, "too much", NOW, amount_minor=10_000)
        db.session.rollback()
        create_credit_note(invoice(invoice_id), "b", NOW, amount_minor=100)
        db.session.commit()
        numbers = [n for (n,) in db.session.query(CreditNote.number).order_by(CreditNote.id)]
        assert numbers == ["CN-2026-000001", "CN-2026-000002"]


def test_credit_note_form_page_and_pdf(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = issued(app, tax_bp=2000)
    with app.app_context():
        line_id = (
            db.session.query(InvoiceLine.id)
            .filter(InvoiceLine.invoice_id == invoice_id, InvoiceLine.amount_minor > 0)
            .first()[0]
        )
    refused = admin_client.post(f"/invoices/{invoice_id}/credit-notes/new", data={"reason": "x"})
    assert refused.status_code == 400 and "Choose lines to credit or enter an amount" in refused.get_data(as_text=True)
    bad = admin_client.post(f"/invoices/{invoice_id}/credit-notes/new", data={"reason": "x", "amount": "1.234"})
    assert bad.status_code == 400 and "Enter an amount such as 12.50." in bad.get_data(as_text=True)
    page = admin_client.post(
        f"/invoices/{invoice_id}/credit-notes/new",
        data={"reason": "Outage", "lines": str(line_id)},
        follow_redirects=True,
    )
    text = page.get_data(as_text=True)
    assert "Credit note CN-2026-000001 issued." in text and "Outage" in text
    with app.app_context():
        note_id = db.session.query(CreditNote.id).scalar()
    pdf = admin_client.get(f"/credit-notes/{note_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "CN-2026-000001" in words and "Outage" in words and "INV-2026-000001" in words
    # the operator's identity, as frozen on the corrected invoice, and its footer (issue 15)
    assert "Example Video Cloud S.L." in words and "Tax ID: ESB12345678" in words
    assert "Thank you for your business." in words
    detail = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "CN-2026-000001" in detail
