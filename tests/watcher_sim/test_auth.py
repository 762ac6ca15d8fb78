"""Login, refresh, expiry, 401/403 and the external authentication backend."""

from __future__ import annotations

import time

import requests
from joserfc import jws, jwt

from tests.watcher_sim.helpers import Api, assert_error
from watcher_sim.testing import SimHandle


def test_basic_login_returns_rs256_jwt_and_uuid_refresh(watcher: SimHandle) -> None:
    resp = requests.post(watcher.admin_url + "/login",
                         auth=(watcher.admin_login, watcher.admin_password), timeout=5)
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"access_token", "refresh_token"}
    header = jws.extract_compact(body["access_token"].encode()).protected
    assert header["alg"] == "RS256"
    claims = jwt.decode(body["access_token"], watcher.sim.auth.key).claims
    assert {"exp", "iat", "sub", "session"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 3600
    assert len(body["refresh_token"]) == 36 and body["refresh_token"].count("-") == 4
