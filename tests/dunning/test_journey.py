"""An overdue organization is warned by e-mail, suspended in Watcher (users disabled, cameras on the
live-only preset), and restored on settlement, with the usage ledger exact throughout."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from portal import unit_of_work
from portal.billing import Period
from portal.billing_read import billing_scope, load_spans
from portal.dunning import service
from portal.extensions import db
from portal.invoices.service import mark_paid
from portal.models import AuditEvent, Invoice, MailItem, Organization, SuspendedCamera, Suspension, UsageInterval
from portal.sync.connection import get_client
from portal.sync.pull import pull
from portal.sync.service import run_dispatch
from portal.watcher import WatcherClient
from tests.dunning.helpers import at, subscriber, watcher_user
from tests.mailbox import Mailbox
from watcher_sim.testing import SimHandle


def _run(runner: FlaskCliRunner, when: str) -> str:
    result = runner.invoke(args=["dunning", "run", "--at", when])
    assert result.exit_code == 0, result.output
    return result.output


def test_warned_then_suspended_then_restored_on_payment(
    app: Flask, runner: FlaskCliRunner, watcher: SimHandle, wclient: WatcherClient, mailbox: Mailbox
) -> None:
    acme = subscriber(app, watcher)
    owner_wid, member_wid = watcher_user(app, acme.owner_id), watcher_user(app, acme.member_id)
    with app.app_context():
        org_wid = db.session.get(Organization, acme.org_id).watcher_id
    preset_before = {s.name: s.preset_id for s in wclient.iter_streams()}

    assert "Nothing to do." in _run(runner, "2026-11-21T12:00:00")  # warning due from the 22nd (25th - 3 days)
    assert "warn: 1 (Acme)" in _run(runner, "2026-11-22T12:00:00")
    warning = mailbox.last_to("pay@acme.example")
    assert "2026-11-25" in warning["Subject"] and "62.00 EUR" in Mailbox.body(warning)
    assert "Nothing to do." in _run(runner, "2026-11-22T18:00:00")  # idempotent: one warning
    assert "Nothing to do." in _run(runner, "2026-11-24T23:00:00")
    with app.app_context():
        dunning_mail = select(db.func.count()).select_from(MailItem).where(MailItem.kind.like("dunning%"))
        assert db.session.scalar(dunning_mail) == 1  # one warning (the invoice itself was mailed on issue)
        on_timeline = select(MailItem.organization_id).where(MailItem.kind == "dunning_warning")
        assert db.session.scalar(on_timeline) == acme.org_id  # recorded on the organization's timeline

    output = _run(runner, "2026-11-25T08:00:00")
    assert "suspend: 1 (Acme)" in output and "Watcher: 3 delivered, 0 waiting" in output  # org + 2 users
    assert "Service suspended: Acme" in mailbox.last_to("pay@acme.example")["Subject"]
    for wid in (owner_wid, member_wid):
        assert wclient.get_user(wid).disabled is True  # nobody signs in; the password is kept
    live = next(p for p in wclient.iter_presets() if p.title == "Suspended (live only)")
    assert live.is_adjustable is False and live.expiration is None  # no archive: live only
    assert {s.name: s.preset_id for s in wclient.iter_streams()} == {name: live.id for name in preset_before}
    assert live.id in {p.id for p in wclient.iter_presets(organization_id=org_wid)}
    assert "Nothing to do." in _run(runner, "2026-11-26T08:00:00")

    # a camera added in Watcher during the suspension is moved by the next daily run
    preset_before["acme-late"] = next(iter(preset_before.values()))
    watcher.add_stream("acme-late", org_wid, preset_before["acme-late"])
    with app.app_context():
        assert pull(get_client()).opened == 1
    assert "recheck: 1" in _run(runner, "2026-11-26T09:00:00")
    assert wclient.get_stream("acme-late").preset_id == live.id
    assert "Nothing to do." in _run(runner, "2026-11-26T10:00:00")

    with app.app_context():  # the pull takes the live-only preset for the previous tariff: no usage change
        intervals_before = [
            (i.camera_id, i.tariff_id, i.started_at, i.ended_at) for i in db.session.scalars(select(UsageInterval))
        ]
        result = pull(get_client())
        assert (result.opened, result.closed, result.unknown_presets) == (0, 0, {})
        assert sorted(result.suspended) == sorted(preset_before)
        assert [
            (i.camera_id, i.tariff_id, i.started_at, i.ended_at) for i in db.session.scalars(select(UsageInterval))
        ] == intervals_before

        assert len(db.session.scalars(select(SuspendedCamera)).all()) == 3  # previous presets kept

        def settle() -> None:
            mark_paid(db.session.get(Invoice, acme.invoice_id), date(2026, 11, 27), "bank 42")
            service.on_settled(db.session, acme.org_id)  # the payments' after-settlement hook

        unit_of_work.run_job(settle)
        window = db.session.scalar(select(Suspension))
        assert window.ended_at is not None and not window.manual
        restored_at = window.ended_at
        assert run_dispatch().delivered == 3  # the organization and its two users
        assert db.session.scalars(select(SuspendedCamera)).all() == []
    for wid in (owner_wid, member_wid):
        assert wclient.get_user(wid).disabled is False
    assert {s.name: s.preset_id for s in wclient.iter_streams()} == preset_before  # exactly as before
    assert live.id not in {p.id for p in wclient.iter_presets(organization_id=org_wid)}
    assert "Service restored: Acme" in mailbox.last_to("pay@acme.example")["Subject"]

    with app.app_context():
        assert db.session.scalar(select(UsageInterval.id).where(UsageInterval.ended_at.is_not(None))) is None
        org = db.session.get(Organization, acme.org_id)
        # the restoration happens now (whatever today is), so the period runs at least until then
        until = max(date(2026, 11, 30), (restored_at + timedelta(days=1)).date())
        spans, _tariffs = load_spans(billing_scope(org), Period(date(2026, 11, 1), until))
        for name in preset_before:  # billed up to the suspension, and again from the restoration
            mine = [(s.started_at, s.ended_at) for s in spans if s.camera_name == name]
            if name == "acme-late":  # added while suspended: billed from the restoration only
                assert mine == [(restored_at, None)]
            else:
                assert mine == [(mine[0][0], at(25, 8)), (restored_at, None)]
        actions = list(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("dunning.%")).order_by(AuditEvent.id)
            )
        )
        assert actions == ["dunning.warn", "dunning.suspend", "dunning.restore"]
