"""Building the Watcher client from the app's configuration."""
from __future__ import annotations

from flask import current_app

from portal.watcher import WatcherClient


class WatcherNotConfigured(RuntimeError):
    """``WATCHER_URL`` is empty: nothing can be pushed or pulled."""


def watcher_configured() -> bool:
    """True when a Watcher URL is set."""
    return bool(current_app.config.get("WATCHER_URL"))


def get_client(*, quick: bool = False) -> WatcherClient:
    """The app's Watcher client (one per app and mode, so tokens are reused).

    ``quick`` gives a client with a short timeout and no retries, used for the
    delivery attempt made right after a form is saved: a slow Watcher must not
    hold up the admin's page; the worker retries with the patient client.
    """
    if not watcher_configured():
        raise WatcherNotConfigured("WATCHER_URL is not set")
    key = "watcher_client_quick" if quick else "watcher_client"
    client = current_app.extensions.get(key)
    if client is None:
        config = current_app.config
        timeout = float(config.get("WATCHER_QUICK_TIMEOUT", 3)) if quick else float(config["WATCHER_TIMEOUT"])
        client = WatcherClient(config["WATCHER_URL"], config["WATCHER_LOGIN"], config["WATCHER_PASSWORD"],
                               timeout=timeout, retries=0 if quick else int(config.get("WATCHER_RETRIES", 3)),
                               backoff=float(config.get("WATCHER_BACKOFF", 0.5)))
        current_app.extensions[key] = client
    return client
