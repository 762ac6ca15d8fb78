"""Streams (non-adjustable presets, upsert) and cursor collections (limit/cursor/select/sort)."""

from __future__ import annotations

from typing import Any

from tests.watcher_sim.helpers import Api, assert_error
from watcher_sim.testing import SimHandle


def _setup(watcher: SimHandle) -> tuple[Api, int, int, int]:
    admin, client = Api(watcher), Api(watcher, "client")
    fixed = admin.ok("POST", "/presets", json={"title": "Fixed", "dvr": {"expiration": 604800}, "is_adjustable": False})
    free = admin.ok("POST", "/presets", json={"title": "Free", "dvr": {"expiration": 86400}, "is_adjustable": True})
    org = client.ok("POST", "/organizations", json={"title": "Org"})
    for preset in (fixed, free):
        client.ok("PUT", f"/organizations/{org['id']}/presets", json={"preset_id": preset["id"]})
    return admin, int(org["id"]), int(fixed["id"]), int(free["id"])


def test_stream_shape_from_control_surface(watcher: SimHandle) -> None:
    admin, org_id, fixed, _ = _setup(watcher)
    watcher.add_stream("cam-1", org_id, fixed, title="Door", created_at=1_700_000_000_000)
    stream = admin.ok("GET", "/streams/cam-1")
    assert stream["organization"] == {"id": org_id, "title": "Org"}
    assert stream["organization_id"] == org_id
    assert stream["preset"] == {"id": fixed, "title": "Fixed", "is_adjustable": False}
    assert stream["dvr"] == {"expiration": 604800}
    assert stream["created_at"] == 1_700_000_000_000
    assert stream["last_change"]["created_at"] == 1_700_000_000_000
    assert stream["stats"]["alive"] is True and stream["disabled"] is False
    assert "inputs" not in stream and "playback_token" not in stream["stats"]
    changed = watcher.update_stream("cam-1", disabled=True, at=1_700_000_100_000)
    assert changed["disabled"] is True and changed["stats"]["alive"] is False
    assert changed["last_change"]["created_at"] == 1_700_000_100_000
    watcher.delete_stream("cam-1")
    assert_error(admin.call("GET", "/streams/cam-1"), 404)


def test_non_adjustable_preset_ignores_stream_dvr(watcher: SimHandle) -> None:
    admin, org_id, fixed, free = _setup(watcher)
    put = admin.ok(
        "PUT",
        "/streams/cam-2",
        json={"title": "Yard", "organization": {"id": org_id}, "preset": {"id": fixed}, "dvr": {"expiration": 1}},
    )
    assert put["dvr"] == {"expiration": 604800} and put["title"] == "Yard"
    assert put["last_change"]["user"] == "admin"
    adjustable = admin.ok("PUT", "/streams/cam-2", json={"preset": {"id": free}, "dvr": {"expiration": 3600}})
    assert adjustable["dvr"] == {"expiration": 3600} and adjustable["title"] == "Yard"
    back = admin.ok("PUT", "/streams/cam-2", json={"preset_id": fixed})
    assert back["dvr"] == {"expiration": 604800}
    other = admin.ok("POST", "/presets", json={"title": "Not allowed"})
    assert_error(admin.call("PUT", "/streams/cam-2", json={"preset": {"id": other["id"]}}), 422, "preset_not_allowed")
    assert admin.ok("DELETE", "/streams/cam-2") == {}


def _pages(admin: Api, query: str) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        page = admin.ok("GET", f"/streams?{query}" + (f"&cursor={cursor}" if cursor else ""))
        pages.append(page)
        cursor = page["next"]
        if cursor is None:
            return pages


def test_paging_limit_2_has_no_skips_or_duplicates(watcher: SimHandle) -> None:
    admin, org_id, fixed, _ = _setup(watcher)
    names = [f"cam-{i:02d}" for i in range(7)]
    for i, name in enumerate(names):
        watcher.add_stream(name, org_id, fixed, created_at=1_700_000_000_000 + (i % 3))
    pages = _pages(admin, "limit=2")
    assert [len(p["streams"]) for p in pages] == [2, 2, 2, 1]
    assert [s["name"] for p in pages for s in p["streams"]] == names
    assert all(p["estimated_count"] == 7 for p in pages)
    assert pages[0]["prev"] is None and pages[-1]["next"] is None
    assert set(pages[0]) >= {"streams", "estimated_count", "next", "prev", "timing"}
    back = admin.ok("GET", f"/streams?limit=2&cursor={pages[2]['prev']}")
    assert [s["name"] for s in back["streams"]] == names[2:4]
    by_time = [s["name"] for p in _pages(admin, "limit=2&sort=-created_at") for s in p["streams"]]
    assert by_time == sorted(names, key=lambda n: (-(int(n[-2:]) % 3), n))
    watcher.add_stream("cam-00a", org_id, fixed)  # inserted behind the cursor: no shift
    second = admin.ok("GET", f"/streams?limit=2&cursor={pages[0]['next']}")
    assert [s["name"] for s in second["streams"]] == names[2:4]


def test_select_sort_and_filters(watcher: SimHandle) -> None:
    admin, org_id, fixed, free = _setup(watcher)
    watcher.add_stream("b", org_id, fixed, title="Bravo")
    watcher.add_stream("a", org_id, free, title="Alpha", disabled=True)
    page = admin.ok("GET", "/streams?select=name,organization.id,preset.title&sort=-name")
    assert page["streams"] == [
        {"name": "b", "organization": {"id": org_id}, "preset": {"title": "Fixed"}},
        {"name": "a", "organization": {"id": org_id}, "preset": {"title": "Free"}},
    ]
    assert [s["name"] for s in admin.ok("GET", f"/streams?preset.id={free}")["streams"]] == ["a"]
    assert [s["name"] for s in admin.ok("GET", "/streams?disabled=true")["streams"]] == ["a"]
    assert admin.ok("GET", f"/streams?organization_id={org_id}")["estimated_count"] == 2
    assert admin.ok("GET", "/streams?organization_id=99999")["streams"] == []
    assert [s["name"] for s in admin.ok("GET", "/streams?title_like=rav")["streams"]] == ["b"]
    users = admin.ok("GET", "/users?select=name")["users_list"]
    assert users == [{"name": "admin"}]


def test_collection_and_routing_errors_are_json_api(watcher: SimHandle) -> None:
    admin = Api(watcher)
    assert_error(admin.call("GET", "/streams?limit=0"), 400)
    assert_error(admin.call("GET", "/streams?cursor=%%%"), 400, "invalid_cursor")
    assert_error(admin.call("GET", "/no/such/thing"), 404, "not_found")
    assert_error(admin.call("PATCH", "/users"), 405)
    assert_error(admin.call("GET", "/organizations/abc"), 404)
