"""The tariff list (search, paging, archived filter) and who may see tariff pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from tests.factories import login, make_tariff, make_user
from tests.tariffs.helpers import as_admin


@pytest.fixture()
def app_config() -> dict[str, Any]:
    return {"PER_PAGE": 5}


def test_search_and_archived_filter(app: Flask, client: FlaskClient) -> None:
    as_admin(app, client)
    with app.app_context():
        make_tariff("Home basic", price=990, note="for flats")
        make_tariff("Shop", note="retail, home delivery")
        make_tariff("Home archive", is_archived=True)
        make_tariff("Office")
        db.session.commit()
    html = client.get("/admin/tariffs/").get_data(as_text=True)
    assert "Home basic" in html and "Shop" in html and "Office" in html and "€9.90" in html
    assert "Home archive" not in html
    html = client.get("/admin/tariffs/?q=HOME").get_data(as_text=True)
    assert "Home basic" in html and "Shop" in html  # name or note
    assert "Office" not in html and "Home archive" not in html
    html = client.get("/admin/tariffs/?q=home&archived=1").get_data(as_text=True)
    assert "Home archive" in html and "Archived" in html and "checked" in html
    html = client.get("/admin/tariffs/?q=nothing-like-this").get_data(as_text=True)
    assert "No tariffs match “nothing-like-this”." in html


def test_paging(app: Flask, client: FlaskClient) -> None:
    as_admin(app, client)
    with app.app_context():
        for n in range(12):
            make_tariff(f"Plan {n:02d}")
        make_tariff("Plan zz archived", is_archived=True)
        db.session.commit()
    first = client.get("/admin/tariffs/").get_data(as_text=True)
    assert "Plan 00" in first and "Plan 04" in first and "Plan 05" not in first
    assert "12 in all" in first
    assert "/admin/tariffs/?page=3" in first
    third = client.get("/admin/tariffs/?page=3").get_data(as_text=True)
    assert "Plan 10" in third and "Plan 11" in third and "Plan 09" not in third
    with_archived = client.get("/admin/tariffs/?archived=1&page=3").get_data(as_text=True)
    assert "13 in all" in with_archived and "Plan zz archived" in with_archived
    assert "archived=1" in with_archived.split('aria-label="Pages"', 1)[1]
    assert client.get("/admin/tariffs/?page=99").status_code == 200


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/admin/tariffs/"),
        ("get", "/admin/tariffs/new"),
        ("post", "/admin/tariffs/new"),
        ("get", "/admin/tariffs/{id}"),
        ("get", "/admin/tariffs/{id}/edit"),
        ("post", "/admin/tariffs/{id}/edit"),
        ("post", "/admin/tariffs/{id}/prices"),
        ("post", "/admin/tariffs/{id}/archive"),
        ("post", "/admin/tariffs/{id}/unarchive"),
        ("post", "/admin/tariffs/{id}/delete"),
    ],
)
def test_subscriber_gets_403(app: Flask, client: FlaskClient, method: str, url: str) -> None:
    with app.app_context():
        make_user("sub@example.com")
        tariff_id = make_tariff("Basic").id
        db.session.commit()
    login(client, "sub@example.com")
    response = getattr(client, method)(url.format(id=tariff_id), data={"name": "Hacked"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(db.metadata.tables["tariffs"])) == 1


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/admin/tariffs/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
