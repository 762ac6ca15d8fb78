"""Login, refresh, expiry, 401/403 and the external authentication backend."""

from __future__ import annotations

import time

import requests
from joserfc import jws, jwt

from tests.watcher_sim.helpers import Api, assert_error
from watcher_sim.testing import SimHandle


def test_basic_login_returns_rs256_jwt_and_uuid_refresh(watcher: SimHandle) -> None:
    resp = requests.post(watcher.admin_url + "/login", auth=(watcher.admin_login, watcher.admin_password), timeout=5)
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"access_token", "refresh_token"}
    header = jws.extract_compact(body["access_token"].encode()).protected
    assert header["alg"] == "RS256"
    claims = jwt.decode(body["access_token"], watcher.sim.auth.key).claims
    assert {"exp", "iat", "sub", "session"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 3600
    assert len(body["refresh_token"]) == 36 and body["refresh_token"].count("-") == 4


def _make_user(sim: SimHandle, name: str, password: str = "pw-1", **extra: object) -> int:
    admin = Api(sim)
    return int(admin.ok("POST", "/users", json={"name": name, "password": password, **extra})["id"])


def test_refresh_token_gives_new_access_token_and_expiry_is_401(watcher: SimHandle) -> None:
    watcher.set_config(token_ttl=1)
    login = requests.post(watcher.admin_url + "/login", auth=("admin", "admin"), timeout=5).json()
    bearer = {"Authorization": "Bearer " + login["access_token"]}
    assert requests.get(watcher.admin_url + "/users", headers=bearer, timeout=5).status_code == 200
    give_up = time.monotonic() + 30
    while (expired := requests.get(watcher.admin_url + "/users", headers=bearer, timeout=30)).status_code == 200:
        assert time.monotonic() < give_up, "the access token never expired"
        time.sleep(0.05)  # polling until the one-second token runs out
    assert_error(expired, 401, "token_expired")
    refreshed = requests.post(
        watcher.admin_url + "/login", timeout=5, headers={"Authorization": "Bearer " + login["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new = refreshed.json()["access_token"]
    assert new != login["access_token"]
    old_claims = jwt.decode(login["access_token"], watcher.sim.auth.key).claims
    assert jwt.decode(new, watcher.sim.auth.key).claims["session"] == old_claims["session"]
    ok = requests.get(watcher.admin_url + "/users", timeout=5, headers={"Authorization": "Bearer " + new})
    assert ok.status_code == 200


def test_401_for_missing_wrong_or_garbage_credentials(watcher: SimHandle) -> None:
    url = watcher.admin_url
    assert_error(requests.get(url + "/users", timeout=5), 401)
    assert_error(requests.post(url + "/login", auth=("admin", "nope"), timeout=5), 401, "invalid_credentials")
    assert_error(requests.post(url + "/login", auth=("ghost", "x"), timeout=5), 401)
    assert_error(requests.post(url + "/login", timeout=5, headers={"Authorization": "Bearer not-a-refresh-token"}), 401)
    assert_error(requests.get(url + "/users", timeout=5, headers={"Authorization": "Bearer abc.def.ghi"}), 401)
    assert_error(requests.get(url + "/users", timeout=5, headers={"Authorization": "Basic !!!"}), 401)
    assert requests.post(url + "/login", timeout=5).headers["WWW-Authenticate"]


def test_basic_credentials_are_accepted_directly(watcher: SimHandle) -> None:
    resp = requests.get(watcher.admin_url + "/users", auth=("admin", "admin"), timeout=5)
    assert resp.status_code == 200 and "users_list" in resp.json()


def test_non_admin_gets_403_on_admin_api_but_can_use_client_api(watcher: SimHandle) -> None:
    _make_user(watcher, "plain")
    assert_error(requests.post(watcher.admin_url + "/login", auth=("plain", "pw-1"), timeout=5), 403)
    client = Api(watcher, "client", "plain", "pw-1")
    assert client.ok("GET", "/organizations")["organizations"] == []
    admin_call = requests.get(watcher.admin_url + "/presets", headers=client.headers, timeout=5)
    assert_error(admin_call, 403)
    assert_error(client.call("POST", "/organizations", json={"title": "X"}), 403)
    assert_error(client.call("POST", "/users", json={"name": "y"}), 403)


def test_disabled_user_cannot_log_in_and_its_tokens_stop_working(watcher: SimHandle) -> None:
    user_id = _make_user(watcher, "soon-off")
    client = Api(watcher, "client", "soon-off", "pw-1")
    Api(watcher).ok("PUT", f"/users/{user_id}", json={"disabled": True})
    assert_error(
        requests.post(watcher.client_url + "/login", auth=("soon-off", "pw-1"), timeout=5), 401, "user_disabled"
    )
    assert_error(client.call("GET", "/organizations"), 401)
