"""A subscriber with a camera in Watcher and an issued, unpaid invoice for October 2026."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Flask

from portal.billing import Period
from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Organization, Tariff, User
from portal.sync import outbox
from portal.sync.connection import get_client
from portal.sync.pull import pull
from tests.factories import add_member, make_org, make_tariff, make_user
from watcher_sim.testing import SimHandle

SEPT_1_MS = int(datetime(2026, 9, 1, tzinfo=UTC).timestamp() * 1000)
ISSUED_AT = datetime(2026, 11, 1, 9, tzinfo=UTC)  # due 14 days later: 2026-11-15


@dataclass
class Subscriber:
    """Ids of what :func:`subscriber` made."""

    org_id: int
    owner_id: int
    member_id: int
    tariff_id: int
    invoice_id: int


def at(day: int, hour: int = 12) -> datetime:
    """A November 2026 instant (UTC)."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def subscriber(app: Flask, watcher: SimHandle, cameras: int = 2) -> Subscriber:
    """Org "Acme" (owner + a member) pushed to Watcher, ``cameras`` on tariff "Pro", pulled, invoiced."""
    with app.app_context():
        owner = make_user("owner@acme.example", name="Olga Owner")
        member = make_user("guard@acme.example")
        tariff = make_tariff("Pro", price=3100)
        org = make_org("Acme", owner=owner, billing_contact="Accounts <pay@acme.example>")
        org.allowed_tariffs.append(tariff)
        add_member(owner, org, can_view_streams=True, can_edit_streams=True, can_edit_users=True)
        add_member(member, org, can_view_streams=True)
        for obj in (tariff, owner, member, org):
            outbox.enqueue(obj)
        db.session.commit()
        result = outbox.dispatch()
        assert result.failed == 0, result.errors
        org = db.session.get(Organization, org.id)
        tariff = db.session.get(Tariff, tariff.id)
        org_wid, preset_wid = org.watcher_id, tariff.watcher_id
        ids = (org.id, owner.id, member.id, tariff.id)
    for n in range(cameras):
        watcher.add_stream(f"acme-cam{n}", org_wid, preset_wid, created_at=SEPT_1_MS)
    with app.app_context():
        pull(get_client())
        org = db.session.get(Organization, ids[0])
        invoice = create_invoice(org, Period(date(2026, 10, 1), date(2026, 10, 31)), ISSUED_AT, issue=True)
        assert invoice.total_minor == 3100 * cameras and invoice.due_date.isoformat() == "2026-11-15"
        db.session.commit()
        return Subscriber(*ids, invoice_id=invoice.id)


def watcher_user(app: Flask, user_id: int) -> int:
    """The Watcher id of a portal user."""
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None and user.watcher_id is not None
        return user.watcher_id
