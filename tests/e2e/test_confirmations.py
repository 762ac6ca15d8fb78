"""Irreversible actions ask once, in a dialog from a local script, under the strict CSP."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Invoice, Organization
from tests.e2e.conftest import shot, sign_in
from tests.factories import PASSWORD, make_admin
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP


def test_void_asks_once_saying_what_happens(app: Flask, live_url: str, page: Page) -> None:
    org_id = golden_org(app)
    with app.app_context():
        make_admin("confirm@example.com")
        invoice_id = create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=True).id
        db.session.commit()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_url, "confirm@example.com", PASSWORD)
    page.goto(f"{live_url}/invoices/{invoice_id}")
    page.get_by_label("Reason").fill("Wrong camera set")
    page.get_by_role("button", name="Void invoice").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Void INV-2026-000001 (€30.00)? It stays on record marked VOID")
    shot(page, "confirm-void")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).status == "issued"  # cancelled: nothing happened
    page.get_by_role("button", name="Void invoice").click()
    page.get_by_role("dialog").get_by_role("button", name="Void invoice").click()
    expect(page.locator(".invoice-void-word")).to_have_text("VOID")
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.status, invoice.void_reason) == ("void", "Wrong camera set")
    assert not [p for p in problems if "Content Security Policy" in p], problems
