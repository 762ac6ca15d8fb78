"""Tenancy: a subscriber sees only their organizations and gets 404 for anyone else's, 403 for admin pages."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import User
from portal.tenancy import visible_organizations
from tests.factories import add_member, login, make_admin, make_org, make_user


@pytest.fixture()
def world(app: Flask) -> dict[str, int]:
    """Owner owns Top (> Mid > Leaf); Member is a member of Side only; Stranger's org is someone else's."""
    with app.app_context():
        owner, member, stranger = (
            make_user("owner@example.com"),
            make_user("member@example.com"),
            make_user("x@example.com"),
        )
        top = make_org("Top", owner=owner)
        mid = make_org("Mid", parent=top)
        leaf = make_org("Leaf", parent=mid)
        side = make_org("Side")
        add_member(member, side)
        add_member(owner, side)
        foreign = make_org("Foreign", owner=stranger)
        foreign_child = make_org("Foreign child", parent=foreign)
        add_member(member, mid)  # a plain member of Mid does not see Leaf (only owners see subsidiaries)
        db.session.commit()
        return {o.title: o.id for o in (top, mid, leaf, side, foreign, foreign_child)}


def test_owner_sees_own_orgs_and_subsidiaries_at_every_depth(
    app: Flask, client: FlaskClient, world: dict[str, int]
) -> None:
    login(client, "owner@example.com")
    html = client.get("/").get_data(as_text=True)
    for title in ("Top", "Mid", "Leaf", "Side"):
        assert f">{title}</a>" in html, title
        assert client.get(f"/my/organizations/{world[title]}").status_code == 200
    assert "Foreign" not in html
    for title in ("Foreign", "Foreign child"):
        assert client.get(f"/my/organizations/{world[title]}").status_code == 404
    assert client.get("/my/organizations/999999").status_code == 404
    with app.app_context():
        owner = db.session.scalar(db.select(User).where(User.email == "owner@example.com"))
        assert [o.title for o in visible_organizations(owner)] == ["Leaf", "Mid", "Side", "Top"]


def test_member_sees_only_memberships(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    login(client, "member@example.com")
    html = client.get("/").get_data(as_text=True)
    assert ">Side</a>" in html and ">Mid</a>" in html
    assert ">Top</a>" not in html and ">Leaf</a>" not in html and "Foreign" not in html
    assert client.get(f"/my/organizations/{world['Side']}").status_code == 200
    for title in ("Top", "Leaf", "Foreign", "Foreign child"):
        response = client.get(f"/my/organizations/{world[title]}")
        assert response.status_code == 404, title
        assert title.encode() not in response.data


def test_user_without_orgs_sees_none(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    with app.app_context():
        make_user("lonely@example.com")
        db.session.commit()
    login(client, "lonely@example.com")
    assert "You are not a member of any organization yet." in client.get("/").get_data(as_text=True)
    assert all(client.get(f"/my/organizations/{i}").status_code == 404 for i in world.values())


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/admin/organizations/"),
        ("get", "/admin/organizations/tree"),
        ("get", "/admin/organizations/new"),
        ("get", "/admin/organizations/{Top}"),
        ("get", "/admin/organizations/{Top}/edit"),
        ("post", "/admin/organizations/new"),
        ("post", "/admin/organizations/{Top}/edit"),
        ("post", "/admin/organizations/{Top}/members"),
        ("post", "/admin/organizations/{Side}/members/1"),
        ("post", "/admin/organizations/{Side}/members/1/remove"),
        ("get", "/admin/users/"),
        ("get", "/admin/users/new"),
        ("get", "/admin/users/1"),
        ("get", "/admin/users/1/edit"),
        ("post", "/admin/users/new"),
        ("post", "/admin/users/1/edit"),
        ("post", "/admin/users/1/enabled"),
        ("post", "/admin/users/1/memberships"),
    ],
)
def test_admin_pages_are_forbidden_to_subscribers(
    app: Flask, client: FlaskClient, world: dict[str, int], method: str, path: str
) -> None:
    login(client, "owner@example.com")
    response = getattr(client, method)(path.format(**world), data={"title": "Hacked", "email": "h@example.com"})
    assert response.status_code == 403


def test_admin_sees_every_organization(app: Flask, client: FlaskClient, world: dict[str, int]) -> None:
    with app.app_context():
        make_admin()
        db.session.commit()
    login(client, "admin@example.com")
    assert all(client.get(f"/admin/organizations/{i}").status_code == 200 for i in world.values())
