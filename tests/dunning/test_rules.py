"""Dunning rules without Watcher: the ledger stays exact through repeated suspend/restore,
exempt and credit-covered organizations are never suspended, manual actions are audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import unit_of_work
from portal.billing import Period
from portal.billing_read import billing_scope, load_spans
from portal.dunning import due, service
from portal.dunning.policy import Step
from portal.extauth.policy import FALLBACK, decide, may_use_watcher
from portal.extensions import db
from portal.models import AuditEvent, Camera, Invoice, InvoiceStatus, Organization, Suspension, UsageInterval, User
from tests.factories import add_member, make_org, make_tariff, make_user

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))


def t(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@pytest.fixture()
def app_config() -> dict[str, Any]:
    return {
        "WATCHER_URL": "",
        "MAIL_PORT": 9,
        "MAIL_SEND_AFTER_RESPONSE": False,
        "DUNNING_SUSPEND_AFTER_DAYS": 10,
        "DUNNING_WARNING_DAYS": 3,
        "DUNNING_TOLERANCE_MINOR": 100,
    }


def _org_with_camera(title: str = "Acme", parent: Organization | None = None, **fields: Any) -> Organization:
    owner = make_user(f"owner@{title.lower()}.example")
    org = make_org(title, owner=owner, parent=parent, **fields)
    add_member(owner, org, can_view_streams=True)
    tariff = make_tariff(f"T {title}", price=3000)
    camera = Camera(name=f"{title.lower()}-cam", organization_id=org.id, tariff_id=tariff.id)
    db.session.add(camera)
    db.session.flush()
    db.session.add(
        UsageInterval(
            camera_id=camera.id, organization_id=org.id, tariff_id=tariff.id, started_at=t(1) - timedelta(days=60)
        )
    )
    db.session.flush()
    return org


def _overdue_invoice(org: Organization, total: int = 5000, due_on: date = date(2026, 11, 1)) -> Invoice:
    invoice = Invoice(
        number=f"INV-{org.id}-{total}",
        organization_id=org.id,
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
        status=InvoiceStatus.ISSUED.value,
        currency=org.currency,
        subtotal_minor=total,
        tax_minor=0,
        total_minor=total,
        issue_date=date(2026, 10, 18),
        due_date=due_on,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def _billed_seconds(org: Organization) -> float:
    spans, _tariffs = load_spans(billing_scope(org), NOV)
    lower, upper = t(1), datetime(2026, 12, 1, tzinfo=UTC)
    return sum((min(s.ended_at or upper, upper) - max(s.started_at, lower)).total_seconds() for s in spans)


def test_repeated_suspend_and_restore_bills_every_instant_at_most_once(app: Flask, ctx: None) -> None:
    org = _org_with_camera()
    full = _billed_seconds(org)
    assert full == 30 * 86400
    service.suspend(org, manual=True, reason="a", now=t(5))
    assert service.suspend(org, manual=True, reason="again", now=t(6)) == []  # never two open windows
    service.restore(org, manual=True, reason="b", now=t(8))
    service.restore(org, manual=True, reason="nothing open", now=t(9))
    service.suspend(org, manual=False, reason="c", now=t(10, 12))
    service.restore(org, manual=False, reason="d", now=t(11))
    service.suspend(org, manual=True, reason="e", now=t(29))  # still open at the period's end
    assert db.session.scalar(select(db.func.count()).select_from(Suspension)) == 3
    expected = full - 3 * 86400 - 12 * 3600 - 2 * 86400
    assert _billed_seconds(org) == expected
    # the ledger itself is untouched: one open interval, as before
    assert [(i.started_at, i.ended_at) for i in db.session.scalars(select(UsageInterval))] == [
        (t(1) - timedelta(days=60), None)
    ]


def test_overlapping_windows_are_cut_once(app: Flask, ctx: None) -> None:
    """Even windows that overlap (a payer's and a manual one, say) cut an instant once."""
    from portal.billing_read import cut_suspensions

    org = _org_with_camera()
    spans, _ = load_spans(billing_scope(org), NOV)
    cut = cut_suspensions(spans, {org.id: [(t(5), t(8)), (t(6), t(10)), (t(10), t(11)), (t(20), None), (t(25), t(26))]})
    assert [(s.started_at, s.ended_at) for s in cut] == [(spans[0].started_at, t(5)), (t(11), t(20))]


def test_suspended_time_billed_when_the_setting_says_so(app: Flask, ctx: None) -> None:
    from portal import settings

    org = _org_with_camera()
    service.suspend(org, manual=True, reason="a", now=t(5))
    service.restore(org, manual=True, reason="b", now=t(8))
    app.config["DUNNING_BILL_SUSPENDED"] = True
    settings.install(app)
    assert _billed_seconds(org) == 30 * 86400


def test_payer_suspension_covers_subsidiaries_billed_to_it(app: Flask, ctx: None) -> None:
    parent = _org_with_camera("Parent")
    child = _org_with_camera("Child", parent=parent, invoice_to_parent=True)
    other = _org_with_camera("Other", parent=parent)
    opened = service.suspend(parent, manual=False, reason="overdue", now=t(5))
    assert sorted(s.organization_id for s in opened) == sorted([parent.id, child.id])
    assert service.current_suspension(other.id) is None
    owner = db.session.scalar(select(User).where(User.email == "owner@child.example"))
    assert not may_use_watcher(owner)  # pushed as disabled: true
    assert decide(owner, "ok", owner.email, "svc").answer == FALLBACK  # never a decline: password kept
    service.restore(parent, manual=False, reason="paid", now=t(6))
    assert may_use_watcher(owner)


def test_steps_by_date_and_idempotence(app: Flask, ctx: None) -> None:
    org = _org_with_camera()
    _overdue_invoice(org, due_on=date(2026, 11, 1))  # suspension 11th, warning from the 8th
    assert service.evaluate(org, t(7, 23)) is Step.NOTHING
    assert service.counts(t(7, 23)).to_suspend_tomorrow == 0
    assert service.evaluate(org, t(8, 1)) is Step.WARN
    assert service.evaluate(org, t(8, 5)) is Step.NOTHING
    assert service.counts(t(10, 12)) == service.Counts(suspended=0, to_suspend_tomorrow=1)
    assert service.evaluate(org, t(11, 0)) is Step.SUSPEND
    assert service.evaluate(org, t(12, 0)) is Step.NOTHING
    assert service.counts(t(12)) == service.Counts(suspended=1, to_suspend_tomorrow=0)


def test_dates_are_the_organizations_local_dates(app: Flask, ctx: None) -> None:
    org = _org_with_camera(timezone="Pacific/Kiritimati")  # UTC+14
    _overdue_invoice(org, due_on=date(2026, 11, 1))
    assert service.evaluate(org, t(7, 9)) is Step.NOTHING  # 7 Nov 23:00 there
    assert service.evaluate(org, t(7, 10)) is Step.WARN  # 8 Nov 00:00 there


def test_warning_always_precedes_suspension_by_the_warning_days(app: Flask, ctx: None) -> None:
    org = _org_with_camera()
    _overdue_invoice(org, due_on=date(2026, 10, 1))  # long overdue when first seen
    assert service.evaluate(org, t(20)) is Step.WARN
    assert service.policy_row(org).suspend_on == date(2026, 11, 23)
    assert service.evaluate(org, t(22, 23)) is Step.NOTHING
    assert service.evaluate(org, t(23)) is Step.SUSPEND


def test_exempt_is_never_suspended(app: Flask, ctx: None) -> None:
    from portal.errors import DomainError

    org = _org_with_camera()
    _overdue_invoice(org, due_on=date(2026, 9, 1))
    service.set_exempt(org, True)
    for day in (1, 10, 20, 30):
        assert service.evaluate(org, t(day)) is Step.NOTHING
    assert service.counts(t(20)).to_suspend_tomorrow == 0
    with pytest.raises(DomainError):
        service.suspend(org, manual=True, reason="no")
    assert db.session.scalar(select(Suspension)) is None


def test_tolerance_and_credit_covering_dues_never_suspend(
    app: Flask, ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = _org_with_camera()
    _overdue_invoice(org, total=5000, due_on=date(2026, 9, 1))
    monkeypatch.setattr(due, "credit", lambda session, payer_id: {"EUR": 5000})  # credit covers it all
    assert [service.evaluate(org, t(day)) for day in (1, 15, 30)] == [Step.NOTHING] * 3
    monkeypatch.setattr(due, "credit", lambda session, payer_id: {"EUR": 4900})  # 1.00 left: tolerated
    assert service.evaluate(org, t(30)) is Step.NOTHING
    monkeypatch.setattr(due, "credit", lambda session, payer_id: {"USD": 5000})  # another currency covers nothing
    assert service.evaluate(org, t(30)) is Step.WARN


def test_settled_balance_restores_automatic_but_not_manual(app: Flask, ctx: None) -> None:
    org = _org_with_camera()
    invoice = _overdue_invoice(org, due_on=date(2026, 9, 1))
    service.suspend(org, manual=True, reason="by hand", now=t(2))
    invoice.status, invoice.paid_on = InvoiceStatus.PAID.value, date(2026, 11, 3)
    assert service.on_settled(db.session, org.id) is Step.NOTHING
    assert service.current_suspension(org.id) is not None  # an admin lifts a manual suspension


def test_manual_suspend_and_restore_from_the_organization_page_are_audited(
    app: Flask, admin_client: FlaskClient
) -> None:
    with app.app_context():
        org_id = _org_with_camera().id
        db.session.commit()
    page = admin_client.get(f"/admin/organizations/{org_id}").get_data(as_text=True)
    assert 'id="dunning-state">In good standing' in page
    refused = admin_client.post(f"/admin/organizations/{org_id}/dunning/suspend", data={"reason": ""})
    assert refused.status_code == 200 and "This field is required" in refused.get_data(as_text=True)
    response = admin_client.post(f"/admin/organizations/{org_id}/dunning/suspend", data={"reason": "fraud check"})
    assert response.status_code == 302
    page = admin_client.get(f"/admin/organizations/{org_id}").get_data(as_text=True)
    assert 'id="dunning-state">Suspended' in page and "fraud check" in page
    assert "suspended: 1" in admin_client.get("/").get_data(as_text=True)
    assert (
        admin_client.post(f"/admin/organizations/{org_id}/dunning/restore", data={"reason": "paid cash"}).status_code
        == 302
    )
    assert 'id="dunning-state">In good standing' in admin_client.get(f"/admin/organizations/{org_id}").get_data(
        as_text=True
    )
    assert admin_client.post(f"/admin/organizations/{org_id}/dunning/exempt", data={"exempt": "1"}).status_code == 302
    assert (
        admin_client.post(
            f"/admin/organizations/{org_id}/dunning/policy",
            data={"suspend_after_days": "45", "tolerance": "12.50", "stop_recording": "1"},
        ).status_code
        == 302
    )
    with app.app_context():
        events = list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("dunning.%")).order_by(AuditEvent.id))
        )
        assert [e.action for e in events] == ["dunning.suspend", "dunning.restore", "dunning.exempt", "dunning.policy"]
        assert {e.actor_label for e in events} == {"admin@example.com"}
        row = service.policy_row(db.session.get(Organization, org_id))
        assert (row.exempt, row.suspend_after_days, row.tolerance_minor, row.stop_recording) == (True, 45, 1250, True)
        window = db.session.scalar(select(Suspension))
        assert window.manual and window.ended_at is not None


