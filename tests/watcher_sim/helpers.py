"""Small HTTP helpers shared by the simulator tests."""

from __future__ import annotations

from typing import Any

import requests

from watcher_sim.testing import SimHandle


def token(sim: SimHandle, login: str | None = None, password: str | None = None, api: str = "admin") -> str:
    """Log in with Basic and return the access token."""
    base = sim.admin_url if api == "admin" else sim.client_url
    resp = requests.post(f"{base}/login", auth=(login or sim.admin_login, password or sim.admin_password), timeout=10)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["access_token"])


class Api:
    """A tiny authenticated client for one API prefix."""

    def __init__(
        self, sim: SimHandle, api: str = "admin", login: str | None = None, password: str | None = None
    ) -> None:
        self.base = sim.admin_url if api == "admin" else sim.client_url
        self.headers = {"Authorization": "Bearer " + token(sim, login, password, api)}

    def call(self, method: str, path: str, **kw: Any) -> requests.Response:
        """Send a request with the bearer token."""
        headers = {**self.headers, **kw.pop("headers", {})}
        return requests.request(method, self.base + path, headers=headers, timeout=10, **kw)

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        """Send a request, assert 200 and return the JSON."""
        resp = self.call(method, path, **kw)
        assert resp.status_code == 200, (resp.status_code, resp.text)
        return resp.json()


def assert_error(resp: requests.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert a JSON:API error body with the given status (and code)."""
    assert resp.status_code == status, (resp.status_code, resp.text)
    errors = resp.json()["errors"]
    assert isinstance(errors, list) and errors
    err = errors[0]
    assert err["status"] == str(status)
    assert isinstance(err["title"], str) and err["title"]
    assert isinstance(err["source"], dict)
    if code is not None:
        assert err["code"] == code, err
    return err  # type: ignore[no-any-return]
