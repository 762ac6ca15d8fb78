"""Browser tests: Playwright drives Debian's Chromium against the portal served over real HTTP.

Never ``playwright install``: the browser is /usr/bin/chromium (``make test`` installs it).
Screenshots land in tests/e2e/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.live import serve
from tests.mailbox import free_port
from watcher_sim.testing import SimHandle, watcher, watcher_server  # noqa: F401

SHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
expect.set_options(timeout=30_000)  # generous: the machine may be busy

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium per test session (per xdist worker)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def app_config(watcher: SimHandle) -> dict[str, Any]:  # noqa: F811
    """CSRF on, as in production, and the portal wired to the Watcher-compatible server."""
    return {
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": None,
        "WATCHER_URL": watcher.url,
        "WATCHER_LOGIN": watcher.admin_login,
        "WATCHER_PASSWORD": watcher.admin_password,
        "WATCHER_TIMEOUT": 30,
        "WATCHER_QUICK_TIMEOUT": 15,
        "MAIL_PORT": free_port(),
    }


@pytest.fixture()
def live_url(app: Flask) -> Iterator[str]:
    """The portal on a free 127.0.0.1 port."""
    with serve(app) as url:
        yield url


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # generous: the machine may be busy
    yield tab
    context.close()


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot under tests/e2e/screenshots/."""
    SHOTS.mkdir(exist_ok=True)
    partial = SHOTS / f".{name}.{os.getpid()}.png"  # another run may write the same name: swap in whole
    page.screenshot(path=str(partial), full_page=True)
    os.replace(partial, SHOTS / f"{name}.png")


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    """Log in through the form (found by field names, so it works in every interface language)."""
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form [type=submit]").click()
    page.wait_for_load_state()
