"""The hierarchy: depth limit and cycles refused by the service and by the schema; subtree moves."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Organization
from portal.organizations.service import move_organization
from tests.factories import make_org, make_user, row_counts


def edit_data(org: Organization, **overrides: Any) -> dict[str, Any]:
    """The edit form as the page would post it back unchanged."""
    data = {
        "title": org.title,
        "owner_id": org.owner_id or "",
        "owner_email": "",
        "parent_id": org.parent_id or "",
        "trial_start": "",
        "trial_end": "",
        "timezone": org.timezone,
        "currency": org.currency,
        "camera_limit": "",
        "user_limit": "",
        "billing_contact": "",
    }
    data.update(overrides)
    return data


@pytest.fixture()
def chain(app: Flask) -> dict[str, int]:
    """a > b > c (depth 0, 1, 2) and a separate root x with child y, all owned by one subscriber."""
    with app.app_context():
        owner = make_user("owner@example.com")
        a = make_org("A", owner=owner)
        b = make_org("B", parent=a, owner=owner)
        c = make_org("C", parent=b, owner=owner)
        x = make_org("X", owner=owner)
        y = make_org("Y", parent=x, owner=owner)
        db.session.commit()
        return {o.title: o.id for o in (a, b, c, x, y)}


def depths(app: Flask) -> dict[str, tuple[int | None, int, int | None]]:
    with app.app_context():
        return {o.title: (o.parent_id, o.depth, o.parent_depth) for o in db.session.scalars(select(Organization))}


def test_move_subtree_updates_every_descendant(app: Flask, admin_client: FlaskClient, chain: dict[str, int]) -> None:
    # b (with c) moves to the top level: b depth 0, c depth 1.
    with app.app_context():
        b = db.session.get(Organization, chain["B"])
        data = edit_data(b, parent_id="")
    response = admin_client.post(f"/admin/organizations/{chain['B']}/edit", data=data)
    assert response.status_code == 302
    state = depths(app)
    assert state["B"] == (None, 0, None)
    assert state["C"] == (chain["B"], 1, 0)
    # b (with c) moves under y: b depth 2 would push c to depth 3 -> refused.
    with app.app_context():
        before = row_counts()
        b = db.session.get(Organization, chain["B"])
        data = edit_data(b, parent_id=chain["Y"], title="B renamed")
    response = admin_client.post(f"/admin/organizations/{chain['B']}/edit", data=data)
    assert response.status_code == 200
    assert "moving here would push subsidiaries too deep" in response.get_data(as_text=True)
    assert 'value="B renamed"' in response.get_data(as_text=True)
    assert depths(app) == state
    with app.app_context():
        assert row_counts() == before
        assert db.session.get(Organization, chain["B"]).title == "B"
    # x (with y) moves under b: x depth 1, y depth 2.
    with app.app_context():
        x = db.session.get(Organization, chain["X"])
        data = edit_data(x, parent_id=chain["B"])
    assert admin_client.post(f"/admin/organizations/{chain['X']}/edit", data=data).status_code == 302
    state = depths(app)
    assert state["X"] == (chain["B"], 1, 0) and state["Y"] == (chain["X"], 2, 1)
    with app.app_context():
        moves = list(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "organization.move").order_by(AuditEvent.id)
            )
        )
        assert [m.object_id for m in moves] == [chain["B"], chain["X"]]
        assert moves[1].before == {"parent_id": None, "depth": 0}
        assert moves[1].after == {"parent_id": chain["B"], "depth": 1}


def test_cycle_refused_by_form(app: Flask, admin_client: FlaskClient, chain: dict[str, int]) -> None:
    with app.app_context():
        before = row_counts()
        a = db.session.get(Organization, chain["A"])
        data = edit_data(a, parent_id=chain["C"])
    response = admin_client.post(f"/admin/organizations/{chain['A']}/edit", data=data)
    assert response.status_code == 200
    assert "An organization cannot be placed under itself or one of its subsidiaries." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert row_counts() == before
    with app.app_context():
        data = edit_data(db.session.get(Organization, chain["A"]), parent_id=chain["A"])
    response = admin_client.post(f"/admin/organizations/{chain['A']}/edit", data=data)
    assert "cannot be placed under itself" in response.get_data(as_text=True)


def test_depth_refused_by_service(app: Flask, chain: dict[str, int]) -> None:
    with app.app_context():
        x, c = db.session.get(Organization, chain["X"]), db.session.get(Organization, chain["C"])
        with pytest.raises(DomainError) as error:
            move_organization(x, c)
        assert error.value.field == "parent_id"
        a, b = db.session.get(Organization, chain["A"]), db.session.get(Organization, chain["B"])
        with pytest.raises(DomainError, match="subsidiaries"):
            move_organization(a, b)
        db.session.rollback()


# --- the schema refuses the same things when the service is bypassed -------------------------------


def _commit_fails() -> None:
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_schema_refuses_too_deep(app: Flask, chain: dict[str, int]) -> None:
    with app.app_context():
        c = db.session.get(Organization, chain["C"])
        db.session.add(Organization(title="D", parent_id=c.id, parent_depth=2, depth=3, currency="EUR"))
        _commit_fails()


def test_schema_refuses_wrong_parent_depth(app: Flask, chain: dict[str, int]) -> None:
    with app.app_context():
        # claims its parent (a, depth 0) is at depth 1: the composite foreign key fails at commit
        db.session.add(Organization(title="Liar", parent_id=chain["A"], parent_depth=1, depth=2, currency="EUR"))
        _commit_fails()


def _refused(*statements: tuple[str, dict[str, int]]) -> None:
    """Run raw UPDATEs and commit: a check fails at once, the deferred key at commit; either way refused."""
    with pytest.raises(IntegrityError):
        for sql, params in statements:
            db.session.execute(text(sql), params)
        db.session.commit()
    db.session.rollback()


def test_schema_refuses_cycle(app: Flask, chain: dict[str, int]) -> None:
    with app.app_context():
        # a under its own child b, with consistent numbers for a itself: b's key no longer matches a
        _refused(
            (
                "UPDATE organizations SET parent_id = :b, parent_depth = 1, depth = 2 WHERE id = :a",
                {"a": chain["A"], "b": chain["B"]},
            )
        )
        # x <-> y where each row claims to be the other's child: depth must grow along links, so it cannot
        _refused(
            (
                "UPDATE organizations SET parent_id = :y, parent_depth = 1, depth = 2 WHERE id = :x",
                {"x": chain["X"], "y": chain["Y"]},
            ),
            ("UPDATE organizations SET parent_depth = 2, depth = 3 WHERE id = :y", {"y": chain["Y"]}),
        )
        # the same loop with depths that fit the limit still breaks one of the keys
        _refused(
            (
                "UPDATE organizations SET parent_id = :y, parent_depth = 0, depth = 1 WHERE id = :x",
                {"x": chain["X"], "y": chain["Y"]},
            ),
            ("UPDATE organizations SET parent_depth = 1, depth = 0 WHERE id = :y", {"y": chain["Y"]}),
        )
        assert depths(app)["X"] == (None, 0, None)


def test_schema_refuses_own_parent(app: Flask, chain: dict[str, int]) -> None:
    with app.app_context():
        _refused(
            ("UPDATE organizations SET parent_id = id, parent_depth = 0, depth = 1 WHERE id = :x", {"x": chain["X"]})
        )


def test_schema_refuses_moving_a_parent_alone(app: Flask, chain: dict[str, int]) -> None:
    with app.app_context():
        # b moves to the top level but its child c is left claiming b is at depth 1
        db.session.execute(
            text("UPDATE organizations SET parent_id = NULL, parent_depth = NULL, depth = 0 WHERE id = :b"),
            {"b": chain["B"]},
        )
        _commit_fails()
        assert depths(app)["B"] == (chain["A"], 1, 0)


def test_schema_accepts_a_consistent_subtree_move(app: Flask, chain: dict[str, int]) -> None:
    with app.app_context():
        db.session.execute(
            text("UPDATE organizations SET parent_id = NULL, parent_depth = NULL, depth = 0 WHERE id = :b"),
            {"b": chain["B"]},
        )
        db.session.execute(
            text("UPDATE organizations SET parent_depth = 0, depth = 1 WHERE id = :c"), {"c": chain["C"]}
        )
        db.session.commit()
    assert depths(app)["C"] == (chain["B"], 1, 0)


def test_tree_view(app: Flask, admin_client: FlaskClient, chain: dict[str, int]) -> None:
    html = admin_client.get("/admin/organizations/tree").get_data(as_text=True)
    assert '<div class="tree">' in html
    # nesting: C's list item sits inside B's, which sits inside A's
    a, b, c, x = (html.index(f">{t}</a>") for t in "ABCX")
    assert a < b < c < x
    assert html.count("<ul>") == 1 + 3  # the root list, plus one under A, B and X


def test_create_subsidiary_at_depth_two(app: Flask, admin_client: FlaskClient, chain: dict[str, int]) -> None:
    with app.app_context():
        owner_id = db.session.scalar(select(Organization.owner_id).where(Organization.id == chain["A"]))
    data = {
        "title": "Y child",
        "owner_id": owner_id,
        "parent_id": chain["Y"],
        "timezone": "UTC",
        "currency": "EUR",
        "invoice_to_parent": "y",
    }
    response = admin_client.post("/admin/organizations/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organization).where(Organization.title == "Y child"))
        assert (org.parent_id, org.depth, org.parent_depth, org.invoice_to_parent) == (chain["Y"], 2, 1, True)
