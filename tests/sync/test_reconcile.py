"""Reconciliation finds drift made behind the portal's back, and repair converges Watcher."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import Organization, Tariff, User
from portal.sync import outbox, service
from portal.watcher import OrganizationSpec, PresetSpec, UserSpec, WatcherClient
from tests.factories import add_member, login, make_admin, make_org, make_service, make_tariff, make_user


def _pushed(app: Flask) -> dict[str, int]:
    with app.app_context():
        # a continuous archive, so the preset has an expiration the repair can restore (a setting
        # the tariff lacks is left out of the preset body: see portal.sync.presets)
        tariff = make_tariff(
            "Gold", services=[make_service("Gold archive", kind="continuous_archive", archive_days=14)]
        )
        owner = make_user("own@gold.example")
        member = make_user("mem@gold.example")
        org = make_org("Gold Co", owner=owner, camera_limit=7)
        org.allowed_tariffs = [tariff]
        add_member(owner, org, can_view_streams=True, can_edit_streams=True, can_edit_users=True, can_view_stats=True)
        add_member(member, org, can_view_streams=True)
        for obj in (tariff, owner, member, org):
            outbox.enqueue(obj)
        db.session.commit()
        assert outbox.dispatch().failed == 0
        assert service.run_reconcile() == []
        return {
            "org": org.watcher_id,
            "preset": tariff.watcher_id,
            "member": member.watcher_id,
            "owner": owner.watcher_id,
        }


def test_drift_is_found_and_repaired(app: Flask, wclient: WatcherClient) -> None:
    w = _pushed(app)
    wclient.update_organization(w["org"], OrganizationSpec(title="Hacked title", stream_limit=99))
    wclient.update_preset(w["preset"], PresetSpec(expiration=1, is_adjustable=True))
    wclient.disallow_preset(w["org"], w["preset"])
    wclient.put_org_member(w["org"], w["member"], can_view_streams=True, can_edit_streams=True)
    wclient.update_user(w["member"], UserSpec(disabled=True))
    with app.app_context():
        drifts = service.run_reconcile()
        found = {(d.object_type, d.field) for d in drifts}
        assert {
            ("organization", "title"),
            ("organization", "camera limit"),
            ("tariff", "expiration"),
            ("tariff", "is_adjustable"),
            ("organization", "allowed preset"),
            ("organization", "mem@gold.example: can_edit_streams"),
            ("user", "disabled"),
        } <= found, found
        service.repair_all(drifts)
        db.session.commit()
        assert service.run_dispatch().failed == 0
        assert service.run_reconcile() == []
    assert wclient.get_organization(w["org"]).title == "Gold Co"
    assert wclient.get_preset(w["preset"]).is_adjustable is False


def test_deleted_objects_are_found_and_recreated(app: Flask, wclient: WatcherClient) -> None:
    w = _pushed(app)
    wclient.delete_org_member(w["org"], w["member"])
    wclient.delete_user(w["member"])
    with app.app_context():
        drifts = service.run_reconcile()
        assert ("user", "exists") in {(d.object_type, d.field) for d in drifts}
        service.repair_all(drifts)
        db.session.commit()
        assert service.run_dispatch().failed == 0
        assert service.run_reconcile() == []
        new_id = db.session.scalar(select(User.watcher_id).where(User.email == "mem@gold.example"))
    assert new_id != w["member"]
    assert new_id in {m.id for m in wclient.list_org_members(w["org"])}


def test_reconcile_page_lists_and_repairs(app: Flask, client: FlaskClient, wclient: WatcherClient) -> None:
    w = _pushed(app)
    with app.app_context():
        make_admin()
        db.session.commit()
        org_id = db.session.scalar(select(Organization.id))
    login(client, "admin@example.com")
    wclient.update_organization(w["org"], OrganizationSpec(title="Renamed behind our back"))
    page = client.post("/admin/sync/reconcile/run", follow_redirects=True).get_data(as_text=True)
    assert "1 difference(s) found." in page and "Renamed behind our back" in page
    page = client.post(
        "/admin/sync/reconcile/repair", data={"object_type": "organization", "object_id": org_id}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Portal and Watcher are in step." in page
    assert wclient.get_organization(w["org"]).title == "Gold Co"


def test_sync_page_shows_backlog_and_retries(app: Flask, client: FlaskClient, watcher) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        make_admin()
        tariff = make_tariff("Silver")
        outbox.enqueue(tariff)
        db.session.commit()
    watcher.fault("error", count=20, status=503)
    with app.app_context():
        service.run_dispatch()
    login(client, "admin@example.com")
    page = client.get("/admin/sync/").get_data(as_text=True)
    assert "1 not delivered" in page and "tariff.upsert" in page and "503" in page
    watcher.clear_faults()
    with app.app_context():
        item_id = db.session.scalar(select(outbox.OutboxItem.id))
    page = client.post(f"/admin/sync/outbox/{item_id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "Nothing waiting" in page
    with app.app_context():
        assert db.session.scalar(select(Tariff.sync_state)) == "synced"
    page = client.post("/admin/sync/now", follow_redirects=True).get_data(as_text=True)
    assert "pulled 0 cameras" in page


def test_removed_service_account_and_its_seat_are_found_and_repaired(
    app: Flask, wclient: WatcherClient, watcher
) -> None:  # type: ignore[no-untyped-def]
    """A subscriber who can "edit users" removes the portal's service account and takes its seat."""
    w = _pushed(app)
    with app.app_context():
        org = db.session.scalar(select(Organization))
        org.user_limit = 2
        outbox.enqueue(org)
        db.session.commit()
        assert service.run_dispatch().failed == 0
    assert wclient.get_organization(w["org"]).user_limit == 3  # 2 + the service account's seat
    me = wclient.find_user_by_login(watcher.admin_login)
    assert me is not None and me.id in {m.id for m in wclient.list_org_members(w["org"])}
    wclient.update_user(w["owner"], UserSpec(password="Owner-pass-123"))
    owner = WatcherClient(watcher.url, "own@gold.example", "Owner-pass-123", api="client", timeout=5, retries=0)
    owner.delete_org_member(w["org"], me.id)
    owner.update_organization(w["org"], OrganizationSpec(user_limit=2))
    assert w["org"] not in {o.id for o in wclient.iter_organizations()}  # no longer listed for us
    with app.app_context():
        found = {(d.object_type, d.field, d.watcher) for d in service.run_reconcile()}
        assert ("organization", "service account", "not a member") in found, found
        service.repair_all(service.run_reconcile())
        db.session.commit()
        assert service.run_dispatch().failed == 0
        assert service.run_reconcile() == []
        assert db.session.scalar(select(Organization.watcher_id)) == w["org"]  # no duplicate created
    assert me.id in {m.id for m in wclient.list_org_members(w["org"])}
    org = wclient.get_organization(w["org"])
    assert (org.owner_id, org.caller_is_member, org.user_limit) == (w["owner"], True, 3)
    assert len([o for o in wclient.iter_organizations() if o.title == "Gold Co"]) == 1
