"""Odd input gets a message or a sane page, never a 500."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from tests.factories import make_org, make_user

LISTS = [
    "/admin/services/",
    "/admin/tariffs/",
    "/admin/organizations/",
    "/admin/users/",
    "/admin/audit/",
    "/admin/sync/",
    "/invoices/",
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("page", ["99999999999999999999999", "-3", "abc", "0"])
def test_list_pages_survive_odd_page_numbers(admin_client: FlaskClient, path: str, page: str) -> None:
    assert admin_client.get(f"{path}?page={page}").status_code == 200


@pytest.mark.parametrize(
    "start, end", [("0001-01-01", "0001-01-02"), ("9999-12-01", "9999-12-31"), ("2026-10-31", "2026-10-01")]
)
def test_usages_refuses_odd_ranges_with_a_message(app: Flask, admin_client: FlaskClient, start: str, end: str) -> None:
    with app.app_context():
        org_id = make_org("Acme", owner=make_user("o@acme.example")).id
        db.session.commit()
    response = admin_client.get(f"/organizations/{org_id}/usages?period=custom&start={start}&end={end}")
    assert response.status_code in (200, 400)
    text = response.get_data(as_text=True)
    assert "is-invalid" in text or "alert" in text


@pytest.mark.parametrize("period", ["0001-01", "9999-12", "2026-13", "October"])
def test_billing_run_refuses_odd_periods(app: Flask, period: str) -> None:
    result = app.test_cli_runner().invoke(args=["billing", "run", "--period", period])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "--period" in result.output
