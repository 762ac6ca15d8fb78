"""Every request the portal sends to Watcher is a published operation with a published body.

The portal's pushes (every object kind, a repair after drift, a removed service account), its
reconciliation, its stream pull and the contract test run against the shipped server while
every HTTP request is recorded; each one must match a published method + path, use only the
operation's published query parameters, and a body whose field names belong to the
operation's published request model (tests/data/watcher, from Flussonic's SDK).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from flask import Flask

from portal.extensions import db
from portal.sync import service
from portal.watcher import WatcherClient, contract
from tests.factories import add_member, make_org, make_service, make_tariff, make_user
from tests.watcher import published
from watcher_sim.testing import SimHandle

Call = tuple[str, str, dict[str, Any], Any]


@pytest.fixture()
def recorded(watcher: SimHandle, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    """(method, path, query, json body) of every request sent to the simulator's API."""
    calls: list[Call] = []
    original = requests.Session.request

    def spy(self: requests.Session, method: str, url: str, *args: Any, **kw: Any) -> requests.Response:
        if url.startswith(watcher.url + "/watcher/"):
            parts = urlsplit(url)
            query = {**dict(parse_qsl(parts.query)), **(kw.get("params") or {})}
            calls.append((method.upper(), parts.path, query, kw.get("json")))
        return original(self, method, url, *args, **kw)

    monkeypatch.setattr(requests.Session, "request", spy)
    yield calls


def _problems(calls: list[Call]) -> list[str]:
    problems = []
    for method, path, query, body in calls:
        op = published.find(method, path)
        if op is None:
            problems.append(f"{method} {path}: not a published operation")
            continue
        problems += [f"{method} {path} {p}" for p in published.query_problems(op, query)]
        problems += [f"{method} {path} {p}" for p in published.body_problems(op, body)]
    return problems


def test_published_helpers_catch_what_they_should() -> None:
    """The checker itself: the old nested member body and a name filter are caught."""
    member = published.find("PUT", "/watcher/client-api/v3/organizations/1/users/2")
    assert member is not None and member.body_model == "OrganizationPermissions"
    assert published.body_problems(member, {"permissions": {"organization": {"can_view_streams": True}}})
    assert not published.body_problems(member, {"can_view_streams": True, "is_member": True})
    users = published.find("GET", "/watcher/admin-api/v3/users")
    assert users is not None and published.query_problems(users, {"name": "bob"})
    assert not published.query_problems(users, {"organization_id": 3, "cursor": "x", "limit": 5, "select": "id"})
    preset = published.find("PUT", "/watcher/admin-api/v3/presets/4")
    assert preset is not None and published.body_problems(preset, {"dvr": {"expiration": 1, "days": 2}})
    assert published.find("GET", "/watcher/admin-api/v3/organizations") is None


def test_every_request_the_portal_sends_is_published(
    app: Flask, watcher: SimHandle, wclient: WatcherClient, recorded: list[Call]
) -> None:
    with app.app_context():
        archive = make_service("Archive 30", kind="continuous_archive", archive_days=30)
        events = make_service("Events 7d", kind="event_archive", archive_days=7)
        space = make_service("Space 50 GB", kind="archive_space", archive_gb=50)
        faces = make_service("Faces", kind="analytics", analytics="faces")
        pro, live = make_tariff("Pro", services=[archive, events, space, faces]), make_tariff("Live only")
        owner, viewer = make_user("owner@pub.example", name="Olga"), make_user("viewer@pub.example")
        make_user("disabled@pub.example", is_enabled=False)
        org = make_org("Published Co", owner=owner, camera_limit=4, user_limit=3)
        org.allowed_tariffs = [pro, live]
        add_member(owner, org, can_view_streams=True, can_edit_streams=True, can_edit_users=True, can_view_stats=True)
        add_member(viewer, org, can_view_streams=True)
        service.enqueue_everything()
        db.session.commit()
        assert service.run_dispatch().failed == 0
        org_wid, viewer_wid, pro_wid = org.watcher_id, viewer.watcher_id, pro.watcher_id
        admin_wid = wclient.find_user_by_login(watcher.admin_login).id  # type: ignore[union-attr]
    watcher.add_stream("pub-cam", org_wid, pro_wid)
    wclient.delete_org_member(org_wid, viewer_wid)  # drift behind the portal's back
    with app.app_context():
        drifts = service.run_reconcile()
        assert drifts
        service.repair_all(drifts)
        db.session.commit()
        assert service.run_dispatch().failed == 0
        assert service.run_reconcile() == []
        service.run_pull()
    assert admin_wid in {m.id for m in wclient.list_org_members(org_wid)}
    report = contract.run(watcher.url, watcher.admin_login, watcher.admin_password, out=lambda _l: None)
    assert report.ok, report.text()
    ops = {published.find(m, p).name for m, p, _, _ in recorded if published.find(m, p)}  # type: ignore[union-attr]
    assert {
        "OrganizationUserSave",
        "OrganizationCreate",
        "OrganizationSave",
        "PresetsCreate",
        "UserCreate",
        "OrganizationPresetSave",
        "AdminStreamsList",
        "UsersList",
    } <= ops, ops
    assert _problems(recorded) == []
