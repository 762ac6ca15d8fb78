"""The accountant (read-only finance): sees every organization's organizations, usages and
invoices (drafts too), changes nothing but payments and credit notes, never rights or the catalog.
The route-by-route walk is in test_authorization_matrix.py; this checks what the pages say and
that refused changes leave the database as it was."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Invoice, Organization, User
from portal.security import admin_required, finance_read_required, finance_write_required
from tests.factories import login, make_user
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP
from tests.security.test_authorization_matrix import snapshot


@pytest.fixture()
def accountant(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        make_user("ada@example.com", role="accountant", name="Ada")
        db.session.commit()
    assert login(client, "ada@example.com").status_code == 302
    return client


@pytest.fixture()
def invoices(app: Flask) -> dict[str, int]:
    """Acme's issued September invoice and Beta's draft."""
    acme, beta = golden_org(app), golden_org(app, "Beta")
    with app.app_context():
        issued = create_invoice(db.session.get(Organization, acme), SEP, NOW, issue=True)  # type: ignore[arg-type]
        draft = create_invoice(db.session.get(Organization, beta), SEP, NOW)  # type: ignore[arg-type]
        db.session.commit()
        return {"acme": acme, "beta": beta, "issued": issued.id, "draft": draft.id}


def test_the_accountant_reads_every_organizations_money(accountant: FlaskClient, invoices: dict[str, int]) -> None:
    home = accountant.get("/").get_data(as_text=True)
    assert 'id="collections"' in home and 'href="/admin/users/"' not in home and 'href="/admin/tariffs/"' not in home
    listing = accountant.get("/admin/organizations/").get_data(as_text=True)
    assert "Acme" in listing and "Beta" in listing and "New organization" not in listing
    page = accountant.get(f"/admin/organizations/{invoices['acme']}").get_data(as_text=True)
    assert "Acme" in page and 'id="timeline"' in page
    assert "<form" not in page.split("</nav>", 1)[1]  # no member, rights or edit forms
    usages = accountant.get(f"/organizations/{invoices['beta']}/usages?period=custom&start=2026-09-01&end=2026-09-30")
    assert usages.status_code == 200 and "€30.00" in usages.get_data(as_text=True)
    assert "Issue invoice" not in usages.get_data(as_text=True)
    index = accountant.get("/invoices/").get_data(as_text=True)
    assert index.count("/invoices/") >= 2
    detail = accountant.get(f"/invoices/{invoices['issued']}").get_data(as_text=True)
    assert "€30.00" in detail and "Mark paid" not in detail and "Void" not in detail
    assert accountant.get(f"/invoices/{invoices['draft']}").status_code == 200  # drafts too: read-only
    assert accountant.get(f"/invoices/{invoices['issued']}/csv").mimetype == "text/csv"


def test_the_accountant_changes_nothing_else(app: Flask, accountant: FlaskClient, invoices: dict[str, int]) -> None:
    with app.app_context():
        before = snapshot()
    refused = [
        accountant.post(f"/invoices/{invoices['issued']}/pay", data={"paid_on": "2026-11-10", "reference": "X"}),
        accountant.post(f"/invoices/{invoices['issued']}/void", data={"reason": "no"}),
        accountant.post(f"/invoices/{invoices['draft']}/issue"),
        accountant.post(f"/admin/organizations/{invoices['acme']}/edit", data={"title": "Renamed"}),
        accountant.post("/admin/users/new", data={"email": "x@example.com", "role": "admin"}),
        accountant.get("/admin/users/"),
        accountant.get("/admin/tariffs/"),
        accountant.get(f"/organizations/{invoices['acme']}/invoices/preview"),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    with app.app_context():
        assert snapshot() == before
        invoice = db.session.get(Invoice, invoices["issued"])
        assert invoice is not None and invoice.status == "issued" and invoice.paid_on is None


def test_an_admin_assigns_the_role(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        user_id = make_user("ada@example.com").id
        db.session.commit()
    form = admin_client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)
    assert 'value="accountant"' in form
    response = admin_client.post(
        f"/admin/users/{user_id}/edit", data={"email": "ada@example.com", "name": "Ada", "role": "accountant"}
    )
    assert response.status_code == 302
    assert "Accountant" in admin_client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None and user.role == "accountant" and user.is_finance and not user.is_admin


def test_the_database_knows_the_role(app: Flask) -> None:
    with app.app_context():
        make_user("ada@example.com", role="accountant")
        db.session.commit()
        with pytest.raises(IntegrityError):
            make_user("eve@example.com", role="auditor")
        db.session.rollback()
        assert db.session.scalar(select(User.role).where(User.email == "ada@example.com")) == "accountant"


@pytest.mark.own_app
def test_the_guards(app: Flask) -> None:
    """finance_read/write let admins and accountants through; admin_required only admins."""

    def ok() -> str:
        return "ok"

    app.add_url_rule("/t/read", "t_read", finance_read_required(ok))
    app.add_url_rule("/t/write", "t_write", finance_write_required(ok), methods=["POST"])
    app.add_url_rule("/t/admin", "t_admin", admin_required(ok))
    app.add_url_rule("/t/user", "t_user", login_required(ok))
    with app.app_context():
        for email, role in (
            ("a@example.com", "admin"),
            ("b@example.com", "accountant"),
            ("c@example.com", "subscriber"),
        ):
            make_user(email, role=role)
        db.session.commit()
    seen = {}
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        client = app.test_client()
        assert login(client, email).status_code == 302
        seen[email] = (
            client.get("/t/read").status_code,
            client.post("/t/write").status_code,
            client.get("/t/admin").status_code,
            client.get("/t/user").status_code,
        )
    assert seen == {
        "a@example.com": (200, 200, 200, 200),
        "b@example.com": (200, 200, 403, 200),
        "c@example.com": (403, 403, 403, 200),
    }
    assert app.test_client().get("/t/read").status_code == 302  # anonymous: to the login page
