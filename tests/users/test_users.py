"""User admin pages: create, edit, every validation error, enable/disable, memberships, search."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Membership, User
from tests.factories import add_member, login, make_admin, make_org, make_user, row_counts


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_create_user(app: Flask, admin_client: FlaskClient) -> None:
    response = admin_client.post(
        "/admin/users/new", data={"email": "  Jane.Doe@Example.COM ", "name": "Jane Doe", "role": "subscriber"}
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "jane.doe@example.com"))
        assert (user.name, user.role, user.is_enabled, user.password_hash) == ("Jane Doe", "subscriber", True, None)
        assert response.headers["Location"].endswith(f"/admin/users/{user.id}")
        [event] = events("user.create")
        assert event.after == {
            "email": "jane.doe@example.com",
            "name": "Jane Doe",
            "role": "subscriber",
            "is_enabled": True,
        }
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "jane.doe@example.com" in page and "Not set yet (awaiting activation)" in page


CASES = [
    ({"email": ""}, "This field is required."),
    ({"email": "not an e-mail"}, "Invalid email address."),
    ({"email": "TAKEN@example.com"}, "A user with this e-mail already exists."),
    ({"email": "x" * 250 + "@example.com"}, "Field cannot be longer than 254 characters."),
    ({"name": "n" * 201}, "Field cannot be longer than 200 characters."),
    ({"role": "root"}, "Not a valid choice."),
]


@pytest.mark.parametrize("overrides, message", CASES, ids=[m for _, m in CASES])
def test_create_refuses_bad_input_and_saves_nothing(
    app: Flask, admin_client: FlaskClient, overrides: dict[str, str], message: str
) -> None:
    with app.app_context():
        make_user("taken@example.com")
        db.session.commit()
        before = row_counts()
    data = {"email": "typed@example.com", "name": "Typed Name", "role": "subscriber"} | overrides
    response = admin_client.post("/admin/users/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    if data["email"] and len(data["email"]) < 100:
        assert f'value="{data["email"]}"' in html
    if len(data["name"]) < 100:
        assert 'value="Typed Name"' in html
    with app.app_context():
        assert row_counts() == before


def test_edit_user_records_changes(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        user_id = make_user("old@example.com", name="Old").id
        db.session.commit()
    form = admin_client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)
    assert 'value="old@example.com"' in form and 'value="Old"' in form
    response = admin_client.post(
        f"/admin/users/{user_id}/edit", data={"email": "New@Example.com", "name": "New", "role": "admin"}
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.email, user.name, user.role) == ("new@example.com", "New", "admin")
        [event] = events("user.update")
        assert event.before == {"email": "old@example.com", "name": "Old", "role": "subscriber"}
        assert event.after == {"email": "new@example.com", "name": "New", "role": "admin"}


def test_edit_refuses_other_users_email_case_insensitively(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        user_id = make_user("me@example.com").id
        make_user("other@example.com")
        db.session.commit()
        before = row_counts()
    response = admin_client.post(
        f"/admin/users/{user_id}/edit", data={"email": "Other@Example.com", "name": "", "role": "subscriber"}
    )
    assert "A user with this e-mail already exists." in response.get_data(as_text=True)
    assert 'value="Other@Example.com"' in response.get_data(as_text=True)
    with app.app_context():
        assert row_counts() == before and db.session.get(User, user_id).email == "me@example.com"
    # keeping one's own address (in another case) is fine
    response = admin_client.post(f"/admin/users/{user_id}/edit", data={"email": "ME@example.com", "role": "subscriber"})
    assert response.status_code == 302


def test_admin_cannot_demote_or_disable_themselves(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        me = db.session.scalar(select(User).where(User.email == "admin@example.com"))
        before, my_id = row_counts(), me.id
    response = admin_client.post(
        f"/admin/users/{my_id}/edit", data={"email": "admin@example.com", "role": "subscriber"}
    )
    assert "You cannot remove your own admin role." in response.get_data(as_text=True)
    response = admin_client.post(f"/admin/users/{my_id}/enabled", data={"enabled": "0"}, follow_redirects=True)
    assert "You cannot disable your own account." in response.get_data(as_text=True)
    assert "Disable</button>" not in response.get_data(as_text=True)
    with app.app_context():
        assert row_counts() == before
        me = db.session.get(User, my_id)
        assert me.is_enabled and me.is_admin


def test_disable_and_enable(app: Flask, admin_client: FlaskClient, client: FlaskClient) -> None:
    with app.app_context():
        user_id = make_user("sub@example.com").id
        db.session.commit()
    page = admin_client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "Disable</button>" in page
    assert admin_client.post(f"/admin/users/{user_id}/enabled", data={"enabled": "0"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).is_enabled is False
        [event] = events("user.disable")
        assert event.before == {"is_enabled": True} and event.after == {"is_enabled": False}
    other = app.test_client()
    assert "This account is disabled." in login(other, "sub@example.com").get_data(as_text=True)
    assert admin_client.post(f"/admin/users/{user_id}/enabled", data={"enabled": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).is_enabled is True
        assert len(events("user.enable")) == 1
    assert login(app.test_client(), "sub@example.com").status_code == 302


def test_memberships_from_user_page(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        user = make_user("sub@example.com")
        org, other = make_org("Alpha"), make_org("Beta")
        add_member(user, other)
        db.session.commit()
        user_id, org_id, other_id = user.id, org.id, other.id
    page = admin_client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert ">Alpha</option>" in page and ">Beta</option>" not in page and ">Beta</a>" in page
    response = admin_client.post(
        f"/admin/users/{user_id}/memberships", data={"organization_id": org_id, "can_view_stats": "y"}
    )
    assert response.status_code == 302
    with app.app_context():
        m = db.session.get(Membership, (user_id, org_id))
        assert m.can_view_stats and not m.can_view_streams
    response = admin_client.post(
        f"/admin/organizations/{org_id}/members/{user_id}", data={"can_view_invoices": "y", "back": "user"}
    )
    assert response.headers["Location"].endswith(f"/admin/users/{user_id}")
    with app.app_context():
        assert db.session.get(Membership, (user_id, org_id)).rights()["can_view_invoices"] is True
    response = admin_client.post(f"/admin/organizations/{other_id}/members/{user_id}/remove", data={"back": "user"})
    assert response.headers["Location"].endswith(f"/admin/users/{user_id}")
    with app.app_context():
        assert db.session.get(Membership, (user_id, other_id)) is None
        assert [
            e.action
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("membership.%")).order_by(AuditEvent.id)
            )
        ] == ["membership.add", "membership.update", "membership.remove"]


@pytest.mark.parametrize(
    "choice, message",
    [
        ("", "Choose an organization."),
        ("TAKEN", "Not a valid choice."),
        ("LIMITED", "The organization&#39;s user limit (0) is reached."),
    ],
)
def test_add_membership_refusals(app: Flask, admin_client: FlaskClient, choice: str, message: str) -> None:
    with app.app_context():
        user = make_user("sub@example.com")
        taken, limited = make_org("Taken"), make_org("Limited", user_limit=0)
        add_member(user, taken)
        db.session.commit()
        user_id, ids = user.id, {"": "", "TAKEN": str(taken.id), "LIMITED": str(limited.id)}
        before = row_counts()
    response = admin_client.post(
        f"/admin/users/{user_id}/memberships", data={"organization_id": ids[choice], "can_edit_streams": "y"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'checked class="form-check-input" id="can_edit_streams"' in html
    with app.app_context():
        assert row_counts() == before


def test_search_filter_and_paging(app: Flask, admin_client: FlaskClient) -> None:
    app.config["PER_PAGE"] = 3
    with app.app_context():
        for i in range(4):
            make_user(f"sub{i}@example.com")
        make_user("jane@acme.example", name="Jane Roe")
        make_admin("boss@example.com")
        db.session.commit()
    first = admin_client.get("/admin/users/").get_data(as_text=True)
    assert "7 in all" in first and "admin@example.com" in first and "jane@acme.example" in first
    assert "sub0@example.com" not in first
    third = admin_client.get("/admin/users/?page=3").get_data(as_text=True)
    assert "sub3@example.com" in third
    by_name = admin_client.get("/admin/users/?q=roe").get_data(as_text=True)
    assert "jane@acme.example" in by_name and "1 in all" in by_name
    admins = admin_client.get("/admin/users/?role=admin").get_data(as_text=True)
    assert "boss@example.com" in admins and "sub0@example.com" not in admins and "2 in all" in admins
