"""Pull page by page: the same ledger as one listing, only changed cameras rewritten, errors surface."""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from multiprocessing.sharedctypes import Synchronized

import pytest
from flask import Flask
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import Camera, SyncRun, UsageInterval
from portal.sync import pull as pull_module
from portal.sync.connection import get_client
from portal.watcher import Stream, WatcherError, datetime_to_ms
from tests.sync.test_pull import world  # noqa: F401
from watcher_sim.testing import SimHandle

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture()
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pull_module, "PAGE_SIZE", 2)


def _ledger() -> list[tuple[str, int, datetime, datetime | None]]:
    rows = db.session.execute(
        select(Camera.name, UsageInterval.tariff_id, UsageInterval.started_at, UsageInterval.ended_at)
        .join(UsageInterval, UsageInterval.camera_id == Camera.id)
        .order_by(Camera.name, UsageInterval.started_at)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _add_streams(watcher: SimHandle, world: dict[str, int], prefix: str, count: int) -> None:
    for i in range(count):
        watcher.add_stream(f"{prefix}{i}", world["w_a"], world["w_basic"], created_at=datetime_to_ms(T0))


def test_many_pages_give_the_ledger_of_one_listing(
    app: Flask,
    watcher: SimHandle,
    world: dict[str, int],  # noqa: F811
    small_pages: None,
    fetching: str,
) -> None:
    w = world
    _add_streams(watcher, w, "p", 7)
    with app.app_context():
        first = pull_module.pull(get_client(), now=T0 + timedelta(days=1))
        assert (first.seen, first.new_cameras, first.opened) == (7, 7, 7)

        moved = T0 + timedelta(days=2)
        watcher.update_stream("p3", preset_id=w["w_pro"], at=datetime_to_ms(moved))
        watcher.delete_stream("p5")
        gone = T0 + timedelta(days=3)
        statements: list[str] = []

        def log(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
            statements.append(sql)

        event.listen(db.engine, "before_cursor_execute", log)
        try:
            second = pull_module.pull(get_client(), now=gone)
        finally:
            event.remove(db.engine, "before_cursor_execute", log)
        assert second.counts() == {
            "seen": 6,
            "new_cameras": 0,
            "updated_cameras": 1,
            "opened": 1,
            "closed": 2,
            "vanished": 1,
        }
        ledger = _ledger()
        assert ("p3", w["basic"], T0, moved) in ledger and ("p3", w["pro"], moved, None) in ledger
        assert ("p5", w["basic"], T0, gone) in ledger
        assert sum(1 for _, _, _, end in ledger if end is None) == 6
        cameras = {c.name: c for c in db.session.scalars(select(Camera))}
        assert all(c.last_seen_at == gone for n, c in cameras.items() if n != "p5")
        assert cameras["p5"].missing_since == gone and cameras["p5"].last_seen_at == T0 + timedelta(days=1)
        # only the changed camera is written field by field; the rest get last_seen_at set-based
        assert sum(1 for s in statements if "UPDATE cameras SET title" in s or "SET title" in s) == 1

        third = pull_module.pull(get_client(), now=gone + timedelta(days=1))
        assert not third.changed, third.counts()


@pytest.fixture(params=["child", "thread"])
def fetching(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each way of fetching ahead: from a forked child (Linux) and from a thread (elsewhere)."""
    if request.param == "thread":
        monkeypatch.setattr(pull_module, "_fetch_in_child", pull_module._fetch_in_thread)
    return str(request.param)


def _failing_on(client: object, call: int, fail: Callable[[], None]) -> Synchronized[int]:
    """Make the client's ``call``-th page request run ``fail``; returns the shared call count
    (shared memory, so it counts calls made in a forked child too)."""
    calls: Synchronized[int] = multiprocessing.get_context("fork").Value("i", 0)
    real = client.list_streams_body  # type: ignore[attr-defined]

    def page(**kwargs: object) -> object:
        with calls.get_lock():
            calls.value += 1
            now = calls.value
        if now == call:
            fail()
        return real(**kwargs)

    client.list_streams_body = page  # type: ignore[attr-defined]
    return calls


def test_a_failed_page_rolls_the_whole_pull_back(
    app: Flask,
    watcher: SimHandle,
    world: dict[str, int],  # noqa: F811
    small_pages: None,
    fetching: str,
) -> None:
    _add_streams(watcher, world, "f", 5)
    with app.app_context():
        client = get_client()

        def second_page_fails() -> None:
            raise WatcherError("the second page failed", status=503, method="GET", path="/streams")

        calls = _failing_on(client, 2, second_page_fails)
        with pytest.raises(WatcherError, match="second page") as raised:
            pull_module.pull(client, now=T0 + timedelta(days=1))
        assert calls.value == 2
        assert raised.value.status == 503  # the error itself, whichever side fetched
        assert db.session.scalar(select(db.func.count()).select_from(Camera)) == 0
        run = db.session.scalar(select(SyncRun).where(SyncRun.direction == "pull"))
        assert run is not None and not run.ok and "second page" in (run.error or "")


def test_a_caller_that_stops_early_stops_the_fetching(
    app: Flask,
    watcher: SimHandle,
    world: dict[str, int],  # noqa: F811
    small_pages: None,
    fetching: str,
) -> None:
    _add_streams(watcher, world, "e", 7)
    with app.app_context():
        pages = pull_module._prefetched(get_client())
        assert len(next(pages)) == 2
        pages.close()
        assert multiprocessing.active_children() == []
        assert not [t for t in threading.enumerate() if t.name == "watcher-pull-fetch"]


def _unpicklable() -> None:
    error = WatcherError("the page came back mangled")
    error.hook = lambda: None  # type: ignore[attr-defined]  # a local function: no pickle for it
    raise error


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fetching child is forked on Linux only")
@pytest.mark.parametrize(
    ("call", "fail", "message"),
    [(2, lambda: os._exit(3), "ended unexpectedly"), (1, _unpicklable, "came back mangled")],
    ids=["the child dies mid-listing", "its error cannot be pickled: it arrives as its text"],
)
def test_what_goes_wrong_in_the_fetching_child_fails_the_pull_and_ends_it(
    app: Flask,
    watcher: SimHandle,
    world: dict[str, int],  # noqa: F811
    small_pages: None,
    call: int,
    fail: Callable[[], None],
    message: str,
) -> None:
    _add_streams(watcher, world, "d", 5)
    with app.app_context():
        client = get_client()
        _failing_on(client, call, fail)
        with pytest.raises(WatcherError, match=message):  # not a hang
            pull_module.pull(client, now=T0 + timedelta(days=1))
        assert db.session.scalar(select(db.func.count()).select_from(Camera)) == 0
        assert multiprocessing.active_children() == []


def test_pages_are_applied_with_the_cycle_collector_paused(
    app: Flask,
    watcher: SimHandle,
    world: dict[str, int],  # noqa: F811
    small_pages: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pull applies its pages with Python's cycle collector paused (portal.collector),
    and leaves it on again after."""
    states: list[bool] = []
    apply_page = pull_module.Puller.page

    def page(self: pull_module.Puller, streams: Sequence[Stream]) -> None:
        states.append(gc.isenabled())
        apply_page(self, streams)

    monkeypatch.setattr(pull_module.Puller, "page", page)
    _add_streams(watcher, world, "gc", 3)
    assert gc.isenabled()
    with app.app_context():
        result = pull_module.pull(get_client(), now=T0 + timedelta(days=1))
    assert result.new_cameras == 3
    assert states == [False, False]
    assert gc.isenabled()


def test_benchmark_floor_pages_as_the_pull_does() -> None:
    """``bench.sync``'s floor asks for the same page size and fields as the pull (it keeps its
    own copies so the floor's process imports nothing of the portal)."""
    from bench import sync as bench_sync

    assert bench_sync.PAGE_SIZE == pull_module.PAGE_SIZE
    assert bench_sync.SELECT.split(",") == list(pull_module.STREAM_FIELDS)
