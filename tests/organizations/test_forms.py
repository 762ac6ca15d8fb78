"""Organization create/edit forms: success paths, every validation error, owner by e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import RIGHTS, AuditEvent, Membership, Organization, User
from tests.factories import make_org, make_tariff, make_user, row_counts


def valid(**overrides: Any) -> dict[str, Any]:
    """Form data that passes validation (owner must be set by the caller or by owner_email)."""
    data = {
        "title": "Acme Security",
        "owner_id": "",
        "owner_email": "",
        "parent_id": "",
        "trial_start": "",
        "trial_end": "",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "camera_limit": "",
        "user_limit": "",
        "billing_contact": "accounts@acme.example",
    }
    data.update(overrides)
    return data


def test_create_with_existing_owner(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        owner = make_user("owner@example.com")
        basic, _other = make_tariff("Basic"), make_tariff("Other")
        db.session.commit()
        owner_id, basic_id = owner.id, basic.id
    response = admin_client.post(
        "/admin/organizations/new",
        data=valid(
            owner_id=owner_id,
            allowed_tariffs=[basic_id],
            trial_start="2026-01-01",
            trial_end="2026-01-31",
            camera_limit="10",
            user_limit="5",
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organization))
        assert response.headers["Location"].endswith(f"/admin/organizations/{org.id}")
        assert (org.title, org.timezone, org.currency, org.depth) == ("Acme Security", "Europe/Berlin", "EUR", 0)
        assert [t.name for t in org.allowed_tariffs] == ["Basic"]
        assert (org.camera_limit, org.user_limit) == (10, 5)
        assert str(org.trial_start) == "2026-01-01" and str(org.trial_end) == "2026-01-31"
        membership = db.session.get(Membership, (owner_id, org.id))
        assert membership is not None and all(membership.rights().values())
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert "organization.create" in actions and "membership.add" in actions
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organization.create"))
        assert event.after["title"] == "Acme Security" and event.after["owner"] == "owner@example.com"
        assert event.actor_label == "admin@example.com"
    page = admin_client.get(response.headers["Location"])
    assert b"Acme Security" in page.data and b"owner@example.com" in page.data and b"Basic" in page.data


def test_owner_created_from_email(app: Flask, admin_client: FlaskClient) -> None:
    response = admin_client.post("/admin/organizations/new", data=valid(owner_email="New.Owner@Example.COM"))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.owner@example.com"))
        assert user is not None and user.role == "subscriber" and user.password_hash is None
        org = db.session.scalar(select(Organization))
        assert org.owner_id == user.id
        assert db.session.get(Membership, (user.id, org.id)).rights() == {r: True for r in RIGHTS}
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create")) is not None


def test_create_form_preselects_default_tariffs(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        default = make_tariff("Default plan", is_default_offer=True)
        plain = make_tariff("Plain plan")
        make_tariff("Old plan", is_default_offer=True, is_archived=True)
        db.session.commit()
        ids = default.id, plain.id
    html = admin_client.get("/admin/organizations/new").get_data(as_text=True)
    assert f'<option selected value="{ids[0]}">Default plan (EUR)</option>' in html
    assert f'<option value="{ids[1]}">Plain plan (EUR)</option>' in html
    assert "Old plan" not in html


CASES = [
    ("title", {"title": ""}, "This field is required."),
    ("owner", {"owner_id": ""}, "Choose an owner or enter a new owner&#39;s e-mail."),
    ("owner both", {"owner_email": "x@example.com"}, "Choose an existing owner or type a new e-mail, not both."),
    ("owner email invalid", {"owner_id": "", "owner_email": "not-an-email"}, "Invalid email address."),
    (
        "owner email taken",
        {"owner_id": "", "owner_email": "OWNER@example.com"},
        "A user with this e-mail already exists; choose them in the Owner list.",
    ),
    ("trial half", {"trial_start": "2026-02-01"}, "Give both trial dates or neither."),
    ("trial order", {"trial_start": "2026-02-10", "trial_end": "2026-02-01"}, "The trial cannot end before it starts."),
    ("trial date", {"trial_start": "2026-13-45", "trial_end": "2026-02-01"}, "Not a valid date value."),
    ("camera limit", {"camera_limit": "-1"}, "Number must be between 0 and 1000000."),
    ("user limit", {"user_limit": "many"}, "Not a valid integer value."),
    (
        "invoice to parent",
        {"invoice_to_parent": "y"},
        "Only a subsidiary can be invoiced to its parent: choose a parent first.",
    ),
    ("timezone", {"timezone": "Mars/Olympus"}, "Not a valid choice."),
    ("currency", {"currency": "XXX"}, "Not a valid choice."),
    ("duplicate title", {"title": "taken inc"}, "An organization with this title already exists."),
    ("tariff currency", {"currency": "USD", "allowed_tariffs": "TARIFF"}, "Not priced in USD: Basic."),
    (
        "parent currency",
        {"parent_id": "PARENT", "invoice_to_parent": "y", "currency": "USD"},
        "Invoiced to its parent, it must use the parent&#39;s currency (EUR).",
    ),
    ("parent too deep", {"parent_id": "DEEP"}, "The hierarchy is at most 3 levels deep; this parent is too deep."),
    ("parent missing", {"parent_id": "999999"}, "This organization does not exist."),
]


@pytest.mark.parametrize("case, overrides, message", CASES, ids=[c[0] for c in CASES])
def test_create_refuses_bad_input_and_saves_nothing(
    app: Flask, admin_client: FlaskClient, case: str, overrides: dict[str, str], message: str
) -> None:
    with app.app_context():
        owner = make_user("owner@example.com")
        top = make_org("Taken Inc")
        mid = make_org("Mid", parent=top)
        deep = make_org("Deep", parent=mid)
        tariff = make_tariff("Basic")
        db.session.commit()
        refs = {"PARENT": str(top.id), "DEEP": str(deep.id), "TARIFF": str(tariff.id)}
        data = valid(owner_id=owner.id, title="Typed Title Ltd", camera_limit="7")
        data.update({k: refs.get(v, v) for k, v in overrides.items()})
        before = row_counts()
    response = admin_client.post("/admin/organizations/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="invalid-feedback' in html
    if data["title"]:
        assert f'value="{data["title"]}"' in html
    assert "accounts@acme.example</textarea>" in html
    for name in ("owner_email", "trial_start", "trial_end", "camera_limit", "user_limit"):
        if data.get(name):
            assert f'value="{data[name]}"' in html, name
    with app.app_context():
        assert row_counts() == before


def test_list_queries_do_not_grow_with_rows(app: Flask, admin_client: FlaskClient) -> None:
    """Owner and parent are loaded with the page, not one query per row."""
    from sqlalchemy import event

    def statements() -> int:
        count = 0

        def counter(*_args: object) -> None:
            nonlocal count
            count += 1

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", counter)
            try:
                assert admin_client.get("/admin/organizations/").status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", counter)
        return count

    with app.app_context():
        parent = make_org("Parent", owner=make_user("p@example.com"))
        make_org("Child 0", parent=parent, owner=make_user("c0@example.com"))
        db.session.commit()
    few = statements()
    with app.app_context():
        parent = db.session.scalar(select(Organization).where(Organization.title == "Parent"))
        for i in range(1, 12):
            make_org(f"Child {i}", parent=parent, owner=make_user(f"c{i}@example.com"))
        db.session.commit()
    assert statements() == few
