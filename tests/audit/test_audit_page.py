"""The Audit page: every admin change with who, what, before/after and when, filterable."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask
from flask.testing import FlaskClient

from portal.audit import service as audit
from portal.extensions import db
from portal.models import AuditEvent, User
from tests.factories import login, make_user


def _events(app: Flask) -> None:
    with app.app_context():
        other = db.session.scalar(db.select(User).where(User.email == "admin@example.com"))
        audit.record(
            "tariff.update", "tariff", 7, summary="Gold", before={"name": "Old"}, after={"name": "Gold"}, actor=other
        )
        audit.record("service.create", "service", 3, summary="Archive", after={"name": "Archive"}, actor=other)
        old = audit.record(
            "organization.create",
            "organization",
            5,
            summary="Acme",
            after={"title": "Acme"},
            actor=make_user("second@example.com", role="admin"),
        )
        db.session.flush()
        old.created_at = datetime(2026, 1, 10, 12, tzinfo=timezone.utc)
        db.session.commit()


def test_audit_page_lists_and_filters(app: Flask, admin_client: FlaskClient) -> None:
    _events(app)
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert "tariff.update" in page and "service.create" in page and "organization.create" in page
    assert '"name": "Old"' in page and '"name": "Gold"' in page  # before and after
    page = admin_client.get("/admin/audit/?action=tariff.").get_data(as_text=True)
    assert "tariff.update" in page and "service.create" not in page
    page = admin_client.get("/admin/audit/?actor=second@").get_data(as_text=True)
    assert "organization.create" in page and "tariff.update" not in page
    page = admin_client.get("/admin/audit/?object_type=service").get_data(as_text=True)
    assert "service.create" in page and "tariff.update" not in page
    page = admin_client.get("/admin/audit/?object_type=tariff&object_id=7").get_data(as_text=True)
    assert "tariff.update" in page
    page = admin_client.get("/admin/audit/?until=2026-01-31").get_data(as_text=True)
    assert "organization.create" in page and "tariff.update" not in page
    today = datetime.now(timezone.utc).date()
    page = admin_client.get(f"/admin/audit/?since={(today - timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert "tariff.update" in page and "organization.create" not in page


def test_odd_filters_do_not_break_the_page(admin_client: FlaskClient) -> None:
    for query in ("object_id=99999999999999999999999", "since=yesterday", "until=2026-13-45", "page=999999999999999"):
        assert admin_client.get(f"/admin/audit/?{query}").status_code == 200


def test_subscribers_cannot_read_the_audit(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_user("sub@example.com")
        db.session.commit()
    login(client, "sub@example.com")
    assert client.get("/admin/audit/").status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) >= 1  # the login itself
