"""Hostile input gets a clear message on its field, is never stored and never causes a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.forms import PortalForm
from portal.inputs import strict_int
from tests.factories import make_user, row_counts
from tests.organizations.test_forms import valid

SERVICE = {
    "name": "Archive 7",
    "kind": "continuous_archive",
    "archive_days": "7",
    "archive_gb": "",
    "analytics": "",
    "monthly_price": "5.00",
    "currency": "EUR",
    "description": "",
}


def _owner(app: Flask) -> int:
    with app.app_context():
        owner = make_user("owner@example.com")
        db.session.commit()
        return owner.id


def _refused(app: Flask, client: FlaskClient, path: str, data: dict[str, object], message: str) -> None:
    with app.app_context():
        before = row_counts()
    response = client.post(path, data=data)
    assert response.status_code == 200, response.status_code
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert row_counts() == before


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("title", "Acme\x00Security", "Remove control characters"),
        ("title", "Acme\x1b[31mRed", "Remove control characters"),
        ("title", "Acme\nSecurity", "Use a single line here"),
        ("title", "A" * 5000, "Use at most 200 characters"),
        ("parent_id", "2147483648", "Enter a number between"),
        ("parent_id", "-99999999999", "Enter a whole number"),
        ("camera_limit", "1_000", "Enter a whole number"),
        ("camera_limit", "\u0661\u0662", "Enter a whole number"),
        ("camera_limit", "99999999999", "Enter a whole number"),
        ("billing_contact", "line one\x00", "Remove control characters"),
        ("owner_email", "x@example.com\x00", "Remove control characters"),
    ],
)
def test_organization_form_refuses(app: Flask, admin_client: FlaskClient, field: str, value: str, message: str) -> None:
    owner_id = _owner(app)
    _refused(app, admin_client, "/admin/organizations/new", valid(owner_id=owner_id, **{field: value}), message)


def test_line_breaks_stay_allowed_where_the_field_is_multi_line(app: Flask, admin_client: FlaskClient) -> None:
    owner_id = _owner(app)
    response = admin_client.post(
        "/admin/organizations/new", data=valid(owner_id=owner_id, billing_contact="Acme Ltd\r\n1 Main St\tBerlin")
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "N" * 5000, "Use at most 120 characters"),
        ("name", "\x00", "Remove control characters"),
        ("archive_days", "1_0", "Enter a whole number"),
        ("monthly_price", "1_000", "Enter a number"),
        ("description", "d" * 10_001, "Use at most 2000 characters"),
    ],
)
def test_service_form_refuses(app: Flask, admin_client: FlaskClient, field: str, value: str, message: str) -> None:
    _refused(app, admin_client, "/admin/services/new", {**SERVICE, field: value}, message)


def test_refused_input_is_shown_again(app: Flask, admin_client: FlaskClient) -> None:
    response = admin_client.post("/admin/services/new", data={**SERVICE, "name": "Archive\x07 7"})
    assert 'value="Archive' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/?q=%00",
        "/admin/organizations/?q=a%0d%0ab",
        "/invoices/?status=%1b",
        "/admin/audit/?actor=" + "a" * 3000,
    ],
)
def test_hostile_query_strings_get_a_400_page(admin_client: FlaskClient, path: str) -> None:
    response = admin_client.get(path)
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True) or "longer than" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/admin/users/2147483648", "/admin/organizations/99999999999999999999", "/invoices/4294967296/csv"]
)
def test_huge_ids_in_urls_are_not_found(admin_client: FlaskClient, path: str) -> None:
    assert admin_client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/invoices/?organization=99999999999",
        "/invoices/?organization=%C2%B2",
        "/admin/audit/?object_id=99999999999",
        "/admin/audit/?object_id=%C2%B2",
    ],
)
def test_odd_filters_are_ignored(admin_client: FlaskClient, path: str) -> None:
    assert admin_client.get(path).status_code == 200


def test_strict_int() -> None:
    assert strict_int("12") == 12 and strict_int(" -3 ") == -3 and strict_int("2147483647") == 2**31 - 1
    for bad in ("1_000", "\u00b2", "\u0661", "2147483648", "", "1e3", "0x10", None):
        assert strict_int(bad) is None, bad


def test_every_form_is_a_portal_form() -> None:
    """A new form cannot skip the guard: every FlaskForm in the portal derives from PortalForm."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import portal

    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name.endswith(("forms", "views")):
            importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(c) for c in found)) if found else found

    strays = [c for c in subclasses(FlaskForm) if c.__module__.startswith("portal.") and not issubclass(c, PortalForm)]
    assert strays == []


def test_external_auth_with_control_characters_is_a_plain_refusal(client: FlaskClient) -> None:
    response = client.get("/watcher/auth/whatever", query_string={"login": "a\x00@b.c", "password": "x"})
    assert response.status_code == 403
