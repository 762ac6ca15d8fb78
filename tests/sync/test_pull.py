"""Pull (Watcher -> portal): cameras and usage intervals from the streams Watcher lists."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import Camera, SyncRun, UsageInterval, utcnow
from portal.sync import outbox
from portal.sync.connection import get_client
from portal.sync.locks import LockBusy, job_lock
from portal.sync.pull import pull
from portal.watcher import WatcherClient, datetime_to_ms
from tests.factories import make_org, make_tariff, make_user
from watcher_sim.testing import SimHandle

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)


def ms(value: datetime) -> int:
    return datetime_to_ms(value)


@pytest.fixture()
def world(app: Flask) -> dict[str, int]:
    """Two managed organizations and two tariffs, pushed to Watcher; returns their ids."""
    with app.app_context():
        basic, pro = make_tariff("Basic"), make_tariff("Pro")
        org_a = make_org("Alpha", owner=make_user("a@alpha.example"))
        org_b = make_org("Beta", owner=make_user("b@beta.example"))
        org_a.allowed_tariffs = [basic, pro]
        org_b.allowed_tariffs = [basic, pro]
        for obj in (basic, pro, org_a, org_b):
            outbox.enqueue(obj)
        db.session.commit()
        assert outbox.dispatch().failed == 0
        return {
            "basic": basic.id,
            "pro": pro.id,
            "a": org_a.id,
            "b": org_b.id,
            "w_basic": basic.watcher_id,
            "w_pro": pro.watcher_id,
            "w_a": org_a.watcher_id,
            "w_b": org_b.watcher_id,
        }


def _intervals(name: str) -> list[tuple[int, int, datetime, datetime | None]]:
    camera = db.session.scalar(select(Camera).where(Camera.name == name))
    assert camera is not None
    rows = db.session.scalars(
        select(UsageInterval).where(UsageInterval.camera_id == camera.id).order_by(UsageInterval.started_at)
    )
    return [(i.organization_id, i.tariff_id, i.started_at, i.ended_at) for i in rows]


def _pull(now: datetime) -> object:
    return pull(get_client(), now=now)


def test_camera_lifecycle_makes_the_right_intervals(app: Flask, watcher: SimHandle, world: dict[str, int]) -> None:
    w = world
    watcher.add_stream("cam1", w["w_a"], w["w_basic"], title="Door", created_at=ms(T0))
    with app.app_context():
        result = _pull(T0 + timedelta(days=1))
        assert result.new_cameras == 1 and result.opened == 1
        assert _intervals("cam1") == [(w["a"], w["basic"], T0, None)]

        t1 = T0 + timedelta(days=3)
        watcher.update_stream("cam1", preset_id=w["w_pro"], at=ms(t1))
        _pull(T0 + timedelta(days=4))
        assert _intervals("cam1") == [(w["a"], w["basic"], T0, t1), (w["a"], w["pro"], t1, None)]

        t2 = T0 + timedelta(days=6)
        watcher.update_stream("cam1", organization_id=w["w_b"], at=ms(t2))
        _pull(T0 + timedelta(days=7))
        assert _intervals("cam1")[-2:] == [(w["a"], w["pro"], t1, t2), (w["b"], w["pro"], t2, None)]

        t3 = T0 + timedelta(days=8)
        watcher.update_stream("cam1", disabled=True, at=ms(t3))
        _pull(T0 + timedelta(days=9))
        assert _intervals("cam1")[-1] == (w["b"], w["pro"], t2, t3)

        t4 = T0 + timedelta(days=10)
        watcher.update_stream("cam1", disabled=False, at=ms(t4))
        _pull(T0 + timedelta(days=11))
        assert _intervals("cam1")[-1] == (w["b"], w["pro"], t4, None)

        gone = T0 + timedelta(days=12)
        watcher.delete_stream("cam1")
        result = _pull(gone)
        assert result.vanished == 1
        assert _intervals("cam1")[-1] == (w["b"], w["pro"], t4, gone)
        camera = db.session.scalar(select(Camera).where(Camera.name == "cam1"))
        assert camera.missing_since == gone


def test_second_sync_changes_nothing(app: Flask, watcher: SimHandle, world: dict[str, int]) -> None:
    w = world
    for i in range(5):
        watcher.add_stream(f"c{i}", w["w_a"], w["w_basic"], created_at=ms(T0 + timedelta(hours=i)))
    with app.app_context():
        first = _pull(T0 + timedelta(days=1))
        assert first.new_cameras == 5
        snapshot = [(i.id, i.started_at, i.ended_at) for i in db.session.scalars(select(UsageInterval))]
        second = _pull(T0 + timedelta(days=2))
        assert not second.changed, second.counts()
        assert [(i.id, i.started_at, i.ended_at) for i in db.session.scalars(select(UsageInterval))] == snapshot
        assert db.session.scalar(select(db.func.count()).select_from(SyncRun)) == 2


def test_names_and_titles_arrive_as_written(app: Flask, world: dict[str, int]) -> None:
    """Quotes, backslashes, commas, braces, non-Latin letters and emoji survive the page's trip
    into the database (on PostgreSQL one JSON array per column), and a second pull of the same
    streams sees nothing changed."""
    from portal.sync.pull import apply_streams
    from portal.watcher import Stream

    w = world
    titles = {
        'q"uote': 'He said "hi", twice',
        "back\\slash": "C:\\cams\\{door}",
        "камера-1": "Склад, ворота №2",
        "emoji-🎥": "Front 🚪 door",
        "plain": "",
    }
    streams = [
        Stream(name=name, title=title or None, organization_id=w["w_a"], preset_id=w["w_basic"], created_at=ms(T0))
        for name, title in titles.items()
    ]
    with app.app_context():
        first = apply_streams(streams, now=T0 + timedelta(days=1))
        assert (first.new_cameras, first.opened) == (5, 5)
        stored = {c.name: c.title for c in db.session.scalars(select(Camera))}
        assert stored == titles
        again = apply_streams(streams, now=T0 + timedelta(days=2))
        assert not again.changed, again.counts()


def test_billing_disabled_cameras_changes_intervals_not_cameras(app: Flask, world: dict[str, int]) -> None:
    """Turning billing of disabled cameras on opens their intervals (off closes them again)
    while the cameras themselves are unchanged: none is counted or written as updated."""
    from portal.sync.pull import apply_streams
    from portal.watcher import Stream

    w = world
    streams = [
        Stream(name=f"d{i}", disabled=True, organization_id=w["w_a"], preset_id=w["w_basic"], created_at=ms(T0))
        for i in range(3)
    ]
    with app.app_context():
        first = apply_streams(streams, now=T0 + timedelta(days=1), bill_disabled=False)
        assert (first.new_cameras, first.opened) == (3, 0)
        stamps = {c.name: c.last_seen_at for c in db.session.scalars(select(Camera))}
        on = T0 + timedelta(days=2)
        billed = apply_streams(streams, now=on, bill_disabled=True)
        assert billed.counts() == {**billed.counts(), "updated_cameras": 0, "opened": 3, "closed": 0}
        assert _intervals("d0") == [(w["a"], w["basic"], on, None)]
        assert all(c.last_seen_at == on for c in db.session.scalars(select(Camera)))  # seen, not rewritten
        assert stamps and all(stamp < on for stamp in stamps.values())
        off = T0 + timedelta(days=3)
        unbilled = apply_streams(streams, now=off, bill_disabled=False)
        assert unbilled.counts() == {**unbilled.counts(), "updated_cameras": 0, "opened": 0, "closed": 3}
        assert _intervals("d0") == [(w["a"], w["basic"], on, off)]


def test_change_without_last_change_is_dated_when_observed(app: Flask, world: dict[str, int]) -> None:
    """A change whose last_change is old news (before the last observation) is dated at observation."""
    from portal.sync.pull import apply_streams
    from portal.watcher import Stream

    w = world
    with app.app_context():
        apply_streams(
            [Stream(name="x", organization_id=w["w_a"], preset_id=w["w_basic"], created_at=ms(T0))],
            now=T0 + timedelta(days=1),
        )
        seen = T0 + timedelta(days=2)
        apply_streams([Stream(name="x", organization_id=w["w_a"], preset_id=w["w_pro"], created_at=ms(T0))], now=seen)
        assert _intervals("x") == [(w["a"], w["basic"], T0, seen), (w["a"], w["pro"], seen, None)]


def test_unknown_preset_and_unmanaged_org_are_reported_not_guessed(
    app: Flask, watcher: SimHandle, wclient: WatcherClient, world: dict[str, int]
) -> None:
    from portal.watcher import OrganizationSpec, PresetSpec

    foreign_preset = wclient.create_preset(PresetSpec(title="Somebody else's", expiration=3600))
    foreign_org = wclient.create_organization(OrganizationSpec(title="Not ours"))
    wclient.allow_preset(world["w_a"], foreign_preset.id)
    watcher.add_stream("odd-preset", world["w_a"], foreign_preset.id, created_at=ms(T0))
    wclient.allow_preset(foreign_org.id, world["w_basic"])
    watcher.add_stream("odd-org", foreign_org.id, world["w_basic"], created_at=ms(T0))
    with app.app_context():
        result = _pull(T0 + timedelta(days=1))
        assert any("odd-preset" in names for names in result.unknown_presets.values())
        assert result.unmanaged_organizations == {str(foreign_org.id): ["odd-org"]}
        assert db.session.scalar(select(db.func.count()).select_from(UsageInterval)) == 0
        run = db.session.scalar(select(SyncRun).where(SyncRun.direction == "pull"))
        assert run.report["unmanaged_organizations"] == {str(foreign_org.id): ["odd-org"]}


def test_pull_is_set_based(app: Flask, world: dict[str, int]) -> None:
    """The number of SQL statements does not grow with the number of cameras."""
    from portal.sync.pull import apply_streams
    from portal.watcher import Stream

    w = world

    def statements(n: int, start: int, preset: int) -> int:
        streams = [
            Stream(name=f"s{i}", organization_id=w["w_a"], preset_id=preset, created_at=ms(T0))
            for i in range(start, start + n)
        ]
        count = 0

        def counter(*_args: object) -> None:
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            apply_streams(streams, now=utcnow())
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return count

    def clear() -> None:
        db.session.execute(db.delete(UsageInterval))
        db.session.execute(db.delete(Camera))
        db.session.commit()

    with app.app_context():
        small = (statements(3, 0, w["w_basic"]), statements(3, 0, w["w_pro"]))
        clear()
        large = (statements(60, 0, w["w_basic"]), statements(60, 0, w["w_pro"]))
        assert large == small, (small, large)


def test_one_sync_at_a_time(app: Flask) -> None:
    with app.app_context():
        with job_lock("watcher-pull"):
            with pytest.raises(LockBusy):
                _pull(utcnow())
