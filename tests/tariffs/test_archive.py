"""Archive, un-archive and delete: a tariff in use is archived, never deleted."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Camera, Invoice, InvoiceLine, Organization, Tariff, TariffPrice, tariff_services
from portal.tariffs.service import active_tariffs, default_offer_tariffs
from tests.factories import PASSWORD, make_admin, make_org, make_service, make_tariff
from tests.tariffs.helpers import as_admin, counts, events, make_usage


def _allowed(org: Organization, tariff: Tariff) -> None:
    org.allowed_tariffs.append(tariff)


def _used_by_interval(org: Organization, tariff: Tariff) -> None:
    make_usage(org, tariff)


def _camera_on_it(org: Organization, tariff: Tariff) -> None:
    db.session.add(Camera(name="cam-x", organization_id=org.id, tariff_id=tariff.id))


def _on_invoice(org: Organization, tariff: Tariff) -> None:
    invoice = Invoice(
        organization_id=org.id, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), currency="EUR"
    )
    invoice.lines.append(
        InvoiceLine(
            position=1,
            tariff_id=tariff.id,
            description="x",
            unit_price_minor=0,
            cameras=0,
            camera_days="0",
            amount_minor=0,
        )
    )
    db.session.add(invoice)


@pytest.mark.parametrize("use", [_allowed, _used_by_interval, _camera_on_it, _on_invoice])
def test_used_tariff_cannot_be_deleted_but_can_be_archived(
    app: Flask, client: FlaskClient, use: Callable[[Organization, Tariff], None]
) -> None:
    as_admin(app, client)
    with app.app_context():
        tariff = make_tariff("Busy", is_default_offer=True)
        use(make_org("Acme"), tariff)
        db.session.commit()
        tariff_id = tariff.id
    page = client.get(f"/admin/tariffs/{tariff_id}").get_data(as_text=True)
    assert f"/admin/tariffs/{tariff_id}/delete" not in page
    assert "can be archived, not deleted" in page
    assert "Watcher: pending sync" in page
    before = counts(app)
    response = client.post(f"/admin/tariffs/{tariff_id}/delete", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "“Busy” is in use (" in html and "cannot be deleted; archive it instead." in html
    assert counts(app) == before
    with app.app_context():
        tariff = db.session.get(Tariff, tariff_id)
        assert tariff is not None and not tariff.is_archived
    assert events(app, "tariff.delete") == []

    response = client.post(f"/admin/tariffs/{tariff_id}/archive", follow_redirects=True)
    assert "Tariff “Busy” archived." in response.get_data(as_text=True)
    with app.app_context():
        tariff = db.session.get(Tariff, tariff_id)
        assert tariff is not None and tariff.is_archived and tariff.archived_at is not None
        assert not tariff.is_default_offer
        assert active_tariffs() == [] and default_offer_tariffs() == []
    [event] = events(app, "tariff.archive")
    assert event["before"] == {"is_archived": False, "is_default_offer": True}
    assert event["after"] == {"is_archived": True, "is_default_offer": False}


def test_allowed_organizations_are_listed_and_kept_on_archive(app: Flask, client: FlaskClient) -> None:
    as_admin(app, client)
    with app.app_context():
        tariff = make_tariff("Busy")
        acme, zeta = make_org("Acme"), make_org("Zeta")
        acme.allowed_tariffs.append(tariff)
        zeta.allowed_tariffs.append(tariff)
        db.session.commit()
        tariff_id = tariff.id
    html = client.get(f"/admin/tariffs/{tariff_id}").get_data(as_text=True)
    assert "<li>Acme</li>" in html and "<li>Zeta</li>" in html
    assert "2 organizations" in html
    client.post(f"/admin/tariffs/{tariff_id}/archive")
    html = client.get(f"/admin/tariffs/{tariff_id}").get_data(as_text=True)
    assert "<li>Acme</li>" in html and "cannot be newly allowed to organizations" in html


def test_unarchive_brings_the_tariff_back(app: Flask, client: FlaskClient) -> None:
    as_admin(app, client)
    with app.app_context():
        tariff_id = make_tariff("Old").id
        make_tariff("Other EUR")
        make_tariff("Dollar", currency="USD")
        db.session.commit()
    client.post(f"/admin/tariffs/{tariff_id}/archive")
    with app.app_context():
        assert [t.name for t in active_tariffs()] == ["Dollar", "Other EUR"]
        assert [t.name for t in active_tariffs("EUR")] == ["Other EUR"]
    page = client.get(f"/admin/tariffs/{tariff_id}").get_data(as_text=True)
    assert f"/admin/tariffs/{tariff_id}/unarchive" in page
    response = client.post(f"/admin/tariffs/{tariff_id}/unarchive", follow_redirects=True)
    assert "Tariff “Old” is active again." in response.get_data(as_text=True)
    with app.app_context():
        tariff = db.session.get(Tariff, tariff_id)
        assert tariff is not None and not tariff.is_archived and tariff.archived_at is None
        assert "Old" in [t.name for t in active_tariffs()]
    [event] = events(app, "tariff.unarchive")
    assert event["before"] == {"is_archived": True} and event["after"] == {"is_archived": False}
    again = client.post(f"/admin/tariffs/{tariff_id}/unarchive", follow_redirects=True)
    assert "The tariff is not archived." in again.get_data(as_text=True)


def test_never_used_tariff_is_deleted(app: Flask, client: FlaskClient) -> None:
    as_admin(app, client)
    with app.app_context():
        service = make_service("Archive")
        tariff_id = make_tariff("Unused", price=990, services=[service]).id
        db.session.commit()
    page = client.get(f"/admin/tariffs/{tariff_id}").get_data(as_text=True)
    assert f"/admin/tariffs/{tariff_id}/delete" in page
    response = client.post(f"/admin/tariffs/{tariff_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/tariffs/")
    with app.app_context():
        assert db.session.get(Tariff, tariff_id) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(TariffPrice)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(tariff_services)) == 0
    [event] = events(app, "tariff.delete")
    assert event["object_id"] == tariff_id and event["after"] is None
    assert event["before"]["name"] == "Unused"
    assert event["before"]["prices"] == [{"effective_from": "2020-01-01", "amount_minor": 990}]
    assert "Tariff “Unused” deleted." in client.get("/admin/tariffs/").get_data(as_text=True)


def test_unknown_tariff_is_404(app: Flask, client: FlaskClient) -> None:
    as_admin(app, client)
    for url in ("/admin/tariffs/999", "/admin/tariffs/999/edit"):
        assert client.get(url).status_code == 404
    for url in ("/archive", "/unarchive", "/delete", "/prices"):
        assert client.post("/admin/tariffs/999" + url).status_code == 404


class TestWithCsrf:
    @pytest.fixture()
    def app_config(self) -> dict[str, bool]:
        return {"WTF_CSRF_ENABLED": True}

    def test_actions_carry_a_csrf_token_and_refuse_without_one(self, app: Flask, client: FlaskClient) -> None:
        with app.app_context():
            tariff_id = make_tariff("Basic").id
            db.session.commit()
        TestWithCsrf._login(app, client)
        page = client.get(f"/admin/tariffs/{tariff_id}").get_data(as_text=True)
        assert page.count('name="csrf_token"') >= 4  # sign out, archive, delete, set price
        for action in ("archive", "delete", "prices"):
            assert client.post(f"/admin/tariffs/{tariff_id}/{action}").status_code == 400
        with app.app_context():
            tariff = db.session.get(Tariff, tariff_id)
            assert tariff is not None and not tariff.is_archived and len(tariff.prices) == 1

    @staticmethod
    def _login(app: Flask, client: FlaskClient) -> None:
        with app.app_context():
            make_admin("boss@example.com")
            db.session.commit()
        form = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
        assert token is not None
        response = client.post(
            "/login", data={"email": "boss@example.com", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert response.status_code == 302
