"""Documents a customer cannot misread: void says VOID and nothing due, paid shows the payment,
badges differ per state, and times carry their zone."""

from __future__ import annotations

import io
import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from portal.extensions import db
from portal.invoices.display import invoice_state
from portal.invoices.service import create_invoice, mark_paid, void_invoice
from portal.models import Invoice, Organization
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP
from tests.usages.helpers import utc

VOIDED_AT = utc(2026, 11, 4, 15, 30)


def _invoice(app: Flask, status: str, timezone: str = "UTC") -> int:
    org_id = golden_org(app)
    with app.app_context():
        org = db.session.get(Organization, org_id)
        org.timezone = timezone
        invoice = create_invoice(org, SEP, NOW, issue=status != "draft")
        if status == "paid":
            mark_paid(invoice, date(2026, 11, 3), "SEPA-77")
        elif status == "void":
            void_invoice(invoice, "Billed the wrong camera set", VOIDED_AT)
        db.session.commit()
        return invoice.id


def _pdf_text(client: FlaskClient, invoice_id: int) -> str:
    response = client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return " ".join(text.split())  # PDF text breaks lines anywhere


def test_void_pdf_and_page_say_void_why_and_when_and_nothing_due(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _invoice(app, "void", timezone="Europe/Madrid")
    text = _pdf_text(admin_client, invoice_id)
    assert "VOID" in text and "Billed the wrong camera set" in text
    assert "2026-11-04 16:30 UTC+01:00" in text  # when, in the invoice's zone, with the zone
    assert "Total due" not in text and "Due date" not in text and "Nothing is due" in text
    for path in (f"/invoices/{invoice_id}", f"/invoices/{invoice_id}/print"):
        html = admin_client.get(path).get_data(as_text=True)
        assert 'class="invoice-void-word">VOID<' in html
        assert "voided on 2026-11-04 16:30 UTC+01:00: Billed the wrong camera set" in html
        assert "Total due" not in html and "nothing is due" in html.lower()
    css = admin_client.get("/static/invoices/print.css").get_data(as_text=True)
    size = re.search(r"\.invoice-void-word \{[^}]*font-size: (\d+)pt", css)
    assert size is not None and int(size.group(1)) >= 36  # large type, not one small red line


def test_paid_documents_show_the_payment(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _invoice(app, "paid")
    text = _pdf_text(admin_client, invoice_id)
    assert "PAID" in text and "Payment of €30.00 received on Nov 3, 2026" in text and "SEPA-77" in text
    assert "Total due" not in text
    html = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "Payment of €30.00 received on Nov 3, 2026 (reference SEPA-77)" in html


def test_issued_pdf_still_says_total_due_by_due_date(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _invoice(app, "issued")
    text = _pdf_text(admin_client, invoice_id)
    assert "Total due: €30.00 by Nov 16, 2026" in text and "VOID" not in text


def test_badges_differ_per_state(app: Flask, admin_client: FlaskClient) -> None:
    states = {}
    for n, status in enumerate(("draft", "issued", "paid", "void")):
        org_id = golden_org(app, title=f"Org{n}")
        with app.app_context():
            invoice = create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=status != "draft")
            if status == "paid":
                mark_paid(invoice, date(2026, 11, 3), "R")
            elif status == "void":
                void_invoice(invoice, "wrong", NOW)
            db.session.commit()
            states[status] = invoice.id
    with app.app_context():
        issued = db.session.get(Invoice, states["issued"])
        assert invoice_state(issued, utc(2026, 11, 10)) == "issued"
        assert invoice_state(issued, utc(2026, 11, 17)) == "overdue"  # due Nov 16
    html = admin_client.get("/invoices/").get_data(as_text=True)
    badges = re.findall(
        r'<span class="badge invoice-state invoice-state-(\w+) ([^"]+)">'
        r'<span aria-hidden="true">(.)</span> (\w+)</span>',
        html,
    )
    by_state = {state: (css, sign, label) for state, css, sign, label in badges}
    # now (2026-11-30 or later) is past the Nov 16 due date: the issued one shows as overdue
    assert set(by_state) == {"draft", "overdue", "paid", "void"}
    assert len({v[0] for v in by_state.values()}) == 4  # colours differ
    assert len({v[1] for v in by_state.values()}) == 4  # so do the signs
    assert {v[2] for v in by_state.values()} == {"Draft", "Overdue", "Paid", "VOID"}


def test_annex_times_carry_their_zone(app: Flask, admin_client: FlaskClient) -> None:
    invoice_id = _invoice(app, "issued", timezone="Europe/London")
    html = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert "2026-09-11 01:00 UTC+01:00" in html  # the ten-day camera started 2026-09-11 00:00 UTC
    assert "(Europe/London)" in html
