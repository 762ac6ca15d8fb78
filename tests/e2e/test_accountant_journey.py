"""The accountant's journey in a real browser: every page of the finance menu, read-only, and
every admin-only page refused."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Organization
from tests.e2e.conftest import shot, sign_in
from tests.factories import make_user
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP
from watcher_sim.testing import SimHandle

PASSWORD = "counting-beans-1"


def test_the_accountant_walks_the_finance_pages(app: Flask, live_url: str, page: Page, watcher: SimHandle) -> None:
    acme, beta = golden_org(app), golden_org(app, "Beta")
    with app.app_context():
        org = db.session.get(Organization, acme)
        assert org is not None
        org.billing_email = "billing@acme.example"
        issued = create_invoice(org, SEP, NOW, issue=True)  # due 2026-11-16: overdue since
        create_invoice(db.session.get(Organization, beta), SEP, NOW)  # type: ignore[arg-type]  # a draft
        make_user("ada@finance.example", role="accountant", password=PASSWORD, name="Ada")
        db.session.commit()
        number = issued.number
    sign_in(page, live_url, "ada@finance.example", PASSWORD)

    expect(page.get_by_role("heading", name="Collections")).to_be_visible()
    overdue = page.locator("#overdue-organizations")
    expect(overdue).to_contain_text("Acme")
    expect(overdue).to_contain_text("€30.00")
    nav = page.locator("nav")
    for hidden in ("Users", "Tariffs", "Services", "Sync", "Audit"):
        expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    shot(page, "accountant-dashboard")

    nav.get_by_role("link", name="Organizations", exact=True).click()
    expect(page.get_by_role("link", name="New organization")).to_have_count(0)
    page.get_by_role("link", name="Acme", exact=True).click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator("[data-testid=timeline]")).to_contain_text(f"Invoice {number} from Acme")
    expect(page.locator("main form")).to_have_count(0)  # no member, rights or edit forms
    shot(page, "accountant-organization")

    page.get_by_role("link", name="Usages", exact=True).click()
    expect(page.get_by_role("heading", name="Usages · Acme")).to_be_visible()
    page.goto(f"{live_url}/organizations/{acme}/usages?period=custom&start=2026-09-01&end=2026-09-30")
    expect(page.get_by_text("€30.00").first).to_be_visible()
    expect(page.get_by_role("link", name="Issue invoice")).to_have_count(0)

    nav.get_by_role("link", name="Invoices", exact=True).click()
    expect(page.get_by_role("link", name=number)).to_be_visible()
    page.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(r"/invoices/\d+$"))
    expect(page.get_by_role("button", name=re.compile("Mark paid|Void|Issue"))).to_have_count(0)
    pdf = page.request.get(f"{live_url}/invoices/{issued.id}/pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    shot(page, "accountant-invoice")

    for path in (
        "/admin/users/",
        "/admin/tariffs/",
        "/admin/services/",
        "/admin/sync/",
        "/admin/audit/",
        f"/admin/organizations/{acme}/edit",
        "/admin/organizations/new",
    ):
        response = page.goto(f"{live_url}{path}")
        assert response is not None and response.status == 403, path
    shot(page, "accountant-refused")
