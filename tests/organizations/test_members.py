"""Owner change, members (add, edit rights, remove), update audit, detail page, search and paging."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Camera, Membership, Organization
from tests.factories import add_member, make_admin, make_org, make_tariff, make_user, row_counts


@pytest.fixture()
def org_id(app: Flask) -> int:
    with app.app_context():
        owner = make_user("owner@example.com")
        org = make_org("Acme", owner=owner)
        add_member(
            owner,
            org,
            can_view_streams=True,
            can_edit_streams=True,
            can_edit_users=True,
            can_view_stats=True,
            can_view_invoices=True,
        )
        make_user("second@example.com")
        db.session.commit()
        return org.id


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def edit_data(org: Organization, **overrides: Any) -> dict[str, Any]:
    data = {
        "title": org.title,
        "owner_id": org.owner_id or "",
        "owner_email": "",
        "parent_id": "",
        "timezone": org.timezone,
        "currency": org.currency,
        "billing_contact": org.billing_contact,
    }
    data.update(overrides)
    return data


def test_edit_records_before_and_after(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    with app.app_context():
        tariff = make_tariff("Pro")
        db.session.commit()
        data = edit_data(
            db.session.get(Organization, org_id), title="Acme Group", timezone="Asia/Tokyo", allowed_tariffs=[tariff.id]
        )
    assert admin_client.post(f"/admin/organizations/{org_id}/edit", data=data).status_code == 302
    with app.app_context():
        [event] = audit("organization.update")
        assert event.before == {"title": "Acme", "timezone": "UTC", "allowed_tariffs": []}
        assert event.after == {"title": "Acme Group", "timezone": "Asia/Tokyo", "allowed_tariffs": ["Pro"]}
        assert audit("organization.owner_change") == [] and audit("organization.move") == []


def test_edit_form_shows_current_values(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    html = admin_client.get(f"/admin/organizations/{org_id}/edit").get_data(as_text=True)
    assert 'value="Acme"' in html and "owner@example.com</option>" in html
    assert "Changing the owner keeps the old owner as a member" in html


def test_change_owner_keeps_old_owner_as_member(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    with app.app_context():
        second = db.session.scalar(select(Membership.user_id).where(Membership.organization_id == org_id))
        new_owner = make_user("new@example.com")
        db.session.commit()
        new_id = new_owner.id
        data = edit_data(db.session.get(Organization, org_id), owner_id=new_id)
    assert admin_client.post(f"/admin/organizations/{org_id}/edit", data=data).status_code == 302
    with app.app_context():
        org = db.session.get(Organization, org_id)
        assert org.owner_id == new_id
        assert all(db.session.get(Membership, (new_id, org_id)).rights().values())
        assert db.session.get(Membership, (second, org_id)) is not None
        [event] = audit("organization.owner_change")
        assert event.before == {"owner": "owner@example.com"} and event.after == {"owner": "new@example.com"}


def test_change_owner_to_new_email(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    with app.app_context():
        data = edit_data(db.session.get(Organization, org_id), owner_id="", owner_email="fresh@example.com")
    assert admin_client.post(f"/admin/organizations/{org_id}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Organization, org_id).owner.email == "fresh@example.com"


def test_members_add_edit_remove(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    with app.app_context():
        second_id = make_user("third@example.com").id
        db.session.commit()
    page = admin_client.get(f"/admin/organizations/{org_id}").get_data(as_text=True)
    assert "third@example.com</option>" in page and "Add a member" in page
    response = admin_client.post(
        f"/admin/organizations/{org_id}/members",
        data={"user_id": second_id, "can_view_streams": "y", "can_view_invoices": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        m = db.session.get(Membership, (second_id, org_id))
        assert m.rights() == {
            "can_view_streams": True,
            "can_edit_streams": False,
            "can_edit_users": False,
            "can_view_stats": False,
            "can_view_invoices": True,
        }
        assert audit("membership.add")[-1].after["user"] == "third@example.com"
    response = admin_client.post(f"/admin/organizations/{org_id}/members/{second_id}", data={"can_edit_streams": "y"})
    assert response.status_code == 302
    with app.app_context():
        m = db.session.get(Membership, (second_id, org_id))
        assert (m.can_view_streams, m.can_edit_streams, m.can_view_invoices) == (False, True, False)
        [event] = audit("membership.update")
        assert event.before == {"can_view_streams": True, "can_edit_streams": False, "can_view_invoices": True}
        assert event.after == {"can_view_streams": False, "can_edit_streams": True, "can_view_invoices": False}
    response = admin_client.post(f"/admin/organizations/{org_id}/members/{second_id}/remove")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Membership, (second_id, org_id)) is None
        [event] = audit("membership.remove")
        assert event.before["user"] == "third@example.com" and event.after is None


def test_owner_cannot_be_removed(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    with app.app_context():
        owner_id = db.session.get(Organization, org_id).owner_id
        before = row_counts()
    response = admin_client.post(f"/admin/organizations/{org_id}/members/{owner_id}/remove", follow_redirects=True)
    assert "The owner cannot be removed; change the owner first." in response.get_data(as_text=True)
    with app.app_context():
        assert row_counts() == before


@pytest.mark.parametrize(
    "choice, limit, message",
    [
        ("", None, "Choose a user."),
        ("owner", None, "Not a valid choice."),  # already a member: not offered
        ("admin", None, "Not a valid choice."),  # admins are not members: not offered
        ("fourth", 1, "The organization&#39;s user limit (1) is reached."),
    ],
)
def test_add_member_refusals(
    app: Flask, admin_client: FlaskClient, org_id: int, choice: str, limit: int | None, message: str
) -> None:
    with app.app_context():
        org = db.session.get(Organization, org_id)
        org.user_limit = limit
        ids = {
            "": "",
            "owner": str(org.owner_id),
            "admin": str(make_admin("boss2@example.com").id),
            "fourth": str(make_user("fourth@example.com").id),
        }
        db.session.commit()
        before = row_counts()
    response = admin_client.post(
        f"/admin/organizations/{org_id}/members", data={"user_id": ids[choice], "can_edit_users": "y"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'checked class="form-check-input" id="can_edit_users"' in html  # the typed rights are kept
    assert 'checked class="form-check-input" id="can_view_stats"' not in html
    with app.app_context():
        assert row_counts() == before


def test_detail_shows_fields_members_subsidiaries_cameras(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    with app.app_context():
        parent = db.session.get(Organization, org_id)
        make_org("Acme North", parent=parent, invoice_to_parent=True)
        db.session.add_all([Camera(name="cam-1", organization_id=org_id), Camera(name="cam-2", organization_id=org_id)])
        db.session.commit()
    html = admin_client.get(f"/admin/organizations/{org_id}").get_data(as_text=True)
    for text in (
        "Acme",
        "owner@example.com",
        "owner</span>",
        "Acme North",
        "invoiced to parent",
        "Watcher: pending sync",
        '<dd class="col-sm-9">2</dd>',
        "View invoices",
    ):
        assert text in html, text


def test_search_and_paging(app: Flask, admin_client: FlaskClient) -> None:
    app.config["PER_PAGE"] = 2
    with app.app_context():
        owner = make_user("boss@northwind.example")
        for i in range(5):
            make_org(f"Org {i}")
        make_org("Northwind", owner=owner)
        db.session.commit()
    first = admin_client.get("/admin/organizations/").get_data(as_text=True)
    assert "6 in all" in first and ">Northwind</a>" in first and ">Org 0</a>" in first and ">Org 1</a>" not in first
    third = admin_client.get("/admin/organizations/?page=3").get_data(as_text=True)
    assert ">Org 3</a>" in third and ">Org 4</a>" in third
    by_owner = admin_client.get("/admin/organizations/?q=NORTHWIND.example").get_data(as_text=True)
    assert ">Northwind</a>" in by_owner and "1 in all" in by_owner
    none = admin_client.get("/admin/organizations/?q=zzz").get_data(as_text=True)
    assert "No organizations match “zzz”." in none


def test_user_limit_cannot_drop_below_members(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    with app.app_context():
        org = db.session.get(Organization, org_id)
        add_member(make_user("extra@example.com"), org)
        db.session.commit()
        data = edit_data(org, user_limit="1", title="Renamed")
        before = row_counts()
    response = admin_client.post(f"/admin/organizations/{org_id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "The organization already has 2 members." in html
    assert 'value="1"' in html and 'value="Renamed"' in html
    with app.app_context():
        assert row_counts() == before and db.session.get(Organization, org_id).title == "Acme"
