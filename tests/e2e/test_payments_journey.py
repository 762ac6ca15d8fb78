"""Getting paid, in a real browser: a partial payment, then a credit note, then the statement."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.payments import ledger
from tests.e2e.conftest import shot, sign_in
from tests.factories import make_admin
from tests.payments.helpers import invoice, issued


def test_admin_records_a_partial_payment_and_a_credit_note(app: Flask, live_url: str, page: Page) -> None:
    invoice_id = issued(app, tax_bp=2000)  # €36.00 with tax
    with app.app_context():
        make_admin("cash@operator.example", password="cash-password-1")
        db.session.commit()
        org_id = invoice(invoice_id).organization_id
    sign_in(page, live_url, "cash@operator.example", "cash-password-1")

    page.goto(f"{live_url}/invoices/{invoice_id}")
    page.get_by_role("link", name="Record payment").click()
    expect(page.get_by_label("Amount")).to_have_value("36.00")
    page.get_by_label("Amount").fill("10.00")
    page.get_by_label("Received on").fill("2099-01-01")
    page.get_by_label("Reference").fill("SEPA-E2E")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("is in the future")).to_be_visible()
    page.get_by_label("Received on").fill("2026-11-05")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("Payment recorded.")).to_be_visible()
    shot(page, "payment-recorded")

    page.goto(f"{live_url}/invoices/{invoice_id}")
    expect(page.get_by_text("Partially paid")).to_be_visible()
    expect(page.get_by_text("Open: €26.00 of €36.00")).to_be_visible()

    page.get_by_role("link", name="Issue credit note").click()
    page.get_by_label("Or an amount before tax").fill("5.00")
    page.get_by_label("Reason").fill("Camera offline for two days")
    page.get_by_role("button", name="Issue credit note").click()
    expect(page.get_by_text(re.compile(r"Credit note CN-\d{4}-000001 issued\."))).to_be_visible()
    expect(page.locator("#credit-total")).to_have_text("€6.00")
    shot(page, "credit-note")

    page.goto(f"{live_url}/organizations/{org_id}/statement")
    expect(page.get_by_text("Balance due")).to_be_visible()
    expect(page.locator(".closing")).to_have_text("€20.00")
    shot(page, "statement")
    with app.app_context():
        assert ledger.balance(db.session, org_id) == {"EUR": 2000}
        assert ledger.open_amounts(db.session, [invoice_id]) == {invoice_id: 2000}
