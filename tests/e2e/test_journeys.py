"""The main journeys a person makes, in a real browser."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.demo import ADMIN_EMAIL, ADMIN_PASSWORD, SUBSCRIBER_PASSWORD, load_demo
from portal.extensions import db
from portal.models import Organization
from portal.sync import outbox
from portal.sync.connection import get_client
from portal.sync.pull import pull
from portal.watcher import WatcherClient
from tests.e2e.conftest import shot, sign_in
from tests.factories import make_admin
from watcher_sim.testing import SimHandle


def test_admin_builds_catalog_and_organization(app: Flask, live_url: str, page: Page, watcher: SimHandle) -> None:
    with app.app_context():
        make_admin("boss@operator.example", password="boss-password-1")
        db.session.commit()
    sign_in(page, live_url, "boss@operator.example", "boss-password-1")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    page.goto(f"{live_url}/admin/services/new")
    page.get_by_label("Name", exact=True).fill("Archive 30 days")
    page.get_by_label("Kind").select_option("continuous_archive")
    page.get_by_label("Archive depth, days").fill("30")
    page.get_by_label("Monthly price per camera").fill("9.999")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("EUR amounts take at most 2 decimals.")).to_be_visible()
    page.get_by_label("Monthly price per camera").fill("9.90")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Service “Archive 30 days” saved.")).to_be_visible()

    page.goto(f"{live_url}/admin/tariffs/new")
    page.get_by_label("Name", exact=True).fill("Standard")
    services = page.get_by_label("Services", exact=True)
    services.select_option(services.locator("option", has_text="Archive 30 days").get_attribute("value"))
    page.get_by_label("Offered to new organizations by default").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Watcher: synced")).to_be_visible()
    shot(page, "admin-tariff")

    page.goto(f"{live_url}/admin/organizations/new")
    page.get_by_label("Title", exact=True).fill("Lakeside Mall")
    page.get_by_label("…or a new owner's e-mail").fill("owner@lakeside.example")
    page.get_by_label("Timezone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Organization “Lakeside Mall” saved.")).to_be_visible()
    expect(page.get_by_text("Watcher: synced")).to_be_visible()
    shot(page, "admin-organization")
    client = WatcherClient(watcher.url, watcher.admin_login, watcher.admin_password, timeout=30, retries=0)
    assert "Lakeside Mall" in [o.title for o in client.iter_organizations()]


def test_subscriber_sees_own_usage_and_nothing_else(app: Flask, live_url: str, page: Page, watcher: SimHandle) -> None:
    watcher.control("POST", "/demo")
    with app.app_context():
        load_demo()
        db.session.commit()
        assert outbox.dispatch().failed == 0
        pull(get_client())
        mine = db.session.scalar(select(Organization.id).where(Organization.title == "Northwind Security"))
        other = db.session.scalar(select(Organization.id).where(Organization.title == "Maple School"))
    sign_in(page, live_url, "alice@northwind.example", SUBSCRIBER_PASSWORD)
    expect(page.get_by_text("Northwind Security").first).to_be_visible()
    expect(page.get_by_text("Maple School")).to_have_count(0)
    shot(page, "subscriber-home")

    page.goto(f"{live_url}/organizations/{mine}/usages")
    expect(page.get_by_role("cell", name="nw-sec-entrance").first).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    shot(page, "subscriber-usages")

    response = page.goto(f"{live_url}/organizations/{other}/usages")
    assert response is not None and response.status == 404


def test_admin_sync_page_and_sync_now(app: Flask, live_url: str, page: Page, watcher: SimHandle) -> None:
    watcher.control("POST", "/demo")
    with app.app_context():
        load_demo()
        db.session.commit()
    sign_in(page, live_url, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{live_url}/admin/sync/")
    expect(page.get_by_text("16 not delivered")).to_be_visible()
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_text(re.compile(r"Pushed 16 \(failed 0\); pulled 15 cameras"))).to_be_visible()
    expect(page.get_by_text("Nothing waiting: everything is delivered.")).to_be_visible()
    shot(page, "admin-sync")
    page.goto(f"{live_url}/admin/sync/reconcile")
    page.get_by_role("button", name="Check now").click()
    expect(page.get_by_text("Portal and Watcher are in step.").first).to_be_visible()
