"""Effective-dated prices: "Set a new price from DATE" and the price history."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Tariff
from tests.factories import make_service, make_tariff
from tests.tariffs.helpers import as_admin, counts, events, today


@pytest.fixture()
def tariff_id(app: Flask, client: FlaskClient) -> int:
    """An admin signed in and a EUR tariff priced €10.00 since 2020-01-01."""
    as_admin(app, client)
    with app.app_context():
        service = make_service("Archive", price=700)
        tid = make_tariff("Basic", price=1000, services=[service], price_mode="override").id
        db.session.commit()
    return tid


def _rows(html: str) -> list[str]:
    body = html.split('id="price-history"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)[1:]


def test_detail_prefills_the_current_price_in_override_mode(client: FlaskClient, tariff_id: int) -> None:
    html = client.get(f"/admin/tariffs/{tariff_id}").get_data(as_text=True)
    assert 'name="amount" type="text" value="10.00"' in html
    assert f'value="{today().isoformat()}"' in html
    assert "Set a new price from a date" in html


def test_new_version_is_added_and_history_marks_the_one_in_force(
    app: Flask, client: FlaskClient, tariff_id: int
) -> None:
    yesterday = today() - timedelta(days=1)
    response = client.post(
        f"/admin/tariffs/{tariff_id}/prices", data={"amount": "12.50", "effective_from": yesterday.isoformat()}
    )
    assert response.status_code == 302
    future = today() + timedelta(days=30)
    assert (
        client.post(
            f"/admin/tariffs/{tariff_id}/prices", data={"amount": "15", "effective_from": future.isoformat()}
        ).status_code
        == 302
    )
    with app.app_context():
        tariff = db.session.get(Tariff, tariff_id)
        assert tariff is not None
        assert [(p.effective_from, p.amount_minor) for p in tariff.prices] == [
            (date(2020, 1, 1), 1000),
            (yesterday, 1250),
            (future, 1500),
        ]
        assert tariff.price_on(today()).amount_minor == 1250  # type: ignore[union-attr]
    html = client.get(f"/admin/tariffs/{tariff_id}").get_data(as_text=True)
    rows = _rows(html)
    assert len(rows) == 3
    assert future.isoformat() in rows[0] and "€15.00" in rows[0] and "In force today" not in rows[0]
    assert yesterday.isoformat() in rows[1] and "€12.50" in rows[1] and "In force today" in rows[1]
    assert "table-success" in rows[1]
    assert "2020-01-01" in rows[2] and "In force today" not in rows[2]
    assert "boss@example.com" in rows[1]
    assert html.count("In force today") == 1
    first, second = events(app, "tariff.price_set")
    assert first["before"] == {"effective_from": "2020-01-01", "amount_minor": 1000}
    assert first["after"] == {"effective_from": yesterday.isoformat(), "amount_minor": 1250, "currency": "EUR"}
    assert second["before"] == {"effective_from": yesterday.isoformat(), "amount_minor": 1250}


def test_a_date_before_the_first_version_is_accepted(app: Flask, client: FlaskClient, tariff_id: int) -> None:
    assert (
        client.post(
            f"/admin/tariffs/{tariff_id}/prices", data={"amount": "9", "effective_from": "2019-06-01"}
        ).status_code
        == 302
    )
    with app.app_context():
        tariff = db.session.get(Tariff, tariff_id)
        assert tariff is not None
        assert [p.effective_from for p in tariff.prices] == [date(2019, 6, 1), date(2020, 1, 1)]
    [event] = events(app, "tariff.price_set")
    assert event["before"] is None


@pytest.mark.parametrize(
    "data, kept, message",
    [
        (
            {"amount": "11", "effective_from": "2020-01-01"},
            'value="11"',
            "A price from 2020-01-01 already exists; choose another date.",
        ),
        ({"amount": "1.234", "effective_from": "2026-05-01"}, 'value="1.234"', "EUR amounts take at most 2 decimals."),
        ({"amount": "-1", "effective_from": "2026-05-01"}, 'value="-1"', "The amount cannot be negative."),
        ({"amount": "abc", "effective_from": "2026-05-01"}, 'value="abc"', "Enter a number, e.g. 12.50."),
        ({"amount": "", "effective_from": "2026-05-01"}, 'value="2026-05-01"', "Enter an amount."),
        ({"amount": "11", "effective_from": "May 1st"}, 'value="May 1st"', "Not a valid date value."),
        ({"amount": "11", "effective_from": ""}, 'value="11"', "Enter a date, e.g. 2026-01-01."),
        ({"amount": "11", "effective_from": "2100-01-01"}, 'value="2100-01-01"', "Enter a date between 2000 and 2099."),
    ],
)
def test_price_form_errors_save_nothing_and_keep_input(
    app: Flask, client: FlaskClient, tariff_id: int, data: dict[str, Any], kept: str, message: str
) -> None:
    before = counts(app)
    response = client.post(f"/admin/tariffs/{tariff_id}/prices", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert kept in html
    assert counts(app) == before
    assert "Basic" in html and 'id="price-history"' in html


def test_jpy_tariff_takes_whole_amounts(app: Flask, client: FlaskClient, tariff_id: int) -> None:
    with app.app_context():
        yen_id = make_tariff("Yen", price=1000, currency="JPY", price_mode="override").id
        db.session.commit()
    html = client.post(
        f"/admin/tariffs/{yen_id}/prices", data={"amount": "1200.5", "effective_from": "2026-05-01"}
    ).get_data(as_text=True)
    assert "JPY amounts take no decimals." in html
    assert (
        client.post(
            f"/admin/tariffs/{yen_id}/prices", data={"amount": "1200", "effective_from": "2026-05-01"}
        ).status_code
        == 302
    )
    with app.app_context():
        tariff = db.session.get(Tariff, yen_id)
        assert tariff is not None and tariff.prices[-1].amount_minor == 1200


def test_sum_mode_prefills_the_current_sum_of_services(app: Flask, client: FlaskClient, tariff_id: int) -> None:
    with app.app_context():
        a, b = make_service("A", price=300), make_service("B", price=450)
        sum_id = make_tariff("Summed", price=300, services=[a, b]).id
        db.session.commit()
    html = client.get(f"/admin/tariffs/{sum_id}").get_data(as_text=True)
    assert 'name="amount" type="text" value="7.50"' in html
    assert "The services now add up to a different amount." in html
    assert "pre-filled with the current" in html
