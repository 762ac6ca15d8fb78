"""Fault injection: error statuses, hangs and responses dropped after the change."""

from __future__ import annotations

import time

import pytest
import requests

from tests.watcher_sim.helpers import Api, assert_error
from watcher_sim.testing import SimHandle


def test_error_fault_fails_next_n_matching_calls_only(watcher: SimHandle) -> None:
    admin = Api(watcher)
    watcher.fault("error", count=2, status=500, path="/watcher/admin-api/v3/users")
    assert admin.ok("GET", "/presets")["presets"] == []  # other path unaffected
    assert_error(admin.call("GET", "/users"), 500, "injected_fault")
    assert_error(admin.call("POST", "/users", json={"name": "nope"}), 500)
    assert admin.ok("GET", "/users")["estimated_count"] == 1  # nothing was created
    watcher.fault("error", status=503, method="POST")
    assert admin.ok("GET", "/users")
    assert_error(admin.call("POST", "/users", json={"name": "x"}), 503)
    assert watcher.control("GET", "state")["faults"] == []


def test_hang_fault_delays_then_answers(watcher: SimHandle) -> None:
    admin = Api(watcher)
    watcher.fault("hang", delay=0.6)
    started = time.monotonic()
    assert admin.ok("GET", "/users")["users_list"]
    assert time.monotonic() - started >= 0.6
    with pytest.raises(requests.Timeout):
        watcher.fault("hang", delay=1.5)
        requests.get(admin.base + "/users", headers=admin.headers, timeout=0.5)


def test_drop_fault_applies_change_then_closes_connection(watcher: SimHandle) -> None:
    admin = Api(watcher)
    watcher.fault("drop", path="/watcher/admin-api/v3/users", method="POST")
    with pytest.raises(requests.ConnectionError):
        requests.post(admin.base + "/users", headers=admin.headers, json={"name": "ghost"}, timeout=5)
    names = [u["name"] for u in admin.ok("GET", "/users")["users_list"]]
    assert "ghost" in names  # the create happened although no response came back
    assert_error(admin.call("POST", "/users", json={"name": "ghost"}), 409)


def test_faults_can_be_cleared_and_never_hit_control(watcher: SimHandle) -> None:
    admin = Api(watcher)
    watcher.fault("error", count=5)
    assert watcher.control("GET", "state")["faults"][0]["count"] == 5  # control not faulted
    watcher.clear_faults()
    assert admin.ok("GET", "/users")
    bad = requests.post(watcher.url + "/_sim/faults", json={"mode": "explode"}, timeout=5)
    assert_error(bad, 400)


def test_reset_wipes_data_but_keeps_admin(watcher: SimHandle) -> None:
    admin = Api(watcher)
    admin.ok("POST", "/users", json={"name": "temp"})
    watcher.set_config(token_ttl=5)
    watcher.fault("error", count=3)
    watcher.reset()
    assert watcher.control("GET", "state")["config"]["token_ttl"] == 3600
    fresh = Api(watcher)
    assert [u["name"] for u in fresh.ok("GET", "/users")["users_list"]] == ["admin"]
