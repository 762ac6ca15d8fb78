"""Browser journey: an admin stops recording for an organization, suspends it and restores it."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect

from portal.extensions import db
from portal.watcher import WatcherClient
from tests.dunning.helpers import subscriber, watcher_user
from tests.e2e.conftest import shot, sign_in
from tests.factories import PASSWORD, make_admin
from watcher_sim.testing import SimHandle


def _until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll Watcher until ``check`` holds (delivery runs right after the request's commit)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "Watcher did not converge"
        time.sleep(0.1)


def test_admin_suspends_and_restores_an_organization(app: Flask, live_url: str, page: Page, watcher: SimHandle) -> None:
    acme = subscriber(app, watcher, cameras=1)
    owner_wid = watcher_user(app, acme.owner_id)
    wclient = WatcherClient(watcher.url, watcher.admin_login, watcher.admin_password, timeout=30, retries=0)
    before = {s.name: s.preset_id for s in wclient.iter_streams()}
    with app.app_context():
        make_admin("boss@operator.example")
        db.session.commit()

    sign_in(page, live_url, "boss@operator.example", PASSWORD)
    page.goto(f"{live_url}/admin/organizations/{acme.org_id}")
    expect(page.locator("#dunning-state")).to_have_text("In good standing")
    expect(page.locator("#dunning")).to_contain_text("€31.00")  # the overdue October invoice
    page.locator("#dunning-policy").get_by_label("Stop recording while suspended").select_option("1")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text("Dunning policy saved.")).to_be_visible()

    page.locator("#dunning-suspend").get_by_label("Reason").fill("no payment since October")
    page.get_by_role("button", name="Suspend now").click()
    expect(page.locator("#dunning-state")).to_have_text("Suspended")
    expect(page.locator("#dunning")).to_contain_text("recording stopped: live only")
    shot(page, "dunning-suspended")
    _until(lambda: wclient.get_user(owner_wid).disabled is True)
    _until(lambda: all(s.preset_id != before[s.name] for s in wclient.iter_streams()))
    page.goto(f"{live_url}/")
    expect(page.locator("#dunning-suspended")).to_have_text("suspended: 1")

    page.goto(f"{live_url}/admin/organizations/{acme.org_id}")
    page.locator("#dunning-restore").get_by_label("Reason").fill("paid in cash")
    page.get_by_role("button", name="Restore now").click()
    expect(page.locator("#dunning-state")).to_have_text("In good standing")
    _until(lambda: wclient.get_user(owner_wid).disabled is False)
    _until(lambda: {s.name: s.preset_id for s in wclient.iter_streams()} == before)
    shot(page, "dunning-restored")
