"""Large organizations: the Usages page and the invoice page show a page of cameras at a time
(every camera a click away and in the CSV and the PDF), formatted exactly as Babel would."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.billing import Period, month_period
from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Organization
from portal.templating import local_datetime, money_exact
from portal.usages.paging import PER_PAGE, RowFormat
from tests.factories import make_org, make_tariff
from tests.usages.helpers import use, utc

SEP = {"period": "custom", "start": "2026-09-01", "end": "2026-09-30"}
CAMERAS = PER_PAGE + 12


def _big(app: Flask) -> int:
    with app.app_context():
        org = make_org("Big", timezone="Europe/Berlin")
        tariff = make_tariff("Basic", price=900)
        for n in range(CAMERAS):
            use(org, tariff, utc(2026, 8, 20), utc(2026, 10, 5), name=f"cam-{n:03d}", title=f"Camera {n:03d}")
        db.session.commit()
        return org.id


def _rows(html: str, table: str = "usage-cameras") -> int:
    body = html.split(f'id="{table}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr>")


def test_usages_page_shows_one_page_of_cameras_and_links_the_rest(app: Flask, admin_client: FlaskClient) -> None:
    org_id = _big(app)
    url = f"/organizations/{org_id}/usages"
    first = admin_client.get(url, query_string=SEP).get_data(as_text=True)
    assert _rows(first) == PER_PAGE
    assert f"Cameras 1–{PER_PAGE} of {CAMERAS}" in first and "Page 1 of 2" in first
    assert "cam-000" in first and "cam-061" not in first
    assert first.count("<rect ") == PER_PAGE + 1  # the timeline shows the same cameras (+ one legend swatch)
    second = admin_client.get(url, query_string={**SEP, "page": "2"}).get_data(as_text=True)
    assert _rows(second) == CAMERAS - PER_PAGE and "cam-061" in second and "cam-000" not in second
    everything = admin_client.get(url, query_string={**SEP, "all": "1"}).get_data(as_text=True)
    assert _rows(everything) == CAMERAS and f"All {CAMERAS} cameras" in everything
    assert 'id="usage-total">€558.00<' in first and 'id="usage-total">€558.00<' in second
    rows = list(csv.reader(io.StringIO(admin_client.get(f"{url}.csv", query_string=SEP).get_data(as_text=True))))
    assert sum(1 for row in rows if row and row[0] == "camera") == CAMERAS


def test_invoice_page_pages_its_annex_and_print_has_all(app: Flask, admin_client: FlaskClient) -> None:
    org_id = _big(app)
    with app.app_context():
        invoice = create_invoice(db.session.get(Organization, org_id), _period(), utc(2026, 11, 2), issue=True)
        db.session.commit()
        invoice_id = invoice.id
    page = admin_client.get(f"/invoices/{invoice_id}").get_data(as_text=True)
    assert _rows(page, "invoice-annex") == PER_PAGE and f"Rows 1–{PER_PAGE} of {CAMERAS}" in page
    second = admin_client.get(f"/invoices/{invoice_id}?page=2").get_data(as_text=True)
    assert _rows(second, "invoice-annex") == CAMERAS - PER_PAGE
    printed = admin_client.get(f"/invoices/{invoice_id}/print").get_data(as_text=True)
    assert _rows(printed, "invoice-annex") == CAMERAS


def _period() -> Period:
    return month_period(2026, 9)


@pytest.mark.parametrize("currency", ["EUR", "USD", "JPY", "BHD", "RUB", "CHF", "KWD"])
def test_row_format_is_exactly_babel(app: Flask, currency: str) -> None:
    rng = random.Random(currency)
    fmt = RowFormat(currency, "America/St_Johns")
    assert fmt.fast
    values = [Decimal(f"{rng.randrange(0, 10**9)}.{rng.randrange(0, 10**6):06d}") for _ in range(300)]
    values += [Decimal("0"), Decimal("0.000000"), Decimal("1000"), Decimal("999.999999"), Decimal("-5.25")]
    with app.app_context():
        assert [fmt.money(v) for v in values] == [money_exact(v, currency) for v in values]
        instants = [utc(2026, 1, 1) + (utc(2026, 12, 31) - utc(2026, 1, 1)) * rng.random() for _ in range(300)]
        for zone in ("UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"):
            zoned = RowFormat(currency, zone)
            assert [zoned.when(t) for t in instants] == [local_datetime(t, zone) for t in instants]


def test_newfoundland_summer_time_reads_minus_two_thirty() -> None:
    assert local_datetime(utc(2026, 7, 22, 6), "America/St_Johns") == "2026-07-22 03:30 UTC-02:30"
    assert local_datetime(utc(2026, 1, 22, 6), "America/St_Johns") == "2026-01-22 02:30 UTC-03:30"
    assert local_datetime(utc(2026, 1, 22, 6), "Asia/Kolkata") == "2026-01-22 11:30 UTC+05:30"
    assert local_datetime(utc(2026, 1, 22, 6), "UTC") == "2026-01-22 06:00 UTC"
