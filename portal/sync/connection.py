"""Building the Watcher client from the app's settings."""

from __future__ import annotations

from flask import current_app

from portal import settings
from portal.watcher import WatcherClient


class WatcherNotConfigured(RuntimeError):
    """``WATCHER_URL`` is empty: nothing can be pushed or pulled."""


def watcher_configured() -> bool:
    """True when a Watcher URL is set."""
    return settings.current().watcher.configured


def get_client(*, quick: bool = False) -> WatcherClient:
    """The app's Watcher client (one per app and mode, so tokens are reused).

    ``quick`` gives a client with a short timeout and no retries, used for the
    delivery attempt made right after a form is saved: a slow Watcher must not
    hold up the admin's page; the worker retries with the patient client.
    """
    watcher = settings.current().watcher
    if not watcher.configured:
        raise WatcherNotConfigured("WATCHER_URL is not set")
    key = "watcher_client_quick" if quick else "watcher_client"
    client: WatcherClient | None = current_app.extensions.get(key)
    if client is None:
        client = WatcherClient(
            watcher.url,
            watcher.login,
            watcher.password,
            timeout=watcher.quick_timeout if quick else watcher.timeout,
            retries=0 if quick else watcher.retries,
            backoff=watcher.backoff,
        )
        current_app.extensions[key] = client
    return client
