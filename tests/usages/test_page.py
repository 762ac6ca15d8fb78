"""The Usages page and its CSV: numbers, periods, timeline, errors and tenant isolation."""

from __future__ import annotations

import csv
import io
import re

from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Organization
from tests.factories import add_member, login, make_org, make_tariff, make_user
from tests.usages.helpers import golden_september, use, utc

SEP = {"period": "custom", "start": "2026-09-01", "end": "2026-09-30"}


def _setup(app: Flask) -> tuple[int, int]:
    with app.app_context():
        org = make_org("Acme", billing_contact="Acme Ltd")
        child = make_org("Acme Branch", parent=org, invoice_to_parent=True)
        tariff = make_tariff("Basic", price=900)
        golden_september(org, tariff)
        use(child, make_tariff("Pro", price=3000), utc(2026, 9, 16), None, name="branch-cam")
        db.session.commit()
        return org.id, child.id


def test_page_shows_lines_rows_total_timeline(app: Flask, admin_client: FlaskClient) -> None:
    org_id, _ = _setup(app)
    response = admin_client.get(f"/organizations/{org_id}/usages", query_string=SEP)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "€30.00" in html and "€15.00" in html  # Basic line; Pro half a month
    assert 'id="usage-total">€45.00<' in html
    assert "Acme Branch" in html and "billed to this organization" in html
    assert "<svg" in html and 'fill="#' in html and "style=" not in html.split("<svg", 1)[1]
    assert "Ten days" in html and "10 d 00:00:00" in html
    assert "Trial share: 0.0000 camera-days" in html
    assert "Issue invoice" in html


def test_csv_has_camera_rows_and_lines(app: Flask, admin_client: FlaskClient) -> None:
    org_id, _ = _setup(app)
    response = admin_client.get(f"/organizations/{org_id}/usages.csv", query_string=SEP)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    cameras = [r for r in rows if r and r[0] == "camera"]
    assert len(cameras) == 5
    assert [
        "camera",
        "Acme",
        "part-0",
        "Ten days",
        "Basic",
        "no",
        "2026-09-11T00:00:00+00:00",
        "2026-09-21T00:00:00+00:00",
        "864000",
        "3.000000",
        "EUR",
    ] in cameras
    assert ["line", "Acme", "Basic", "no", "9.00", "4", "100.0000", "30.00", "EUR"] in rows
    assert rows[-1][0] == "total" and rows[-1][7] == "45.00"


def test_end_before_start_is_refused_with_a_message(app: Flask, admin_client: FlaskClient) -> None:
    org_id, _ = _setup(app)
    response = admin_client.get(
        f"/organizations/{org_id}/usages", query_string={"period": "custom", "start": "2026-09-30", "end": "2026-09-01"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The end date cannot be before the start date." in html and 'value="2026-09-30"' in html
    missing = admin_client.get(f"/organizations/{org_id}/usages", query_string={"period": "custom"})
    assert "Enter the first day of the range." in missing.get_data(as_text=True)
    assert (
        admin_client.get(
            f"/organizations/{org_id}/usages.csv",
            query_string={"period": "custom", "start": "2026-11-30", "end": "2026-11-01"},
        ).status_code
        == 400
    )


def test_this_and_last_month_choices(app: Flask, admin_client: FlaskClient) -> None:
    org_id, _ = _setup(app)
    for choice in ("this", "last"):
        response = admin_client.get(f"/organizations/{org_id}/usages", query_string={"period": choice})
        assert response.status_code == 200
        assert re.search(r"Period: \w{3} 1, \d{4} –", response.get_data(as_text=True))


def test_missing_price_is_a_readable_error(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        org = make_org("Early")
        use(
            org,
            make_tariff("Later", price=900, effective_from=utc(2026, 9, 20).date()),
            utc(2026, 9, 1),
            utc(2026, 9, 5),
        )
        db.session.commit()
        org_id = org.id
    response = admin_client.get(f"/organizations/{org_id}/usages", query_string=SEP)
    assert response.status_code == 200
    assert "cannot be priced" in response.get_data(as_text=True)
    assert "has no price effective on 2026-09-01" in response.get_data(as_text=True)


def test_subscriber_sees_own_usages_only(app: Flask, client: FlaskClient) -> None:
    org_id, child_id = _setup(app)
    with app.app_context():
        user = make_user("sub@example.com")
        other = make_org("Other")
        add_member(user, db.session.get(type(other), org_id), can_view_invoices=True)
        db.session.commit()
        other_id = other.id
    login(client, "sub@example.com")
    mine = client.get(f"/organizations/{org_id}/usages", query_string=SEP)
    assert mine.status_code == 200 and "Issue invoice" not in mine.get_data(as_text=True)
    assert 'id="usage-total">€45.00<' in mine.get_data(as_text=True)
    assert client.get(f"/organizations/{org_id}/usages.csv", query_string=SEP).status_code == 200
    assert client.get(f"/organizations/{other_id}/usages").status_code == 404
    assert client.get(f"/organizations/{other_id}/usages.csv").status_code == 404
    branch = client.get(f"/organizations/{child_id}/usages")  # a member only, not the owner
    assert branch.status_code == 404


def test_member_without_invoice_right_gets_404(app: Flask, client: FlaskClient) -> None:
    """Usages show prices and amounts: the cameras right alone is not enough (as for invoices)."""
    org_id, _ = _setup(app)
    with app.app_context():
        user = make_user("viewer@example.com")
        add_member(
            user,
            db.session.get(Organization, org_id),
            can_view_streams=True,
            can_view_stats=True,
            can_view_invoices=False,
        )
        db.session.commit()
    login(client, "viewer@example.com")
    assert client.get(f"/organizations/{org_id}/usages", query_string=SEP).status_code == 404
    assert client.get(f"/organizations/{org_id}/usages.csv", query_string=SEP).status_code == 404
    assert client.get(f"/organizations/{org_id}/usages").status_code == 404


def test_owner_of_parent_sees_subsidiary_usages(app: Flask, client: FlaskClient) -> None:
    org_id, child_id = _setup(app)
    with app.app_context():
        owner = make_user("owner@example.com")
        db.session.get(Organization, org_id).owner = owner
        db.session.commit()
    login(client, "owner@example.com")
    own = client.get(f"/organizations/{org_id}/usages", query_string=SEP)
    assert own.status_code == 200 and 'id="usage-total">€45.00<' in own.get_data(as_text=True)
    branch = client.get(f"/organizations/{child_id}/usages", query_string=SEP)
    assert branch.status_code == 200
    html = branch.get_data(as_text=True)
    assert "branch-cam" in html and "€15.00" in html
    csv_response = client.get(f"/organizations/{child_id}/usages.csv", query_string=SEP)
    assert csv_response.status_code == 200 and "branch-cam" in csv_response.get_data(as_text=True)
