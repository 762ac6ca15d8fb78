"""Admin pages for services: list, search, create, edit, detail, validation."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Service
from tests.factories import make_service


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Service)) or 0


VALID: dict[str, Any] = {
    "name": "Archive 30 days",
    "kind": "continuous_archive",
    "archive_days": "30",
    "monthly_price": "9.90",
    "currency": "EUR",
    "description": "Thirty days",
}


def test_create_service(app: Flask, admin_client: FlaskClient) -> None:
    response = admin_client.post("/admin/services/new", data=VALID, follow_redirects=True)
    assert response.status_code == 200
    assert "Service “Archive 30 days” saved." in response.get_data(as_text=True)
    assert "€9.90" in response.get_data(as_text=True)
    with app.app_context():
        service = db.session.scalar(select(Service))
        assert service is not None
        assert (service.monthly_price_minor, service.currency, service.archive_days) == (990, "EUR", 30)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "service.create"))
        assert event is not None and event.after["monthly_price_minor"] == 990
        assert event.actor_label == "admin@example.com"


@pytest.mark.parametrize(
    "change, field_message",
    [
        ({"name": ""}, "This field is required."),
        ({"monthly_price": "9.999"}, "EUR amounts take at most 2 decimals."),
        ({"monthly_price": "-1"}, "The amount cannot be negative."),
        ({"monthly_price": "ten"}, "Enter a number, e.g. 12.50."),
        ({"monthly_price": ""}, "Enter an amount."),
        ({"archive_days": ""}, "A continuous archive needs its depth in days."),
        ({"archive_days": "0"}, "Number must be between 1 and 3650."),
        ({"kind": "analytics", "analytics": ""}, "Choose which analytics this service provides."),
        (
            {"kind": "event_archive", "archive_days": "", "archive_gb": "20"},
            "An event archive needs the days its episodes are kept.",
        ),
        ({"kind": "archive_space", "archive_days": "", "archive_gb": ""}, "An archive space cap needs its size in GB."),
        ({"currency": "JPY", "monthly_price": "100.5"}, "JPY amounts take no decimals."),
    ],
)
def test_invalid_service_saves_nothing(
    app: Flask, admin_client: FlaskClient, change: dict[str, str], field_message: str
) -> None:
    data = {**VALID, **change}
    response = admin_client.post("/admin/services/new", data=data)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert field_message in text
    assert "is-invalid" in text
    if data["monthly_price"]:
        assert f'value="{data["monthly_price"]}"' in text
    assert _count(app) == 0


def test_duplicate_name_refused(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        make_service("Archive 30 days")
        db.session.commit()
    response = admin_client.post("/admin/services/new", data={**VALID, "name": "archive 30 DAYS"})
    assert "A service with this name already exists." in response.get_data(as_text=True)
    assert _count(app) == 1


def test_edit_service_records_before_and_after(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        service_id = make_service("Old name", price=500).id
        db.session.commit()
    page = admin_client.get(f"/admin/services/{service_id}/edit").get_data(as_text=True)
    assert 'value="5.00"' in page
    response = admin_client.post(
        f"/admin/services/{service_id}/edit", data={**VALID, "name": "New name", "monthly_price": "6,50"}
    )
    assert response.status_code == 302
    with app.app_context():
        service = db.session.get(Service, service_id)
        assert service is not None and service.name == "New name" and service.monthly_price_minor == 650
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "service.update"))
        assert event is not None
        assert event.before == {"name": "Old name", "monthly_price_minor": 500, "archive_days": 7, "description": ""}
        assert event.after["name"] == "New name" and event.after["monthly_price_minor"] == 650


def test_list_search_and_paging(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        for i in range(30):
            make_service(f"Svc {i:02d}")
        make_service("Faces", kind="analytics", analytics="faces")
        db.session.commit()
    first = admin_client.get("/admin/services/").get_data(as_text=True)
    assert "Svc 00" in first and "Svc 29" not in first and "31 in all" in first
    second = admin_client.get("/admin/services/?page=2").get_data(as_text=True)
    assert "Svc 29" in second
    found = admin_client.get("/admin/services/?q=fac").get_data(as_text=True)
    assert "Faces" in found and "Svc 01" not in found and "1 in all" in found


def test_detail_and_missing(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        service_id = make_service("Plates", kind="analytics", analytics="plates", price=1200).id
        db.session.commit()
    text = admin_client.get(f"/admin/services/{service_id}").get_data(as_text=True)
    assert "Licence plates" in text and "€12.00" in text
    assert admin_client.get("/admin/services/9999").status_code == 404


def test_price_larger_than_the_column_is_refused(app: Flask, admin_client: FlaskClient) -> None:
    """A price past a 32-bit column gets a message, not a database error on PostgreSQL."""
    response = admin_client.post("/admin/services/new", data={**VALID, "monthly_price": "99999999999"})
    assert "The amount is too large." in response.get_data(as_text=True)
    assert _count(app) == 0


def test_form_explains_each_kind_in_a_sentence(admin_client: FlaskClient) -> None:
    from portal.models.tariff import KIND_HELP

    text = admin_client.get("/admin/services/new").get_data(as_text=True)
    for sentence in KIND_HELP.values():
        assert sentence in text
    for field in ("dvr.expiration", "dvr.episodes_expiration", "dvr.storage_limit", "vision.alg"):
        assert field in text
