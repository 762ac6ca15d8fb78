"""Dunning tests: a real Watcher-compatible server over HTTP and a real SMTP server."""

from __future__ import annotations

from typing import Any

import pytest

from portal.watcher import WatcherClient
from tests.mailbox import Mailbox, mailbox  # noqa: F401
from watcher_sim.testing import SimHandle, watcher, watcher_server  # noqa: F401


@pytest.fixture()
def app_config(watcher: SimHandle, mailbox: Mailbox) -> dict[str, Any]:  # noqa: F811
    """The simulator, the mailbox, and a short policy: suspend 10 days past due, warn 3 days before."""
    return {
        "WATCHER_URL": watcher.url,
        "WATCHER_LOGIN": watcher.admin_login,
        "WATCHER_PASSWORD": watcher.admin_password,
        "WATCHER_TIMEOUT": 30,
        "WATCHER_QUICK_TIMEOUT": 15,
        "WATCHER_RETRIES": 0,
        "WATCHER_BACKOFF": 0.01,
        "OUTBOX_BACKOFF": 0,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "MAIL_BACKOFF_SECONDS": 0,
        "PUBLIC_URL": "http://portal.test",
        "DUNNING_SUSPEND_AFTER_DAYS": 10,
        "DUNNING_WARNING_DAYS": 3,
        "DUNNING_TOLERANCE_MINOR": 100,
        "DUNNING_STOP_RECORDING": True,
    }


@pytest.fixture()
def wclient(watcher: SimHandle) -> WatcherClient:  # noqa: F811
    """An independent admin client to look into Watcher."""
    return WatcherClient(watcher.url, watcher.admin_login, watcher.admin_password, timeout=30, retries=0)
