"""Subscribers: only their organizations' non-draft invoices, and only with the right to."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Organization
from tests.factories import add_member, login, make_user
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP


def _setup(app: Flask) -> tuple[int, int]:
    mine_id, other_id = golden_org(app, "Mine"), golden_org(app, "Theirs")
    with app.app_context():
        ids = []
        for org_id in (mine_id, other_id):
            ids.append(create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=True).id)
        owner = make_user("owner@example.com")
        db.session.get(Organization, mine_id).owner_id = owner.id
        viewer = make_user("viewer@example.com")
        add_member(viewer, db.session.get(Organization, mine_id), can_view_invoices=True)
        plain = make_user("plain@example.com")
        add_member(plain, db.session.get(Organization, mine_id), can_view_invoices=False)
        db.session.commit()
        return ids[0], ids[1]


def test_owner_and_viewer_see_only_their_invoices(app: Flask, client: FlaskClient) -> None:
    mine, theirs = _setup(app)
    for email in ("owner@example.com", "viewer@example.com"):
        login(client, email)
        listing = client.get("/invoices/").get_data(as_text=True)
        assert "Mine" in listing and "Theirs" not in listing
        for suffix in ("", "/print", "/csv"):
            assert client.get(f"/invoices/{mine}{suffix}").status_code == 200
            assert client.get(f"/invoices/{theirs}{suffix}").status_code == 404
        assert client.get(f"/invoices/{theirs}/pdf").status_code == 404
        assert client.post(f"/invoices/{mine}/void", data={"reason": "x"}).status_code == 403
        client.post("/logout")


def test_member_without_the_right_sees_no_invoice(app: Flask, client: FlaskClient) -> None:
    mine, _ = _setup(app)
    login(client, "plain@example.com")
    assert "Mine" not in client.get("/invoices/").get_data(as_text=True)
    for suffix in ("", "/print", "/csv", "/pdf"):
        assert client.get(f"/invoices/{mine}{suffix}").status_code == 404


def test_admin_list_filters(app: Flask, admin_client: FlaskClient) -> None:
    _setup(app)
    listing = admin_client.get("/invoices/", query_string={"status": "issued"}).get_data(as_text=True)
    assert "Mine" in listing and "Theirs" in listing
    assert "INV-" not in admin_client.get("/invoices/", query_string={"status": "void"}).get_data(as_text=True)
    none = admin_client.get("/invoices/", query_string={"start": "2026-10-01"}).get_data(as_text=True)
    assert "No invoices." in none
