"""A suspension made while Watcher is down converges once it is back (through the outbox)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxItem
from portal.models.sync import OutboxState
from portal.sync.service import run_dispatch
from portal.watcher import WatcherClient
from tests.dunning.helpers import subscriber, watcher_user
from tests.factories import login, make_admin
from watcher_sim.testing import SimHandle


def test_suspend_during_an_outage_then_converge(
    app: Flask, client: FlaskClient, watcher: SimHandle, wclient: WatcherClient
) -> None:
    acme = subscriber(app, watcher, cameras=1)
    owner_wid = watcher_user(app, acme.owner_id)
    preset_before = {s.name: s.preset_id for s in wclient.iter_streams()}
    with app.app_context():
        make_admin()
        db.session.commit()
    assert login(client, "admin@example.com").status_code == 302

    watcher.fault("error", count=1000, status=503)  # Watcher down
    response = client.post(f"/admin/organizations/{acme.org_id}/dunning/suspend", data={"reason": "overdue"})
    assert response.status_code == 302  # the form saves; delivery waits
    page = client.get(f"/admin/organizations/{acme.org_id}").get_data(as_text=True)
    assert 'id="dunning-state">Suspended' in page
    with app.app_context():
        assert run_dispatch().delivered == 0
        pending = db.session.scalars(select(OutboxItem).where(OutboxItem.state == OutboxState.PENDING)).all()
        assert {row.object_type for row in pending} == {"organization", "user"}
    watcher.clear_faults()
    assert wclient.get_user(owner_wid).disabled is False  # nothing reached Watcher yet

    with app.app_context():  # Watcher back: the worker converges
        db.session.execute(OutboxItem.__table__.update().values(next_attempt_at=db.func.now()))
        db.session.commit()
        result = run_dispatch()
        assert result.failed == 0, result.errors
    assert wclient.get_user(owner_wid).disabled is True
    live = next(p for p in wclient.iter_presets() if p.title == "Suspended (live only)")
    assert {s.name: s.preset_id for s in wclient.iter_streams()} == {n: live.id for n in preset_before}

    assert (
        client.post(f"/admin/organizations/{acme.org_id}/dunning/restore", data={"reason": "paid"}).status_code == 302
    )
    with app.app_context():
        run_dispatch()
    assert wclient.get_user(owner_wid).disabled is False
    assert {s.name: s.preset_id for s in wclient.iter_streams()} == preset_before
