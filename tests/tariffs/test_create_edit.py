"""Creating and editing tariffs: success paths and every validation error."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Service, Tariff
from tests.factories import make_service, make_tariff
from tests.tariffs.helpers import as_admin, counts, events, today


@pytest.fixture()
def catalog(app: Flask, client: FlaskClient) -> dict[str, int]:
    """An admin signed in, two EUR services and one USD service."""
    as_admin(app, client)
    with app.app_context():
        ids = {
            "days": make_service("Archive 7 days", price=500).id,
            "faces": make_service("Faces", price=250, kind="analytics", analytics="faces").id,
            "usd": make_service("US archive", price=400, currency="USD").id,
        }
        db.session.commit()
    return ids


def _post(client: FlaskClient, url: str = "/admin/tariffs/new", **overrides: Any) -> Any:
    data: dict[str, Any] = {
        "name": "Basic",
        "note": "",
        "currency": "EUR",
        "services": [],
        "price_mode": "sum",
        "override_price": "",
        "effective_from": "2026-03-01",
    }
    data.update(overrides)
    return client.post(url, data=data)


def _selected(html: str, service_id: int) -> bool:
    return (
        re.search(rf'<option[^>]*selected[^>]*value="{service_id}"|<option[^>]*value="{service_id}"[^>]*selected', html)
        is not None
    )


def test_new_form_defaults_to_today_and_default_currency(
    app: Flask, client: FlaskClient, catalog: dict[str, int]
) -> None:
    html = client.get("/admin/tariffs/new").get_data(as_text=True)
    assert f'value="{today().isoformat()}"' in html
    assert '<option selected value="EUR">' in html
    assert "Archive 7 days — €5.00 / month" in html


def test_create_in_sum_mode_prices_the_sum_from_the_given_date(
    app: Flask, client: FlaskClient, catalog: dict[str, int]
) -> None:
    response = _post(
        client, name="Basic", note="For shops", services=[catalog["days"], catalog["faces"]], is_default_offer="y"
    )
    assert response.status_code == 302
    with app.app_context():
        tariff = db.session.scalars(db.select(Tariff)).one()
        assert response.headers["Location"].endswith(f"/admin/tariffs/{tariff.id}")
        assert (tariff.name, tariff.note, tariff.currency, tariff.price_mode) == ("Basic", "For shops", "EUR", "sum")
        assert tariff.is_default_offer and not tariff.is_archived
        assert sorted(s.name for s in tariff.services) == ["Archive 7 days", "Faces"]
        assert [(p.effective_from, p.amount_minor, p.currency) for p in tariff.prices] == [
            (date(2026, 3, 1), 750, "EUR")
        ]
        assert tariff.prices[0].created_by_id is not None
    [event] = events(app, "tariff.create")
    assert event["before"] is None
    assert event["after"]["name"] == "Basic"
    assert event["after"]["services"] == ["Archive 7 days", "Faces"]
    assert event["after"]["price"] == {"effective_from": "2026-03-01", "amount_minor": 750}
    assert event["actor"] == "boss@example.com"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tariff “Basic” created." in page
    assert "€7.50" in page


def test_create_with_override_price(app: Flask, client: FlaskClient, catalog: dict[str, int]) -> None:
    response = _post(client, name="Premium", services=[catalog["days"]], price_mode="override", override_price="19,90")
    assert response.status_code == 302
    with app.app_context():
        tariff = db.session.scalars(db.select(Tariff)).one()
        assert tariff.price_mode == "override"
        assert [(p.effective_from, p.amount_minor) for p in tariff.prices] == [(date(2026, 3, 1), 1990)]


def test_override_mode_needs_no_service(app: Flask, client: FlaskClient, catalog: dict[str, int]) -> None:
    assert _post(client, name="Live only", price_mode="override", override_price="3").status_code == 302
    assert counts(app)[:2] == (1, 1)


@pytest.mark.parametrize(
    "overrides, field_value, message",
    [
        ({"name": ""}, None, "Enter a name."),
        ({"name": "x" * 121}, None, "Field cannot be longer than 120 characters."),
        (
            {"price_mode": "override", "override_price": ""},
            None,
            "Enter the override price, or choose the sum of services.",
        ),
        (
            {"price_mode": "override", "override_price": "12.345"},
            'value="12.345"',
            "EUR amounts take at most 2 decimals.",
        ),
        ({"price_mode": "override", "override_price": "-5"}, 'value="-5"', "The amount cannot be negative."),
        ({"price_mode": "override", "override_price": "ten"}, 'value="ten"', "Enter a number, e.g. 12.50."),
        (
            {"price_mode": "override", "override_price": "5.5", "currency": "JPY"},
            'value="5.5"',
            "JPY amounts take no decimals.",
        ),
        ({"effective_from": "2026-13-45"}, 'value="2026-13-45"', "Not a valid date value."),
        ({"effective_from": ""}, None, "Enter a date, e.g. 2026-01-01."),
        ({"effective_from": "1999-12-31"}, 'value="1999-12-31"', "Enter a date between 2000 and 2099."),
        ({"price_mode": "bogus"}, None, "Not a valid choice."),
        ({"currency": "XXX"}, None, "Not a valid choice."),
    ],
)
def test_create_form_errors_save_nothing_and_keep_input(
    app: Flask,
    client: FlaskClient,
    catalog: dict[str, int],
    overrides: dict[str, Any],
    field_value: str | None,
    message: str,
) -> None:
    before = counts(app)
    data = {"name": "Kept name", "note": "kept note", "services": [catalog["days"]], **overrides}
    response = _post(client, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'class="invalid-feedback d-block"' in html or "invalid-feedback" in html
    assert counts(app) == before
    assert "kept note" in html
    if data["name"] == "Kept name":
        assert 'value="Kept name"' in html
    if field_value:
        assert field_value in html
    assert _selected(html, catalog["days"])


def test_create_refuses_services_in_another_currency(app: Flask, client: FlaskClient, catalog: dict[str, int]) -> None:
    before = counts(app)
    response = _post(client, name="Mixed", services=[catalog["days"], catalog["usd"]])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "All services must be priced in EUR; not so: US archive (USD)." in html
    assert counts(app) == before
    assert 'value="Mixed"' in html
    assert _selected(html, catalog["days"]) and _selected(html, catalog["usd"])


def test_create_in_sum_mode_needs_a_service(app: Flask, client: FlaskClient, catalog: dict[str, int]) -> None:
    before = counts(app)
    html = _post(client, name="Empty", services=[]).get_data(as_text=True)
    assert "Choose at least one service, or give the tariff a price of its own." in html
    assert counts(app) == before


def test_create_refuses_unknown_service(app: Flask, client: FlaskClient, catalog: dict[str, int]) -> None:
    before = counts(app)
    html = _post(client, name="Ghost", services=[catalog["days"], 9999]).get_data(as_text=True)
    assert "A chosen service no longer exists; choose again." in html
    assert _selected(html, catalog["days"])
    assert counts(app) == before


def test_create_refuses_duplicate_name_whatever_the_case(
    app: Flask, client: FlaskClient, catalog: dict[str, int]
) -> None:
    with app.app_context():
        make_tariff("Basic")
        db.session.commit()
    before = counts(app)
    html = _post(client, name="  bASIC ", services=[catalog["days"]]).get_data(as_text=True)
    assert "A tariff with this name already exists." in html
    assert counts(app) == before
    assert 'value="  bASIC "' in html


def test_edit_changes_services_but_never_the_price(app: Flask, client: FlaskClient, catalog: dict[str, int]) -> None:
    with app.app_context():
        days = db.session.get(Service, catalog["days"])
        tariff = make_tariff("Basic", price=500, services=[days])
        db.session.commit()
        tariff_id = tariff.id
    form = client.get(f"/admin/tariffs/{tariff_id}/edit").get_data(as_text=True)
    assert "Saving does <strong>not</strong> change the tariff’s price" in form
    assert 'name="currency"' not in form and "override_price" not in form
    response = client.post(
        f"/admin/tariffs/{tariff_id}/edit",
        data={
            "name": "Basic plus",
            "note": "now with faces",
            "services": [catalog["days"], catalog["faces"]],
            "price_mode": "sum",
            "is_default_offer": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        tariff = db.session.get(Tariff, tariff_id)
        assert tariff is not None
        assert tariff.name == "Basic plus" and tariff.is_default_offer
        assert [p.amount_minor for p in tariff.prices] == [500]
    [event] = events(app, "tariff.update")
    assert event["object_id"] == tariff_id
    assert event["before"] == {"name": "Basic", "note": "", "is_default_offer": False, "services": ["Archive 7 days"]}
    assert event["after"] == {
        "name": "Basic plus",
        "note": "now with faces",
        "is_default_offer": True,
        "services": ["Archive 7 days", "Faces"],
    }
    page = client.get(f"/admin/tariffs/{tariff_id}").get_data(as_text=True)
    assert "Its price is unchanged" in page
    assert "The services now add up to a different amount." in page
    assert 'name="amount" type="text" value="7.50"' in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"name": ""}, "Enter a name."),
        ({"name": "OTHER"}, "A tariff with this name already exists."),
        ({"services": "usd"}, "All services must be priced in EUR; not so: US archive (USD)."),
        ({"services": []}, "Choose at least one service, or give the tariff a price of its own."),
    ],
)
def test_edit_errors_save_nothing(
    app: Flask, client: FlaskClient, catalog: dict[str, int], overrides: dict[str, Any], message: str
) -> None:
    with app.app_context():
        tariff_id = make_tariff("Basic").id
        make_tariff("Other")
        db.session.commit()
    before = counts(app)
    data: dict[str, Any] = {"name": "Renamed", "note": "typed note", "services": [catalog["days"]], "price_mode": "sum"}
    data.update(overrides)
    if data["services"] == "usd":
        data["services"] = [catalog["days"], catalog["usd"]]
    response = client.post(f"/admin/tariffs/{tariff_id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert "typed note" in html
    assert counts(app) == before
    with app.app_context():
        tariff = db.session.get(Tariff, tariff_id)
        assert tariff is not None and tariff.name == "Basic" and tariff.note == "" and tariff.services == []


def test_archived_tariff_cannot_be_offered_by_default(app: Flask, client: FlaskClient, catalog: dict[str, int]) -> None:
    with app.app_context():
        tariff_id = make_tariff("Old", is_archived=True, price_mode="override").id
        db.session.commit()
    html = client.post(
        f"/admin/tariffs/{tariff_id}/edit", data={"name": "Old", "price_mode": "override", "is_default_offer": "y"}
    ).get_data(as_text=True)
    assert "An archived tariff cannot be offered by default; un-archive it first." in html
    with app.app_context():
        tariff = db.session.get(Tariff, tariff_id)
        assert tariff is not None and not tariff.is_default_offer
