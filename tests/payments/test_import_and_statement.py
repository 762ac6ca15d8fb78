"""Bank statement import with a review step, and the statement of account adding up (screen, CSV, PDF)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from portal.credit_notes.service import create_credit_note
from portal.extensions import db
from portal.models import Payment
from portal.payments import ledger
from portal.payments.service import record_payment, refund_payment, reverse_payment
from portal.payments.statement import accounts
from portal.templating import money
from tests.factories import add_member, login, make_user
from tests.payments.helpers import NOW, invoice, issued

GOOD = (
    "Date,Amount,Currency,Reference,Description\n"
    "2026-11-05,10.00,EUR,BANK-1,Payment for INV-2026-000001 thanks\n"
    "2026-11-06,5.00,EUR,,unknown sender\n"
)


def _upload(client: FlaskClient, text: str) -> str:
    page = client.post(
        "/payments/import",
        data={"file": (io.BytesIO(text.encode()), "statement.csv")},
        content_type="multipart/form-data",
    )
    return page.get_data(as_text=True)


def test_bank_import_previews_then_books_only_on_confirmation(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = issued(app)
    preview = _upload(admin_client, GOOD)
    assert "Review before booking" in preview and "INV-2026-000001" in preview
    assert 'class="match-book"' in preview and 'class="match-unmatched"' in preview
    with app.app_context():
        assert db.session.query(Payment).count() == 0  # nothing booked by the preview
    done = admin_client.post("/payments/import/confirm", data={"content": GOOD}, follow_redirects=True)
    assert "1 payments booked." in done.get_data(as_text=True)
    with app.app_context():
        payment = db.session.query(Payment).one()
        assert (payment.amount_minor, payment.reference, payment.received_on) == (1000, "BANK-1", date(2026, 11, 5))
        assert ledger.open_amounts(db.session, [invoice_id]) == {invoice_id: 2000}
    again = _upload(admin_client, GOOD)  # the same statement again: flagged as already booked
    assert 'class="match-duplicate"' in again and "already booked" in again
    admin_client.post("/payments/import/confirm", data={"content": GOOD})
    with app.app_context():
        assert db.session.query(Payment).count() == 1
    by_reference = "date,amount,currency,reference\n2026-11-07,20.00,EUR,BANK-1\n"  # a reference paid with before
    assert 'class="match-book"' in _upload(admin_client, by_reference)


def test_bad_rows_are_named_and_nothing_is_saved(app: Flask, admin_client: FlaskClient) -> None:
    issued(app)
    bad = (
        "date,amount,currency,reference\n"
        "05/11/2026,10.00,EUR,INV-2026-000001\n"
        "2026-11-05,10.001,EUR,INV-2026-000001\n"
        "2026-11-05,-3.00,EUR,INV-2026-000001\n"
        "2026-11-05,3.00,XXX,INV-2026-000001\n"
        "2026-11-05,3.00,EUR,INV-2026-000001\n"
    )
    text = _upload(admin_client, bad)
    for expected in (
        "Line 2: the date “05/11/2026” is not YYYY-MM-DD",
        "Line 3: the amount “10.001” is not a number with at most 2 decimals",
        "Line 4: the amount -3.00 is money going out",
        "Line 5: unknown currency “XXX”",
    ):
        assert expected in text
    assert "Line 6" not in text
    assert "lacks the columns: amount" in _upload(admin_client, "date,currency,reference\n2026-11-05,EUR,x\n")
    assert "in the future" in _upload(
        admin_client, "date,amount,currency,reference\n2099-01-01,1,EUR,INV-2026-000001\n"
    )
    done = admin_client.post("/payments/import/confirm", data={"content": bad}, follow_redirects=True)
    assert "Line 2" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Payment).count() == 0


def test_statement_adds_up_on_screen_csv_and_pdf(app: Flask, admin_client: FlaskClient, client: FlaskClient) -> None:
    invoice_id = issued(app, tax_bp=2000)  # €36.00
    with app.app_context():
        inv = invoice(invoice_id)
        org = inv.organization
        record_payment(org, 1000, date(2026, 11, 3), NOW, reference="P1")
        bounced = record_payment(org, 500, date(2026, 11, 4), NOW, reference="P2")
        reverse_payment(bounced, "bounced", NOW)
        create_credit_note(inv, "outage", NOW, amount_minor=500)  # €6.00 with tax
        over = record_payment(org, 5000, date(2026, 11, 6), NOW, reference="P3")
        refund_payment(over, 1000, date(2026, 11, 7), NOW, reference="R1")
        db.session.commit()
        found = accounts(db.session, org)
        assert [a.currency for a in found] == ["EUR"]
        rows = found[0].rows
        # 3600 - 1000 - 500 + 500 - 600 - 5000 + 1000 = -2000: €20.00 of credit
        assert found[0].closing_minor == -2000 == ledger.balance(db.session, org.id)["EUR"]
        assert sum(r.debit_minor for r in rows) - sum(r.credit_minor for r in rows) == found[0].closing_minor
        assert ledger.credit_available(db.session, org.id) == {"EUR": 2000}
        kinds = ["payment", "payment", "payment", "refund", "invoice", "reversal", "credit_note"]
        assert [r.kind for r in rows] == kinds
        assert [r.balance_minor for r in rows] == [-1000, -1500, -6500, -5500, -1900, -1400, -2000]
        org_id, owner_email = org.id, "owner@example.com"
        owner = make_user(owner_email)
        org.owner_id = owner.id
        add_member(owner, org, can_view_invoices=True)
        db.session.commit()
    page = admin_client.get(f"/organizations/{org_id}/statement").get_data(as_text=True)
    assert "Credit in your favour" in page and money(-2000, "EUR") in page
    sheet = list(
        csv.reader(io.StringIO(admin_client.get(f"/organizations/{org_id}/statement.csv").get_data(as_text=True)))
    )
    body = [r for r in sheet[2:] if r[2] != "closing"]
    debit = sum(Decimal(r[4] or 0) for r in body)
    credit = sum(Decimal(r[5] or 0) for r in body)
    assert debit - credit == Decimal("-20.00") and sheet[-1][-1] == "-20.00" and body[-1][-1] == "-20.00"
    pdf = admin_client.get(f"/organizations/{org_id}/statement.pdf")
    words = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Statement of account" in words and "20.00" in words and "R1" in words
    assert "Example Video Cloud S.L." in words and "IBAN ES91" in words  # the operator's identity (issue 15)
    # the subscriber sees their own statement, not another organization's
    assert login(client, owner_email).status_code == 302
    assert client.get(f"/organizations/{org_id}/statement").status_code == 200
    assert client.get(f"/organizations/{org_id + 999}/statement").status_code == 404
