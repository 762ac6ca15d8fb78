"""The dashboards run a fixed number of SQL statements, however much data there is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from portal.extensions import db
from portal.models import Organization, OutboxItem, SyncRun, User
from tests.dashboard.data import make_camera, make_invoice
from tests.factories import add_member, login, make_org, make_tariff, make_user

#: Ceilings, so a new figure cannot quietly add a query per row either.
# admin: 16, plus the dunning card (issue 14): 2 statements, 5 when some payer is overdue, plus the
# ledger's open amounts (1) and the overdue payers' credit (5 grouped sums); plus the collections part's
# 5 (open invoices, their allocations and totals, this month's payments, reminders sent)
ADMIN_MAX, SUBSCRIBER_MAX, ORGANIZATION_MAX = 30, 10, 12


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """Collect every statement sent to the database while the block runs."""
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _grow(app: Flask, scale: int, owner_email: str = "sub@example.com") -> None:
    """Add ``scale`` organizations of every flavour, each with cameras, invoices and problems."""
    with app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == owner_email))
        for n in range(scale):
            tariff = make_tariff(price=1000 + n)
            other = make_tariff(price=500 + n, currency="USD")
            parent = make_org(
                owner=owner,
                trial_start=date(2026, 3, 1) if n % 2 else None,
                trial_end=date(2026, 3, 31) if n % 2 else None,
            )
            parent.allowed_tariffs.append(tariff)
            child = make_org(parent=parent, owner=make_user())
            member = make_org(owner=make_user())
            add_member(owner, member, can_view_invoices=bool(n % 2))
            make_org()  # no owner
            for org in (parent, child, member):
                make_camera(org, tariff)
                make_camera(org, other)  # not allowed
                make_camera(org, None, watcher_preset_id=100 + n)
                make_invoice(org, 1000 + n, due_date=date(2026, 3, 1))
                make_invoice(org, 2000 + n, "paid")
                make_invoice(org, 3000 + n, "draft")
            make_camera(None, None, watcher_organization_id=900 + n)
            db.session.add(
                OutboxItem(
                    kind="org.upsert", object_type="organization", object_id=parent.id, state="failed", attempts=5
                )
            )
        db.session.add(SyncRun(direction="pull", ok=False, error="down"))
        db.session.commit()


def _count(app: Flask, request: Callable[[], Any]) -> int:
    with counting(app) as statements:
        response = request()
    assert response.status_code == 200
    return len(statements)


def test_admin_dashboard_statements_do_not_grow(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        make_user("sub@example.com")
        db.session.commit()
    _grow(app, 1)
    small = _count(app, lambda: admin_client.get("/"))
    _grow(app, 12)
    large = _count(app, lambda: admin_client.get("/"))
    print(f"admin dashboard: {small} statements with 1x data, {large} with 13x")
    assert small == large <= ADMIN_MAX
    text = admin_client.get("/").data.decode()
    for kind in (
        "tariff_not_allowed",
        "unmapped_preset",
        "unmanaged_organization",
        "sync_failed",
        "pull_failed",
        "no_owner",
    ):
        assert f'id="attention-{kind}"' in text  # the large data set really exercised every query


def test_subscriber_pages_statements_do_not_grow(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_user("sub@example.com")
        db.session.commit()
    _grow(app, 1)
    login(client, "sub@example.com")
    with app.app_context():
        first = db.session.scalar(db.select(Organization.id).order_by(Organization.id))
    small = (_count(app, lambda: client.get("/")), _count(app, lambda: client.get(f"/my/organizations/{first}")))
    _grow(app, 12)
    large = (_count(app, lambda: client.get("/")), _count(app, lambda: client.get(f"/my/organizations/{first}")))
    print(f"subscriber home, organization page: {small} statements with 1x data, {large} with 13x")
    assert small == large
    assert large[0] <= SUBSCRIBER_MAX and large[1] <= ORGANIZATION_MAX
