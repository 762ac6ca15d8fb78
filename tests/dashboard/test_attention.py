"""Each kind of attention item appears on the admin dashboard, links to its fix, and goes away when fixed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask
from flask.testing import FlaskClient

from portal.dashboard.attention import LISTED, attention_list
from portal.extensions import db
from portal.models import Camera, Organization, OutboxItem, SyncRun, Tariff
from tests.dashboard.data import make_camera
from tests.factories import make_org, make_tariff, make_user


def _kinds(client: FlaskClient) -> set[str]:
    html = client.get("/").data.decode()
    return {
        kind
        for kind in (
            "tariff_not_allowed",
            "unmapped_preset",
            "unmanaged_organization",
            "sync_failed",
            "pull_failed",
            "no_owner",
        )
        if f'id="attention-{kind}"' in html
    }


def _owned_org(title: str, *allowed: Tariff) -> Organization:
    org = make_org(title, owner=make_user())
    org.allowed_tariffs.extend(allowed)
    db.session.flush()
    return org


def test_camera_on_a_tariff_the_organization_is_not_allowed(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        basic, pro = make_tariff("Basic"), make_tariff("Pro")
        org = _owned_org("Acme", basic)
        make_camera(org, basic, "allowed-cam")
        make_camera(org, pro, "lobby", title="Lobby")
        db.session.commit()
        org_id, pro_id = org.id, pro.id
    assert _kinds(admin_client) == {"tariff_not_allowed"}
    html = admin_client.get("/").data.decode()
    assert "Lobby (lobby)" in html and "Acme: tariff Pro is not allowed" in html
    assert f'href="/admin/organizations/{org_id}/edit"' in html
    assert "allowed-cam" not in html
    with app.app_context():
        org = db.session.get(Organization, org_id)
        org.allowed_tariffs.append(db.session.get(Tariff, pro_id))
        db.session.commit()
    assert _kinds(admin_client) == set()


def test_preset_mapping_to_no_tariff(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        basic = make_tariff("Basic")
        org = _owned_org("Acme", basic)
        camera = make_camera(org, None, "gate", watcher_preset_id=77)
        make_camera(
            None,
            None,
            "no-org-no-preset",
            watcher_preset_id=None,
            watcher_organization_id=None,
            missing_since=datetime(2026, 1, 1, tzinfo=timezone.utc),
        )  # vanished: ignored
        db.session.commit()
        camera_id, basic_id = camera.id, basic.id
    assert _kinds(admin_client) == {"unmapped_preset"}
    assert "Watcher preset #77 maps to no tariff" in admin_client.get("/").data.decode()
    with app.app_context():
        db.session.get(Camera, camera_id).tariff_id = basic_id
        db.session.commit()
    assert _kinds(admin_client) == set()


def test_camera_in_an_unmanaged_watcher_organization(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        camera = make_camera(None, None, "stray", watcher_organization_id=999, watcher_preset_id=5)
        basic = make_tariff("Basic")
        org = _owned_org("Acme", basic)
        db.session.commit()
        camera_id, org_id, basic_id = camera.id, org.id, basic.id
    assert _kinds(admin_client) == {"unmanaged_organization"}
    html = admin_client.get("/").data.decode()
    assert "Watcher organization #999" in html and 'href="/admin/sync/reconcile"' in html
    with app.app_context():
        camera = db.session.get(Camera, camera_id)
        camera.organization_id, camera.tariff_id = org_id, basic_id
        db.session.commit()
    assert _kinds(admin_client) == set()


def test_failed_and_stuck_outbox_rows(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        failed = OutboxItem(
            kind="org.upsert",
            object_type="organization",
            object_id=1,
            state="failed",
            attempts=8,
            last_error="Watcher said 422: title taken",
        )
        stuck = OutboxItem(kind="user.upsert", object_type="user", object_id=2, state="pending", attempts=3)
        retrying = OutboxItem(kind="user.upsert", object_type="user", object_id=3, state="pending", attempts=2)
        db.session.add_all([failed, stuck, retrying])
        db.session.commit()
        ids = failed.id, stuck.id
    assert _kinds(admin_client) == {"sync_failed"}
    html = admin_client.get("/").data.decode()
    assert "org.upsert organization #1" in html and "title taken" in html and "user #2" in html
    assert "user #3" not in html and 'href="/admin/sync/"' in html
    with app.app_context():
        for item_id in ids:
            db.session.get(OutboxItem, item_id).state = "done"
        db.session.commit()
    assert _kinds(admin_client) == set()


def test_last_pull_failed(app: Flask, admin_client: FlaskClient) -> None:
    start = datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)
    with app.app_context():
        db.session.add_all(
            [
                SyncRun(direction="pull", ok=True, started_at=start - timedelta(hours=2)),
                SyncRun(direction="pull", ok=False, started_at=start, error="Watcher unavailable: timed out"),
                SyncRun(direction="push", ok=True, started_at=start + timedelta(hours=1)),
            ]
        )
        db.session.commit()
    assert _kinds(admin_client) == {"pull_failed"}
    assert "Watcher unavailable: timed out" in admin_client.get("/").data.decode()
    with app.app_context():
        db.session.add(SyncRun(direction="pull", ok=True, started_at=start + timedelta(hours=2)))
        db.session.commit()
    assert _kinds(admin_client) == set()


def test_organization_without_owner(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        org = make_org("Orphan Ltd")
        db.session.commit()
        org_id = org.id
    assert _kinds(admin_client) == {"no_owner"}
    assert "Orphan Ltd" in admin_client.get("/").data.decode()
    with app.app_context():
        db.session.get(Organization, org_id).owner_id = make_user().id
        db.session.commit()
    assert _kinds(admin_client) == set()


def test_long_lists_are_capped_but_counted(app: Flask) -> None:
    with app.app_context():
        for n in range(LISTED + 5):
            make_org(f"Orphan {n:03d}")
        db.session.commit()
        (group,) = attention_list()
    assert (group.kind, group.total, len(group.items), group.more) == ("no_owner", LISTED + 5, LISTED, 5)
