"""Portal <-> Watcher tests: the portal talks to a real Watcher-compatible server over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from portal.watcher import WatcherClient
from watcher_sim.testing import SimHandle, watcher, watcher_server  # noqa: F401


@pytest.fixture()
def app_config(watcher: SimHandle) -> dict[str, Any]:  # noqa: F811
    """Point the portal at the simulator with short timeouts."""
    return {
        "WATCHER_URL": watcher.url,
        "WATCHER_LOGIN": watcher.admin_login,
        "WATCHER_PASSWORD": watcher.admin_password,
        "WATCHER_TIMEOUT": 30,
        "WATCHER_QUICK_TIMEOUT": 15,
        "WATCHER_RETRIES": 1,
        "WATCHER_BACKOFF": 0.01,
        "WATCHER_DISPATCH_ON_COMMIT": True,
    }


@pytest.fixture()
def wclient(watcher: SimHandle) -> WatcherClient:  # noqa: F811
    """An independent admin client to look into Watcher (and to make drift behind the portal's back)."""
    return WatcherClient(watcher.url, watcher.admin_login, watcher.admin_password, timeout=30, retries=0)
