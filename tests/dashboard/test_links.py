"""Links to other features appear only when their endpoints exist, and pages render either way."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, url_for
from flask.testing import FlaskClient

from portal.dashboard.helpers import endpoint_url, has_endpoint
from portal.extensions import db
from tests.dashboard.data import make_camera, make_invoice
from tests.factories import login, make_org, make_tariff, make_user


def _stub_blueprints(app: Flask) -> None:
    """Stand-ins for the usages and invoices pages, for apps where those have not landed yet."""
    if not has_endpoint_in(app, "usages.show"):
        usages = Blueprint("usages", __name__)
        usages.add_url_rule("/organizations/<int:organization_id>/usages", "show", lambda organization_id: "u")
        app.register_blueprint(usages)
    if not has_endpoint_in(app, "invoices.pdf"):
        invoices = Blueprint("invoices", __name__)
        invoices.add_url_rule("/invoices/", "index", lambda: "i")
        invoices.add_url_rule("/invoices/<int:invoice_id>", "detail", lambda invoice_id: "d")
        invoices.add_url_rule("/invoices/<int:invoice_id>.pdf", "pdf", lambda invoice_id: "p")
        app.register_blueprint(invoices)


def has_endpoint_in(app: Flask, name: str) -> bool:
    """Whether ``app`` has ``name``, outside a request."""
    return name in app.view_functions


def _subscriber_with_invoice(app: Flask) -> tuple[int, int]:
    with app.app_context():
        org = make_org("Acme", owner=make_user("sub@example.com"))
        make_camera(org, make_tariff("Basic"))
        invoice = make_invoice(org, 1234)
        db.session.commit()
        return org.id, invoice.id


def test_helpers_answer_for_missing_and_unbuildable_endpoints(app: Flask) -> None:
    with app.test_request_context():
        assert has_endpoint("dashboard.index") and not has_endpoint("nothing.here")
        assert endpoint_url("nothing.here") is None and endpoint_url(None) is None
        assert endpoint_url("dashboard.organization") is None  # missing argument: no link, no crash
        assert endpoint_url("dashboard.organization", organization_id=7) == "/my/organizations/7"


def test_links_when_the_pages_exist(app: Flask, client: FlaskClient) -> None:
    _stub_blueprints(app)
    org_id, invoice_id = _subscriber_with_invoice(app)
    login(client, "sub@example.com")
    with app.test_request_context():
        expected = [
            url_for("usages.show", organization_id=org_id),
            url_for("invoices.pdf", invoice_id=invoice_id),
            url_for("invoices.detail", invoice_id=invoice_id),
            url_for("invoices.index", organization=org_id),
        ]
    for path in ("/", f"/my/organizations/{org_id}"):
        html = client.get(path).data.decode().replace("&amp;", "&")
        for href in expected:
            assert f'href="{href}"' in html, href


def test_pages_render_without_those_pages(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide the usages and invoices endpoints (landed or not): no link, no crash, same figures."""
    monkeypatch.setattr(
        app,
        "view_functions",
        {name: view for name, view in app.view_functions.items() if not name.startswith(("usages.", "invoices."))},
    )
    org_id, _ = _subscriber_with_invoice(app)
    login(client, "sub@example.com")
    for path in ("/", f"/my/organizations/{org_id}"):
        page = client.get(path)
        assert page.status_code == 200 and b"usages" not in page.data and b".pdf" not in page.data
        assert "€12.34" in page.data.decode()
