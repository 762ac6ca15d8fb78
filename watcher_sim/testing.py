"""Start the simulator in-process for tests, plus the pytest fixtures built on it.

``tests/watcher/conftest.py`` (and any later portal test) imports the fixtures::

    from watcher_sim.testing import watcher, watcher_server  # noqa: F401

``watcher_server`` (session scope) runs one simulator on a free 127.0.0.1 port with a
temporary SQLite file; ``watcher`` (function scope) resets its state, faults and
settings before each test and yields the same handle.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from watcher_sim.server import build

try:  # pytest is only needed for the fixtures
    import pytest
except ImportError:  # pragma: no cover
    pytest = None  # type: ignore[assignment]


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not log every request to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Skip access logging."""


class SimHandle:
    """A running simulator: its base ``url``, admin credentials and control helpers."""

    def __init__(self, server: BaseWSGIServer, thread: threading.Thread, sim: Any) -> None:
        self._server = server
        self._thread = thread
        self.sim = sim
        self.url = f"http://127.0.0.1:{server.server_port}"
        self.admin_login: str = sim.config.admin_login
        self.admin_password: str = sim.config.admin_password
        self.admin_url = self.url + "/watcher/admin-api/v3"
        self.client_url = self.url + "/watcher/client-api/v3"

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call ``/_sim/<path>``; raise on an error status; return the JSON body."""
        resp = requests.request(method, f"{self.url}/_sim/{path.lstrip('/')}", json=json, timeout=10)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def reset(self) -> None:
        """Wipe all data but the admin, clear faults, restore start settings."""
        self.control("POST", "reset")

    def add_stream(
        self,
        name: str,
        organization_id: int,
        preset_id: int,
        title: str | None = None,
        created_at: int | None = None,
        disabled: bool = False,
    ) -> dict[str, Any]:
        """Add a camera as if a subscriber created it in Watcher."""
        body: dict[str, Any] = {
            "name": name,
            "title": title or name,
            "organization_id": organization_id,
            "preset_id": preset_id,
            "disabled": disabled,
        }
        if created_at is not None:
            body["created_at"] = created_at
        return self.control("POST", "streams", body)  # type: ignore[no-any-return]

    def update_stream(self, name: str, **changes: Any) -> dict[str, Any]:
        """Change preset_id / organization_id / disabled / title; ``at`` = change time (ms)."""
        return self.control("PUT", f"streams/{name}", changes)  # type: ignore[no-any-return]

    def delete_stream(self, name: str) -> None:
        """Remove a camera."""
        self.control("DELETE", f"streams/{name}")

    def fault(
        self,
        mode: str,
        count: int = 1,
        status: int = 503,
        delay: float = 3.0,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Make the next ``count`` matching API calls fail (error / hang / drop)."""
        body = {"mode": mode, "count": count, "status": status, "delay": delay, "path": path, "method": method}
        self.control("POST", "faults", body)

    def clear_faults(self) -> None:
        """Remove pending faults."""
        self.control("DELETE", "faults")

    def set_config(self, **settings: Any) -> None:
        """Change ``token_ttl`` (s) and/or ``external_auth_url`` at runtime."""
        self.control("PUT", "config", settings)

    def stop(self) -> None:
        """Shut the server down and close the store."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.sim.store.close()


def start_server(tmp_path: str | Path, **opts: Any) -> SimHandle:
    """Start a simulator on a free 127.0.0.1 port; ``opts`` go to ``server.build``."""
    opts.setdefault("data", Path(tmp_path) / "watcher.sqlite")
    sim = build(**opts)
    server = make_server("127.0.0.1", 0, sim.wsgi, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="watcher-sim", daemon=True)
    thread.start()
    return SimHandle(server, thread, sim)


if pytest is not None:

    @pytest.fixture(scope="session")
    def watcher_server(tmp_path_factory: Any) -> Iterator[SimHandle]:
        """One simulator for the whole session."""
        handle = start_server(tmp_path_factory.mktemp("watcher_sim"))
        yield handle
        handle.stop()

    @pytest.fixture
    def watcher(watcher_server: SimHandle) -> SimHandle:
        """The session simulator, reset (data, faults, settings) before the test."""
        watcher_server.reset()
        return watcher_server
