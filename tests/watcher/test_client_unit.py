"""Transport behaviour of WatcherClient against a scripted fake session (no network).

The same behaviours run for real against the Watcher-compatible server in
``test_client_live.py``; these tests pin down the edge cases deterministically.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any

import pytest
import requests

from portal.watcher.client import WatcherClient
from portal.watcher.errors import WatcherAuthError, WatcherProtocolError, WatcherUnavailable
from portal.watcher.types import UserSpec

PASSWORD = "pa55-Very-Secret"


def _jwt(exp: float | None) -> str:
    def enc(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    claims = {"sub": "1"} if exp is None else {"sub": "1", "exp": exp}
    return f"{enc({'alg': 'none'})}.{enc(claims)}.sig{int(time.time() * 1e6)}"


def _resp(status: int, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp._content = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    resp.headers.update(headers or {})
    return resp


class FakeSession:
    """Answers from a script: a list of (method, path suffix, response-or-exception)."""

    def __init__(self, script: list[tuple[str, str, Any]]) -> None:
        self.script = list(script)
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:
        self.calls.append({"method": method, "url": url, **kw})
        assert kw.get("timeout"), "every call must carry a timeout"
        exp_method, suffix, outcome = self.script.pop(0)
        assert (method, url.endswith(suffix)) == (exp_method, True), (method, url, exp_method, suffix)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _login(exp: float | None = None) -> tuple[str, str, requests.Response]:
    return ("POST", "/login", _resp(200, {"access_token": _jwt(exp), "refresh_token": "refresh-XYZ"}))


def _client(script: list[tuple[str, str, Any]], **kw: Any) -> tuple[WatcherClient, FakeSession, list[float]]:
    session = FakeSession(script)
    sleeps: list[float] = []
    client = WatcherClient(
        "http://w.example/",
        "admin",
        PASSWORD,
        session=session,  # type: ignore[arg-type]
        sleep=sleeps.append,
        **kw,
    )
    return client, session, sleeps


USER = {"id": 1, "name": "u"}


def test_login_then_bearer_and_basic_only_on_login() -> None:
    client, session, _ = _client([_login(), ("GET", "/admin-api/v3/users/1", _resp(200, USER))])
    assert client.get_user(1).name == "u"
    login, call = session.calls
    assert login["auth"] == ("admin", PASSWORD) and login["url"] == "http://w.example/watcher/admin-api/v3/login"
    assert call["auth"] is None and call["headers"]["Authorization"].startswith("Bearer ey")


def test_401_refreshes_with_refresh_token_then_retries_once() -> None:
    client, session, _ = _client(
        [
            _login(),
            ("GET", "/users/1", _resp(401, {"errors": [{"title": "Access token expired"}]})),
            ("POST", "/login", _resp(200, {"access_token": _jwt(None)})),
            ("GET", "/users/1", _resp(200, USER)),
        ]
    )
    client.get_user(1)
    refresh = session.calls[2]
    assert refresh["headers"]["Authorization"] == "Bearer refresh-XYZ" and refresh["auth"] is None


def test_refused_refresh_falls_back_to_password_then_gives_up() -> None:
    client, session, _ = _client(
        [
            _login(),
            ("GET", "/users/1", _resp(401, {})),
            ("POST", "/login", _resp(401, {"error": "Invalid refresh token"})),
            _login(),
            ("GET", "/users/1", _resp(401, {"error": "still no"})),
        ]
    )
    with pytest.raises(WatcherAuthError, match="still no"):
        client.get_user(1)
    assert session.calls[3]["auth"] == ("admin", PASSWORD)
    assert not session.script


def test_token_refreshed_ahead_of_exp() -> None:
    now = [time.time()]
    client, session, _ = _client(
        [
            _login(exp=now[0] + 60),
            ("GET", "/users/1", _resp(200, USER)),
            ("POST", "/login", _resp(200, {"access_token": _jwt(now[0] + 3600)})),
            ("GET", "/users/1", _resp(200, USER)),
        ],
        clock=lambda: now[0],
    )
    client.get_user(1)
    now[0] += 55  # within the last 10 % of the token's life: refresh before using it
    client.get_user(1)
    assert session.calls[2]["headers"]["Authorization"] == "Bearer refresh-XYZ"


def test_idempotent_retry_with_backoff_and_retry_after_cap() -> None:
    client, session, sleeps = _client(
        [
            _login(),
            ("GET", "/users/1", _resp(503)),
            ("GET", "/users/1", requests.ConnectionError("reset")),
            ("GET", "/users/1", _resp(429, headers={"Retry-After": "3600"})),
            ("GET", "/users/1", _resp(200, USER)),
        ],
        backoff=0.1,
        retries=3,
        max_backoff=2.0,
    )
    client.get_user(1)
    assert sleeps == [0.1, 0.2, 2.0]


def test_retries_exhausted_raise_unavailable() -> None:
    client, _, sleeps = _client([_login()] + [("PUT", "/users/1", _resp(502))] * 3, retries=2, backoff=0.01)
    with pytest.raises(WatcherUnavailable) as info:
        client.update_user(1, UserSpec(fullname="x"))
    assert info.value.status == 502 and not info.value.maybe_applied and len(sleeps) == 2


@pytest.mark.parametrize("outcome", [_resp(503), requests.ReadTimeout("slow"), requests.ConnectionError("drop")])
def test_post_is_never_retried_blindly(outcome: Any) -> None:
    client, session, sleeps = _client([_login(), ("POST", "/users", outcome)])
    with pytest.raises(WatcherUnavailable) as info:
        client.create_user(UserSpec(name="n", password="p"))
    assert info.value.maybe_applied is True and sleeps == [] and not session.script


def test_post_retried_after_429_and_refused_connection() -> None:
    client, _, sleeps = _client(
        [
            _login(),
            ("POST", "/users", _resp(429)),
            ("POST", "/users", requests.ConnectTimeout("no route")),
            ("POST", "/users", _resp(201, USER)),
        ],
        backoff=0.01,
    )
    assert client.create_user(UserSpec(name="u")).id == 1
    assert len(sleeps) == 2


def test_non_json_success_body_is_protocol_error() -> None:
    client, _, _ = _client([_login(), ("GET", "/users/1", _resp(200, b"<html>oops</html>"))])
    with pytest.raises(WatcherProtocolError, match="not JSON"):
        client.get_user(1)


def test_find_user_matches_login_exactly() -> None:
    page = {"users_list": [{"id": 1, "name": "Bob"}, {"id": 2, "name": "bob2"}, {"id": 3, "name": "bob"}]}
    client, session, _ = _client([_login(), ("GET", "/users", _resp(200, page))])
    assert client.find_user_by_login("bob").id == 3  # type: ignore[union-attr]
    assert session.calls[1]["params"] == {"select": "id,name", "limit": 1000}  # no unpublished filter


def test_logs_never_contain_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, session, _ = _client(
        [
            _login(),
            ("GET", "/users", _resp(401, {})),
            ("POST", "/login", _resp(500)),
            _login(),
            ("GET", "/users", _resp(200, {"users_list": []})),
            ("POST", "/users", _resp(201, USER)),
        ]
    )
    client.find_user_by_login("secret-login-query")
    client.create_user(UserSpec(name="x", password=PASSWORD))
    text = caplog.text + repr(client)
    tokens = [c["headers"].get("Authorization", "") for c in session.calls]
    assert "/watcher/admin-api/v3/users -> 200" in caplog.text
    for secret in [PASSWORD, "refresh-XYZ", "secret-login-query", *[t.split()[-1] for t in tokens if t]]:
        assert secret not in text
    assert "Authorization" not in text and "Bearer" not in text
