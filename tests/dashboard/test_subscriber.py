"""The subscriber's area: only their organizations, expected cost, trials, and the invoices they may see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Membership
from tests.dashboard.data import add_price, make_camera, make_invoice
from tests.factories import add_member, login, make_org, make_tariff, make_user


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


@dataclass(frozen=True)
class World:
    """Ids of the hand-made organizations."""

    parent: int
    child: int
    member_org: int
    trial: int
    stranger: int


@pytest.fixture()
def world(app: Flask) -> World:
    """sub@example.com owns Parent (with Child), is a plain member of Member Org, owns Trial Org."""
    with app.app_context():
        basic = make_tariff("Basic", price=1000)
        add_price(basic, date(2026, 3, 1), 1250)
        pro = make_tariff("Pro", price=2999)
        sub, other = make_user("sub@example.com"), make_user("other@example.com")
        parent = make_org("Parent Co", owner=sub)
        child = make_org("Child Co", parent=parent, owner=other)
        member_org = make_org("Member Org", owner=other)
        add_member(sub, member_org, can_view_invoices=False)
        trial = make_org("Trial Org", owner=sub, trial_start=date(2026, 3, 1), trial_end=date(2026, 3, 31))
        stranger = make_org("Stranger Inc", owner=other)
        for _ in range(2):
            make_camera(parent, basic)
        make_camera(parent, pro, "parent-pro", title="Warehouse door")
        make_camera(child, pro)
        make_camera(member_org, basic)
        make_camera(trial, pro)
        make_camera(trial, pro)
        make_camera(stranger, basic, "stranger-cam", title="Secret vault")
        make_invoice(parent, 4321, "issued", due_date=date(2026, 3, 10))
        make_invoice(parent, 1111, "paid")
        make_invoice(parent, 2222, "void")
        make_invoice(parent, 9876, "draft")
        make_invoice(child, 3333, "issued")
        make_invoice(member_org, 5555, "issued")
        make_invoice(stranger, 6666, "issued")
        db.session.commit()
        return World(parent.id, child.id, member_org.id, trial.id, stranger.id)


@pytest.fixture()
def sub_client(client: FlaskClient, world: World) -> FlaskClient:
    assert login(client, "sub@example.com").status_code == 302
    return client


def test_sees_only_their_organizations(sub_client: FlaskClient) -> None:
    text = _text(sub_client.get("/").data)
    for title in ("Parent Co", "Child Co", "Member Org", "Trial Org"):
        assert title in text
    assert "Stranger Inc" not in text and "Secret vault" not in text and "€66.66" not in text


def test_expected_monthly_cost_per_organization(sub_client: FlaskClient, world: World) -> None:
    html = sub_client.get("/").data.decode()
    parent_card = _text(html.split(f'id="org-{world.parent}"')[1].split('class="card mb-3"')[0].encode())
    # 2 x 12.50 (March price) + 1 x 29.99
    assert "Expected monthly cost: €54.99" in parent_card
    assert "Basic 2 €12.50 €25.00" in parent_card and "Pro 1 €29.99 €29.99" in parent_card
    page = _text(sub_client.get(f"/my/organizations/{world.parent}").data)
    assert "Expected monthly cost: €54.99" in page and "Warehouse door" in page
    assert "Child Co" in page  # its subsidiary, listed and reachable


def test_free_during_trial(sub_client: FlaskClient, world: World) -> None:
    page = _text(sub_client.get(f"/my/organizations/{world.trial}").data)
    assert "Expected monthly cost: €0.00" in page
    assert "Pro 2 €29.99 €0.00" in page
    assert "Free during trial until Mar 31, 2026." in page


def test_invoices_drafts_hidden_and_rights_respected(sub_client: FlaskClient) -> None:
    text = _text(sub_client.get("/").data)
    assert "€43.21" in text and "€11.11" in text and "€22.22" in text  # issued, paid, void
    assert "€33.33" in text  # child of an owned organization
    assert "€98.76" not in text  # draft
    assert "€55.55" not in text  # member without can_view_invoices
    assert "Overdue" in text


def test_invoices_appear_with_can_view_invoices(app: Flask, sub_client: FlaskClient, world: World) -> None:
    assert "Invoices" not in _text(sub_client.get(f"/my/organizations/{world.member_org}").data)
    with app.app_context():
        user_id = db.session.scalar(db.select(Membership.user_id).where(Membership.organization_id == world.member_org))
        db.session.get(Membership, (user_id, world.member_org)).can_view_invoices = True
        db.session.commit()
    assert "€55.55" in _text(sub_client.get(f"/my/organizations/{world.member_org}").data)
    assert "€55.55" in _text(sub_client.get("/").data)


def test_member_without_rights_sees_no_invoice_section(app: Flask, client: FlaskClient, world: World) -> None:
    with app.app_context():
        from portal.models import Organization

        viewer = make_user("viewer@example.com")
        add_member(viewer, db.session.get(Organization, world.member_org))
        db.session.commit()
    login(client, "viewer@example.com")
    text = _text(client.get("/").data)
    assert "Member Org" in text and "Parent Co" not in text
    assert "Invoices" not in text and "€55.55" not in text


def test_another_organization_is_404(sub_client: FlaskClient, world: World) -> None:
    assert sub_client.get(f"/my/organizations/{world.stranger}").status_code == 404
    assert sub_client.get("/my/organizations/999999").status_code == 404


def test_plain_member_of_a_parent_does_not_see_its_subsidiary(app: Flask, client: FlaskClient, world: World) -> None:
    with app.app_context():
        from portal.models import Organization

        viewer = make_user("viewer@example.com")
        add_member(viewer, db.session.get(Organization, world.parent), can_view_invoices=True)
        db.session.commit()
    login(client, "viewer@example.com")
    page = _text(client.get(f"/my/organizations/{world.parent}").data)
    assert "€43.21" in page and "Child Co" not in page
    assert client.get(f"/my/organizations/{world.child}").status_code == 404


def test_no_stream_urls_anywhere(sub_client: FlaskClient, world: World) -> None:
    for path in ("/", f"/my/organizations/{world.parent}"):
        html = sub_client.get(path).data.decode().lower()
        assert "rtsp://" not in html and "<video" not in html and "token=" not in html


def _card(html: str, org_id: int) -> str:
    """One organization's card on the subscriber's home page (raw HTML)."""
    return html.split(f'id="org-{org_id}"')[1].split('class="card mb-3"')[0]


def test_no_money_where_the_user_may_not_see_invoices(sub_client: FlaskClient, world: World) -> None:
    """Member Org: a membership without can_view_invoices shows cameras by tariff, no price, no Usage link."""
    usages = f"/organizations/{world.member_org}/usages"
    card = _card(sub_client.get("/").data.decode(), world.member_org)
    text = _text(card.encode())
    assert "Basic 1" in text and "Total 1" in text
    assert "€" not in text and "Expected monthly cost" not in text and "Price per camera" not in text
    assert usages not in card
    page = sub_client.get(f"/my/organizations/{world.member_org}").data.decode()
    assert "Basic 1" in _text(page.encode()) and "€" not in _text(page.encode())
    assert "Expected monthly cost" not in page and usages not in page
    assert sub_client.get(usages).status_code == 404
    # The same user's own organization still shows its money and its Usage link.
    parent_card = _card(sub_client.get("/").data.decode(), world.parent)
    assert "Expected monthly cost: €54.99" in _text(parent_card.encode())
    assert f'href="/organizations/{world.parent}/usages"' in parent_card


def test_money_appears_with_can_view_invoices_on_the_dashboard(
    app: Flask, sub_client: FlaskClient, world: World
) -> None:
    with app.app_context():
        user_id = db.session.scalar(db.select(Membership.user_id).where(Membership.organization_id == world.member_org))
        db.session.get(Membership, (user_id, world.member_org)).can_view_invoices = True
        db.session.commit()
    card = _card(sub_client.get("/").data.decode(), world.member_org)
    assert "Expected monthly cost: €12.50" in _text(card.encode()) and "Basic 1 €12.50 €12.50" in _text(card.encode())
    assert f'href="/organizations/{world.member_org}/usages"' in card
    page = sub_client.get(f"/my/organizations/{world.member_org}").data.decode()
    assert "Expected monthly cost: €12.50" in _text(page.encode())
    assert f'href="/organizations/{world.member_org}/usages"' in page
    assert sub_client.get(f"/organizations/{world.member_org}/usages").status_code == 200


def test_owner_of_a_parent_sees_the_subsidiarys_money(sub_client: FlaskClient, world: World) -> None:
    """Child Co is owned by someone else but sits under Parent Co, which sub@ owns."""
    card = _card(sub_client.get("/").data.decode(), world.child)
    assert "Expected monthly cost: €29.99" in _text(card.encode()) and "Pro 1 €29.99 €29.99" in _text(card.encode())
    assert f'href="/organizations/{world.child}/usages"' in card
    page = _text(sub_client.get(f"/my/organizations/{world.child}").data)
    assert "Expected monthly cost: €29.99" in page
    assert sub_client.get(f"/organizations/{world.child}/usages").status_code == 200


def test_plain_member_sees_cameras_but_no_money(app: Flask, client: FlaskClient, world: World) -> None:
    """A member with the cameras right only (the default): tariffs and counts, no amounts, Usages 404."""
    with app.app_context():
        from portal.models import Organization

        viewer = make_user("viewer@example.com")
        add_member(viewer, db.session.get(Organization, world.parent), can_view_streams=True)
        db.session.commit()
    login(client, "viewer@example.com")
    for path in ("/", f"/my/organizations/{world.parent}"):
        html = client.get(path).data.decode()
        text = _text(html.encode())
        assert "Basic 2" in text and "Pro 1" in text
        assert "€" not in text and "Expected monthly cost" not in text and "/usages" not in html
    assert "Warehouse door" in _text(client.get(f"/my/organizations/{world.parent}").data)
    assert client.get(f"/organizations/{world.parent}/usages").status_code == 404
    assert client.get(f"/organizations/{world.parent}/usages.csv").status_code == 404
