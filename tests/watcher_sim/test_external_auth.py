"""Watcher's external authentication backend: 200 allow, 403/404 deny, slow -> local."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.watcher_sim.helpers import Api, assert_error
from watcher_sim.testing import SimHandle

CALLS: list[dict[str, str]] = []


class Backend(BaseHTTPRequestHandler):
    """/ok -> 200, /deny -> 403, /unknown -> 404, /slow -> 200 after 2.5 s, /boom -> 500."""

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        CALLS.append({k: v[0] for k, v in parse_qs(url.query).items()})
        if url.path == "/slow":
            time.sleep(2.5)
        status = {"/ok": 200, "/deny": 403, "/unknown": 404, "/slow": 200}.get(url.path, 500)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _login(sim: SimHandle, password: str) -> requests.Response:
    return requests.post(sim.client_url + "/login", auth=("ext", password), timeout=10)


def test_backend_200_allows_and_stores_the_password(watcher: SimHandle, backend: str) -> None:
    Api(watcher).ok("POST", "/users", json={"name": "ext", "password": "local-pw"})
    watcher.set_config(external_auth_url=backend + "/ok")
    CALLS.clear()
    assert _login(watcher, "portal-pw").status_code == 200
    assert CALLS == [{"login": "ext", "password": "portal-pw"}]
    watcher.set_config(external_auth_url=None)  # the hash was overwritten, like Watcher does
    assert _login(watcher, "portal-pw").status_code == 200
    assert_error(_login(watcher, "local-pw"), 401)


@pytest.mark.parametrize("path", ["/deny", "/unknown"])
def test_backend_403_and_404_deny(watcher: SimHandle, backend: str, path: str) -> None:
    Api(watcher).ok("POST", "/users", json={"name": "ext", "password": "local-pw"})
    watcher.set_config(external_auth_url=backend + path)
    assert_error(_login(watcher, "local-pw"), 401)


@pytest.mark.parametrize("path", ["/deny", "/unknown"])
def test_a_decline_resets_the_stored_password(watcher: SimHandle, backend: str, path: str) -> None:
    """Docs: "In case of decline, the user password is reset"."""
    Api(watcher).ok("POST", "/users", json={"name": "ext", "password": "local-pw"})
    watcher.set_config(external_auth_url=backend + path)
    assert_error(_login(watcher, "local-pw"), 401)
    watcher.set_config(external_auth_url=None)
    assert_error(_login(watcher, "local-pw"), 401)


def test_administrators_ask_the_backend_too(watcher: SimHandle, backend: str) -> None:
    """No undocumented exemption: Watcher's own admin is checked like everybody else."""
    watcher.set_config(external_auth_url=backend + "/deny")
    CALLS.clear()
    resp = requests.post(watcher.admin_url + "/login", auth=("admin", "admin"), timeout=5)
    assert resp.status_code == 401
    assert CALLS == [{"login": "admin", "password": "admin"}]
    watcher.reset()  # restores the built-in admin's password


def test_unknown_user_is_refused_without_asking(watcher: SimHandle, backend: str) -> None:
    watcher.set_config(external_auth_url=backend + "/ok")
    CALLS.clear()
    assert_error(requests.post(watcher.client_url + "/login", auth=("nobody", "x"), timeout=5), 401)
    assert CALLS == []


@pytest.mark.parametrize("path", ["/slow", "/boom"])
def test_slow_or_failing_backend_falls_back_to_local(watcher: SimHandle, backend: str, path: str) -> None:
    Api(watcher).ok("POST", "/users", json={"name": "ext", "password": "local-pw"})
    watcher.set_config(external_auth_url=backend + path)
    started = time.monotonic()
    assert _login(watcher, "local-pw").status_code == 200
    assert time.monotonic() - started < 4
    assert_error(_login(watcher, "other"), 401)


def test_unreachable_backend_falls_back_to_local(watcher: SimHandle) -> None:
    Api(watcher).ok("POST", "/users", json={"name": "ext", "password": "local-pw"})
    watcher.set_config(external_auth_url="http://127.0.0.1:9/nothing")
    assert _login(watcher, "local-pw").status_code == 200
