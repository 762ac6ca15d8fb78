"""The demo of `make run`: portal demo data pushed to the Watcher-compatible server's demo, then pulled."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Camera, Organization, Tariff, UsageInterval
from portal.sync import service
from portal.watcher import WatcherClient
from watcher_sim.testing import SimHandle


def test_demo_lines_up_with_watcher_and_usage_appears(
    app: Flask, runner: FlaskCliRunner, watcher: SimHandle, wclient: WatcherClient
) -> None:
    watcher.control("POST", "/demo")
    presets_before = len(list(wclient.iter_presets()))
    orgs_before = len(list(wclient.iter_organizations()))
    result = runner.invoke(args=["demo", "load"])
    assert "Pushed to Watcher: 16 delivered, 0 waiting for a retry." in result.output, result.output
    # adopted by title: nothing duplicated in Watcher
    assert len(list(wclient.iter_presets())) == presets_before
    assert len(list(wclient.iter_organizations())) == orgs_before

    result = runner.invoke(args=["watcher", "sync"])
    assert result.exit_code == 0, result.output
    assert "maps to no tariff" not in result.output and "not managed" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Camera)) == 15
        open_intervals = db.session.scalar(
            select(func.count()).select_from(UsageInterval).where(UsageInterval.ended_at.is_(None))
        )
        assert open_intervals == 13  # two demo cameras are disabled
        lobby = db.session.scalar(select(Camera).where(Camera.name == "nw-sec-lobby"))
        history = db.session.scalars(
            select(UsageInterval).where(UsageInterval.camera_id == lobby.id).order_by(UsageInterval.started_at)
        ).all()
        # Watcher keeps no history: a camera first seen now opens at its created_at with its current preset
        assert [(i.tariff.name, i.started_at) for i in history] == [("Archive 30 days", lobby.watcher_created_at)]
        assert all(o.watcher_id for o in db.session.scalars(select(Organization)))
        assert all(t.sync_state == "synced" for t in db.session.scalars(select(Tariff)))
        assert service.run_reconcile() == []
    again = runner.invoke(args=["watcher", "sync"])
    assert "new cameras 0, updated cameras 0, opened 0, closed 0, vanished 0" in again.output