def test_the_daily_run_holds_a_lock_and_is_idempotent(app: Flask, ctx: None) -> None:
    org = _org_with_camera()
    _overdue_invoice(org, due_on=date(2026, 9, 1))
    db.session.commit()
    first = unit_of_work.run_locked_job("dunning", service.run, t(20))
    second = unit_of_work.run_locked_job("dunning", service.run, t(20, 5))
    assert first.count(Step.WARN) == 1 and second.steps == {}


class TestExternalAuth:
    @pytest.fixture()
    def app_config(self) -> dict[str, Any]:
        return {"WATCHER_URL": "", "EXTERNAL_AUTH_SECRET": "s3cret-for-dunning", "EXTERNAL_AUTH_FALLBACK_DELAY": 0}

    def test_a_suspended_organizations_user_is_refused_without_a_decline(self, app: Flask, client: FlaskClient) -> None:
        from tests.factories import PASSWORD

        with app.app_context():
            org = _org_with_camera()
            db.session.commit()
            org_id = org.id

        def check() -> int:
            query = {"login": "owner@acme.example", "password": PASSWORD}
            return client.get("/watcher/auth/s3cret-for-dunning", query_string=query).status_code

        assert check() == 200
        with app.app_context():
            service.suspend(db.session.get(Organization, org_id), manual=True, reason="x")
            db.session.commit()
        assert check() == 503  # "out of reach": Watcher decides from its store, where the user is disabled
        with app.app_context():
            service.restore(db.session.get(Organization, org_id), manual=True, reason="y")
            db.session.commit()
        assert check() == 200
