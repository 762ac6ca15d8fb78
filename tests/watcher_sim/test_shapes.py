"""Responses have the shapes of Flussonic's published examples; concurrent writes are safe."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.watcher_sim.helpers import Api
from watcher_sim.testing import SimHandle

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "watcher" / "published-examples.json"
STREAM_KEYS = {
    "name",
    "title",
    "comment",
    "created_at",
    "organization",
    "organization_id",
    "preset",
    "dvr",
    "static",
    "stats",
    "vision",
}


def _example(api: str, operation: str) -> dict[str, Any]:
    for entry in json.loads(EXAMPLES.read_text()):
        if entry["api"] == api and entry["operation"] == operation:
            return entry["response"]  # type: ignore[no-any-return]
    raise KeyError(operation)


def _same_kinds(ours: dict[str, Any], theirs: dict[str, Any], keys: set[str]) -> None:
    for key in keys:
        if ours[key] is not None and theirs[key] is not None:
            assert type(ours[key]) is type(theirs[key]), key
        if isinstance(theirs[key], dict) and isinstance(ours[key], dict):
            _same_kinds(ours[key], theirs[key], set(theirs[key]) & set(ours[key]))


@pytest.mark.skipif(not EXAMPLES.exists(), reason="published examples not available")
def test_shapes_match_published_examples(watcher: SimHandle) -> None:
    admin, client = Api(watcher), Api(watcher, "client")
    user = admin.ok("POST", "/users", json={"name": "u1", "password": "pw"})
    org = client.ok("POST", "/organizations", json={"title": "Org", "limits": {"streams": 5, "users": 5}})
    client.ok("PUT", f"/organizations/{org['id']}/users/{user['id']}", json={"can_view_streams": True})
    preset = admin.ok("POST", "/presets", json={"title": "P", "dvr": {"expiration": 60}, "vision": {"alg": "faces"}})
    member = client.ok("GET", f"/organizations/{org['id']}/users/{user['id']}")
    watcher.add_stream("cam", org["id"], preset["id"])
    stream = admin.ok("GET", "/streams/cam")
    user = admin.ok("GET", f"/users/{user['id']}")
    cases = [
        (org, _example("client", "OrganizationGet"), set()),
        (user, _example("admin", "UserGet"), {"password"}),
        (preset, _example("admin", "PresetGet"), set()),
        (member, _example("client", "OrganizationUserGet"), set()),
    ]
    for ours, theirs, write_only in cases:
        expected = set(theirs) - write_only
        assert expected <= set(ours), expected - set(ours)
        _same_kinds(ours, theirs, expected)
        assert not write_only & set(ours)
    theirs = _example("admin", "StreamGet")
    assert STREAM_KEYS <= set(stream) and STREAM_KEYS <= set(theirs)
    _same_kinds(stream, theirs, STREAM_KEYS - {"vision"})


def test_concurrent_creates_are_serialized(watcher: SimHandle) -> None:
    admin = Api(watcher)
    results: list[int] = []

    def create(i: int) -> None:
        results.append(admin.call("POST", "/users", json={"name": f"c{i % 10}"}).status_code)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] * 10 + [409] * 10
    assert admin.ok("GET", "/users")["estimated_count"] == 11
