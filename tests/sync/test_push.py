"""Push (portal -> Watcher) through the outbox, over real HTTP against the Watcher-compatible server."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.models import Organization, OutboxItem, Tariff, User
from portal.sync import credentials, outbox
from portal.sync.presets import DAY, GB
from portal.sync.push import SERVICE_SEATS
from portal.watcher import WatcherClient
from tests.factories import add_member, make_org, make_service, make_tariff, make_user
from watcher_sim.testing import SimHandle


def _catalog() -> tuple[Tariff, Organization, User]:
    archive = make_service("Archive 30", kind="continuous_archive", archive_days=30)
    events = make_service("Space 50GB", kind="archive_space", archive_gb=50)  # whole-archive cap
    faces = make_service("Faces", kind="analytics", analytics="faces")
    tariff = make_tariff("Pro", services=[archive, events, faces])
    owner = make_user("owner@acme.example", name="Olga Owner")
    org = make_org("Acme", owner=owner, camera_limit=10, user_limit=5)
    org.allowed_tariffs = [tariff]
    add_member(
        owner,
        org,
        can_view_streams=True,
        can_edit_streams=True,
        can_edit_users=True,
        can_view_stats=True,
        can_view_invoices=True,
    )
    return tariff, org, owner


def test_each_push_kind_lands_with_the_right_fields(app: Flask, wclient: WatcherClient) -> None:
    with app.app_context():
        tariff, org, owner = _catalog()
        viewer = make_user("viewer@acme.example")
        add_member(viewer, org, can_view_streams=True, can_view_stats=True)
        for obj in (tariff, owner, viewer, org):
            outbox.enqueue(obj)
        db.session.commit()
        result = outbox.dispatch()
        assert (result.delivered, result.failed) == (4, 0), result.errors
        org, tariff = db.session.get(Organization, org.id), db.session.get(Tariff, tariff.id)
        assert org.sync_state == "synced" and tariff.sync_state == "synced"
        org_wid, preset_wid = org.watcher_id, tariff.watcher_id
        owner_wid = db.session.scalar(select(User.watcher_id).where(User.email == "owner@acme.example"))
        viewer_wid = db.session.scalar(select(User.watcher_id).where(User.email == "viewer@acme.example"))

    preset = wclient.get_preset(preset_wid)
    assert (preset.title, preset.is_adjustable) == ("Pro", False)
    assert (preset.expiration, preset.storage_limit, preset.vision_alg) == (30 * DAY, 50 * GB, "faces")
    remote_org = wclient.get_organization(org_wid)
    # Watcher's user limit holds the portal's 5 plus the service account's seat (portal.sync.push)
    assert (remote_org.title, remote_org.owner_id, remote_org.stream_limit, remote_org.user_limit) == (
        "Acme",
        owner_wid,
        10,
        5 + SERVICE_SEATS,
    )
    assert remote_org.caller_is_member
    assert [p.id for p in wclient.iter_presets(organization_id=org_wid)] == [preset_wid]
    members = {m.id: m for m in wclient.list_org_members(org_wid)}
    assert members[viewer_wid].can_view_streams and members[viewer_wid].can_view_stats
    assert not members[viewer_wid].can_edit_streams
    user = wclient.get_user(owner_wid)
    assert (user.name, user.email, user.fullname, user.disabled) == (
        "owner@acme.example",
        "owner@acme.example",
        "Olga Owner",
        False,
    )


def test_watcher_down_during_create_then_back_makes_exactly_one(
    app: Flask, watcher: SimHandle, wclient: WatcherClient
) -> None:
    with app.app_context():
        tariff, org, owner = _catalog()
        outbox.enqueue(org)
        db.session.commit()
        watcher.fault("error", count=50, status=503)
        result = outbox.dispatch()
        assert result.failed == 1 and result.delivered == 0
        row = db.session.scalar(select(OutboxItem))
        assert row.state == "pending" and row.attempts == 1
        assert row.last_error and "503" in row.last_error
        org = db.session.get(Organization, org.id)
        assert org.sync_state == "error" and org.sync_error
        watcher.clear_faults()
        db.session.execute(db.update(OutboxItem).values(next_attempt_at=row.created_at))
        db.session.commit()
        result = outbox.dispatch()
        assert result.delivered == 1, result.errors
        assert db.session.get(Organization, org.id).sync_state == "synced"
    titles = [o.title for o in wclient.iter_organizations()]
    assert titles.count("Acme") == 1
    assert [u.name for u in wclient.iter_users()].count("owner@acme.example") == 1
    assert [p.title for p in wclient.iter_presets()].count("Pro") == 1


def test_dropped_response_after_apply_makes_no_duplicate(
    app: Flask, watcher: SimHandle, wclient: WatcherClient
) -> None:
    with app.app_context():
        tariff, org, owner = _catalog()
        outbox.enqueue(tariff)
        db.session.commit()
        watcher.fault("drop", count=1, method="POST", path="/watcher/admin-api/v3/presets")
        assert outbox.dispatch().failed == 1
        assert db.session.get(Tariff, tariff.id).watcher_id is None
        db.session.execute(db.update(OutboxItem).values(next_attempt_at=OutboxItem.created_at))
        db.session.commit()
        assert outbox.dispatch().delivered == 1
        wid = db.session.get(Tariff, tariff.id).watcher_id
    presets = [p for p in wclient.iter_presets() if p.title == "Pro"]
    assert len(presets) == 1 and presets[0].id == wid


def test_pending_credential_is_encrypted_and_wiped_after_delivery(
    app: Flask, watcher: SimHandle, wclient: WatcherClient
) -> None:
    password = "Sup3r secret pass"
    with app.app_context():
        user = make_user("cred@acme.example")
        add_member(user, make_org("Cred Co", owner=user), can_view_streams=True)  # may use Watcher
        outbox.enqueue(user, password=password)
        db.session.commit()
        watcher.fault("error", count=50, status=503)
        outbox.dispatch()
        row = db.session.scalar(select(OutboxItem))
        assert row.secret and password.encode() not in row.secret
        assert credentials.unseal(row.secret) == password
        watcher.clear_faults()
        db.session.execute(db.update(OutboxItem).values(next_attempt_at=OutboxItem.created_at))
        db.session.commit()
        assert outbox.dispatch().delivered == 1
        row = db.session.scalar(select(OutboxItem))
        assert row.state == "done" and row.secret is None
    same = WatcherClient(watcher.url, "cred@acme.example", password, api="client", timeout=30, retries=0)
    same.login_now("client")


def test_order_per_object_and_coalescing(app: Flask) -> None:
    with app.app_context():
        tariff, org, owner = _catalog()
        outbox.enqueue(org)
        org.title = "Acme Renamed"
        outbox.enqueue(org)
        db.session.commit()
        result = outbox.dispatch()
        assert result.delivered == 1
        states = db.session.scalars(select(OutboxItem.state)).all()
        assert states == ["done", "done"]


def test_archiving_a_tariff_withdraws_its_preset_and_disabling_a_user_disables_them(
    app: Flask, wclient: WatcherClient
) -> None:
    from portal.tariffs.service import archive_tariff
    from portal.users.service import set_enabled

    with app.app_context():
        tariff, org, owner = _catalog()
        viewer = make_user("viewer@acme.example")
        add_member(viewer, org, can_view_streams=True)
        for obj in (tariff, owner, viewer, org):
            outbox.enqueue(obj)
        db.session.commit()
        assert outbox.dispatch().failed == 0
        org_wid, viewer_wid = org.watcher_id, viewer.watcher_id
        assert [p.title for p in wclient.iter_presets(organization_id=org_wid)] == ["Pro"]
        archive_tariff(db.session.get(Tariff, tariff.id))
        set_enabled(db.session.get(User, viewer.id), False)
        db.session.commit()
        assert outbox.dispatch().failed == 0
    assert list(wclient.iter_presets(organization_id=org_wid)) == []
    assert wclient.get_user(viewer_wid).disabled is True


def test_worker_runs_rounds_of_push_and_pull(app: Flask, watcher: SimHandle) -> None:
    with app.app_context():
        tariff, org, owner = _catalog()
        outbox.enqueue(org)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["watcher", "worker", "--interval", "0", "--rounds", "2"])
    assert result.exit_code == 0, result.output
    assert "push: delivered 1, failed 0" in result.output
    watcher.fault("error", count=100, status=503)
    result = app.test_cli_runner().invoke(args=["watcher", "worker", "--interval", "0", "--rounds", "1"])
    assert result.exit_code == 0 and "worker:" in result.output  # reported, the loop goes on
