"""Every page on every screen: axe-core finds no violation and nothing scrolls sideways at 390 px.

Every GET page of the app is visited (the URL map, with ids from the demo data), as an admin,
as a subscriber and signed out, at a phone's width.  axe-core is vendored in
``tests/e2e/vendor/axe-core`` (its licence beside it) and injected into each page; the pages'
own Content-Security-Policy is bypassed for that injection only.

Languages: the browser's Accept-Language picks the interface language; add a code to
:data:`LANGUAGES` once its catalog exists and every page is checked in it too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from portal.billing import last_month
from portal.credit_notes.service import create_credit_note
from portal.demo import ADMIN_EMAIL, ADMIN_PASSWORD, SUBSCRIBER_PASSWORD, load_demo
from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import IndividualPrice, Invoice, Organization, Service, Tariff, TaxRate, User, utcnow
from portal.payments.service import record_payment
from portal.sync import outbox
from portal.sync.connection import get_client
from portal.sync.pull import pull
from tests.e2e.conftest import shot, sign_in
from watcher_sim.testing import SimHandle

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
#: Interface languages the pages are checked in (Accept-Language); the lead adds "es", "ru".
LANGUAGES = ["en", "es", "ru"]
#: Every page in three languages is the slowest browser check; what it checks is the rendered page,
#: the same whichever database holds the data, so it runs in the SQLite pass only.
pytestmark = pytest.mark.one_database

PHONE = {"width": 390, "height": 844}
SUBSCRIBER = "alice@northwind.example"
#: Not pages: files, redirects and machine endpoints.
NOT_PAGES = {
    "static",
    "bootstrap.static",
    "favicon",
    "extauth.check",
    "invoices.csv",
    "invoices.pdf",
    "usages.csv",
    "statements.csv",
    "statements.pdf",
    "credit_notes.pdf",
    "terms.logo",
}
#: Query strings some pages need to show their content.
QUERIES = {"invoices.preview": "?period=last", "usages.show": "?period=last"}


@pytest.fixture()
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The e2e settings, with a generous sign-in limit (one sign-in per role and language)."""
    return {**app_config, "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture()
def ids(app: Flask, watcher: SimHandle) -> dict[str, int]:
    """The demo, pulled from the Watcher-compatible server, and an issued invoice."""
    watcher.control("POST", "/demo")
    with app.app_context():
        load_demo()
        db.session.commit()
        assert outbox.dispatch().failed == 0
        pull(get_client())
        org = db.session.scalar(select(Organization).where(Organization.title == "Northwind Security"))
        assert org is not None
        now = utcnow() + timedelta(days=2)  # last month is over in every zone
        invoice = create_invoice(org, last_month(now, org.timezone), now, issue=True)
        payment = record_payment(org, 100, now.date() - timedelta(days=2), now, reference="PARTIAL")
        note = create_credit_note(invoice, "goodwill", now, amount_minor=50)
        db.session.commit()
        found = {
            "payment_id": payment.id,
            "credit_note_id": note.id,
            "tax_id": db.session.scalar(select(TaxRate.tax_id)),
            "rate_id": db.session.scalar(select(TaxRate.id)),
            "price_id": db.session.scalar(select(IndividualPrice.id)),
            "organization_id": org.id,
            "invoice_id": db.session.scalar(select(Invoice.id)),
            "tariff_id": db.session.scalar(select(Tariff.id)),
            "service_id": db.session.scalar(select(Service.id)),
            "user_id": db.session.scalar(select(User.id).where(User.email == SUBSCRIBER)),
        }
    assert all(found.values()), found
    return found


def pages(app: Flask, ids: dict[str, int]) -> list[str]:
    """Every GET page of the app, with its path arguments filled in (a bad token for token pages)."""
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGES:
            continue
        values: dict[str, Any] = {}
        for name in rule.arguments:
            values[name] = "not-a-valid-token" if name == "token" else ids.get(name)
        if None in values.values():
            continue
        with app.test_request_context():
            from flask import url_for

            found.append(url_for(rule.endpoint, **values) + QUERIES.get(rule.endpoint, ""))
    return sorted(set(found))


@pytest.fixture()
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A phone-sized page in the language of the test's parameter; CSP bypassed to inject axe."""
    callspec = getattr(request.node, "callspec", None)
    language = callspec.params.get("language", "en") if callspec else "en"
    context = browser.new_context(
        viewport=PHONE, bypass_csp=True, locale=language, extra_http_headers={"Accept-Language": language}
    )
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    yield tab
    context.close()


def check(page: Page, base: str, path: str) -> list[str]:
    """Problems of one page: axe violations and a sideways scroll."""
    response = page.goto(base + path)
    assert response is not None
    if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
        return []  # not this user's page (404/403) or not a page
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))"
    )
    problems = [f"{path}: axe {v}" for v in found]
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{path}: {width} px wide at {PHONE['width']} px")
        shot(page, "wide-" + path.strip("/").replace("/", "-").replace("?", "-"))
    return problems


def _visit_all(app: Flask, page: Page, base: str, ids: dict[str, int]) -> tuple[list[str], int]:
    problems: list[str] = []
    visited = 0
    for path in pages(app, ids):
        found = check(page, base, path)
        problems += found
        visited += 1
    return problems, visited


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_admin_page(app: Flask, live_url: str, phone: Page, ids: dict[str, int], language: str) -> None:
    sign_in(phone, live_url, ADMIN_EMAIL, ADMIN_PASSWORD)
    problems, visited = _visit_all(app, phone, live_url, ids)
    assert visited >= 25
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_subscriber_page(app: Flask, live_url: str, phone: Page, ids: dict[str, int], language: str) -> None:
    sign_in(phone, live_url, SUBSCRIBER, SUBSCRIBER_PASSWORD)
    problems, visited = _visit_all(app, phone, live_url, ids)
    assert visited >= 25
    assert not problems, "\n".join(problems)
    for path in ("/", f"/organizations/{ids['organization_id']}/usages", f"/invoices/{ids['invoice_id']}"):
        assert phone.goto(live_url + path).status == 200  # these pages were really checked as her


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_signed_out(app: Flask, live_url: str, phone: Page, ids: dict[str, int], language: str) -> None:
    problems = check(phone, live_url, "/login") + check(phone, live_url, "/account/forgot")
    problems += check(phone, live_url, "/account/reset/not-a-valid-token")
    assert not problems, "\n".join(problems)


def test_skip_link_leads_to_the_main_content(live_url: str, phone: Page) -> None:
    phone.goto(live_url + "/login")
    first = phone.evaluate(
        "[...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]"
        ".find(e => e.tabIndex >= 0).getAttribute('href')"
    )
    assert first == "#main"  # the first stop of the keyboard
    link = phone.locator("a.skip-link")
    assert not link.is_visible() or link.bounding_box() is None or link.bounding_box()["width"] <= 1
    link.focus()
    assert link.bounding_box() is not None and link.bounding_box()["width"] > 1  # shown when focused
    phone.keyboard.press("Enter")
    assert phone.evaluate("location.hash") == "#main"
    assert phone.evaluate("document.activeElement.id") == "main"


def test_scripts_do_not_block_the_first_paint(live_url: str, phone: Page) -> None:
    phone.goto(live_url + "/login")
    blocking = phone.evaluate(
        "[...document.scripts].filter(s => s.src && !s.defer && !s.async && s.type !== 'module').map(s => s.src)"
    )
    assert phone.evaluate("document.scripts.length") > 0
    assert blocking == []
