"""Consolidation waits for every zone; an invoice keeps the zone and instants it was computed in."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.billing import month_period
from portal.extensions import db
from portal.invoices.run import billing_run
from portal.invoices.service import PeriodNotOver, create_invoice
from portal.models import Invoice, Organization
from tests.factories import make_org, make_tariff
from tests.usages.helpers import use, utc

APRIL = month_period(2026, 4)
#: 00:30 on May 1 in Madrid, 12:30 on April 30 in Honolulu.
EARLY = utc(2026, 4, 30, 22, 30)
#: April is over in Honolulu (UTC-10) at 10:00 UTC on May 1.
OVER = utc(2026, 5, 1, 10)


def _group(app: Flask) -> tuple[int, int]:
    """Parent in Madrid, a subsidiary in Honolulu billed to it; €10.00 a camera-month each."""
    with app.app_context():
        parent = make_org("Madrid HQ", timezone="Europe/Madrid")
        child = make_org("Aloha Branch", parent=parent, timezone="Pacific/Honolulu", invoice_to_parent=True)
        tariff = make_tariff("Ten", price=1000)
        use(parent, tariff, utc(2026, 3, 1), None, name="hq-1")
        use(child, tariff, utc(2026, 3, 1), None, name="aloha-1")
        db.session.commit()
        return parent.id, child.id


def test_consolidated_invoice_waits_for_the_last_zone(app: Flask) -> None:
    parent_id, _child = _group(app)
    with app.app_context():
        parent = db.session.get(Organization, parent_id)
        with pytest.raises(PeriodNotOver) as early:
            create_invoice(parent, APRIL, EARLY, issue=True)
        assert "not over yet in Pacific/Honolulu" in early.value.message
        assert "2026-05-01 10:00 UTC" in early.value.message
        db.session.rollback()
        invoice = create_invoice(db.session.get(Organization, parent_id), APRIL, OVER, issue=True)
        db.session.commit()
        assert invoice.total_minor == 2000  # both cameras, a full month each: 10.00 + 10.00
        assert [line.amount_minor for line in invoice.lines] == [1000, 1000]


def test_billing_run_waits_too_and_issues_on_a_later_pass(app: Flask) -> None:
    _group(app)
    with app.app_context():
        first = billing_run(APRIL, EARLY)
        assert first.created == 0 and not first.errors
        assert first.waiting == [
            "Madrid HQ (from 2026-05-01 10:00 UTC (the end of the period in Pacific/Honolulu, Aloha Branch))"
        ]
        assert db.session.scalar(db.select(db.func.count()).select_from(Invoice)) == 0
        second = billing_run(APRIL, OVER)
        assert len(second.issued) == 1 and second.totals["EUR"] == 2000


def test_usages_page_says_when_the_period_can_be_invoiced(app: Flask, admin_client: FlaskClient) -> None:
    parent_id, _child = _group(app)
    args = {"period": "custom", "start": "2099-04-01", "end": "2099-04-30"}
    html = admin_client.get(f"/organizations/{parent_id}/usages", query_string=args).get_data(as_text=True)
    assert (
        "Not over yet: this period can be invoiced from 2099-05-01 10:00 UTC (the end of the period in "
        "Pacific/Honolulu, Aloha Branch)."
    ) in html
    args = {"period": "custom", "start": "2026-04-01", "end": "2026-04-30"}
    html = admin_client.get(f"/organizations/{parent_id}/usages", query_string=args).get_data(as_text=True)
    assert "This period is over in every time zone of the organizations on the invoice: it can be invoiced." in html
