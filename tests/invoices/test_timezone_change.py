"""A time-zone change after an issued invoice: the invoice keeps its zone and instants, and the
first period not yet invoiced starts where the last one ended (no instant billed twice or skipped)."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from portal.billing import month_period
from portal.extensions import db
from portal.invoices.service import create_invoice, void_invoice
from portal.models import Invoice, InvoiceCoverage, Organization
from portal.models.coverage_rules import COVERAGE_MESSAGE
from tests.factories import make_org, make_tariff
from tests.usages.helpers import use, utc

OCT, NOV = month_period(2026, 10), month_period(2026, 11)
AFTER_OCT, AFTER_NOV = utc(2026, 11, 2, 9), utc(2026, 12, 2, 12)


def _harbor(app: Flask) -> tuple[int, int]:
    """Harbor Clinic (Europe/London), harbor-reception running since September at €31.00 a month;
    October issued.  Returns (organization id, October invoice id)."""
    with app.app_context():
        org = make_org("Harbor Clinic", timezone="Europe/London")
        use(org, make_tariff("Clinic", price=3100), utc(2026, 9, 1), None, name="harbor-reception")
        october = create_invoice(org, OCT, AFTER_OCT, issue=True)
        db.session.commit()
        return org.id, october.id


def _coverage(invoice_id: int) -> list[tuple[datetime, datetime, str]]:
    return [
        (c.start_at, c.end_at, c.timezone)
        for c in db.session.scalars(select(InvoiceCoverage).where(InvoiceCoverage.invoice_id == invoice_id))
    ]


def _rezone(app: Flask, org_id: int, zone: str) -> None:
    with app.app_context():
        db.session.get(Organization, org_id).timezone = zone
        db.session.commit()


def test_issued_invoice_keeps_its_zone_and_instants(app: Flask, admin_client: FlaskClient) -> None:
    org_id, october_id = _harbor(app)
    before = admin_client.get(f"/invoices/{october_id}").get_data(as_text=True)
    assert "Oct 1, 2026 – Oct 31, 2026 (Europe/London)" in before
    _rezone(app, org_id, "Pacific/Kiritimati")
    after = admin_client.get(f"/invoices/{october_id}").get_data(as_text=True)
    assert "Oct 1, 2026 – Oct 31, 2026 (Europe/London)" in after and "Kiritimati" not in after
    assert "billed from 2026-09-30 23:00 UTC to 2026-11-01 00:00 UTC" in after
    assert "2026-10-01 00:00 UTC+01:00" in after  # the annex, still in London time
    with app.app_context():
        october = db.session.get(Invoice, october_id)
        assert october.timezone == "Europe/London"
        assert (october.period_start_at, october.period_end_at) == (utc(2026, 9, 30, 23), utc(2026, 11, 1))


def test_moving_east_bills_no_hour_twice(app: Flask) -> None:
    org_id, october_id = _harbor(app)
    _rezone(app, org_id, "Pacific/Kiritimati")  # UTC+14: its November starts 2026-10-31 10:00 UTC
    with app.app_context():
        november = create_invoice(db.session.get(Organization, org_id), NOV, AFTER_NOV, issue=True)
        db.session.commit()
        assert _coverage(october_id) == [(utc(2026, 9, 30, 23), utc(2026, 11, 1), "Europe/London")]
        assert _coverage(november.id) == [(utc(2026, 11, 1), utc(2026, 11, 30, 10), "Pacific/Kiritimati")]
        assert november.timezone == "Pacific/Kiritimati" and november.period_start_at == utc(2026, 11, 1)
        assert november.cameras[0].started_at == utc(2026, 11, 1)  # not 2026-10-31 10:00
        # 706 of the 720 hours of Kiritimati's November: 31.00 x 706/720 = 30.397 -> 30.40
        assert november.total_minor == 3040


def test_moving_west_leaves_no_hour_unbilled(app: Flask) -> None:
    org_id, october_id = _harbor(app)
    _rezone(app, org_id, "Pacific/Honolulu")  # UTC-10: its November starts 2026-11-01 10:00 UTC
    with app.app_context():
        november = create_invoice(db.session.get(Organization, org_id), NOV, AFTER_NOV, issue=True)
        db.session.commit()
        assert _coverage(november.id) == [(utc(2026, 11, 1), utc(2026, 12, 1, 10), "Pacific/Honolulu")]
        assert november.cameras[0].started_at == utc(2026, 11, 1)  # not 2026-11-01 10:00
        # 10 h of Honolulu's October 31 (of 744 h) + all of Honolulu's November:
        # 31.00 x 10/744 + 31.00 = 31.4167 -> 31.42
        assert november.total_minor == 3142


def test_same_zone_periods_abut_and_a_later_month_is_untouched(app: Flask) -> None:
    org_id, october_id = _harbor(app)
    with app.app_context():
        november = create_invoice(db.session.get(Organization, org_id), NOV, AFTER_NOV, issue=True)
        db.session.commit()
        assert _coverage(november.id) == [(utc(2026, 11, 1), utc(2026, 12, 1), "Europe/London")]
        assert november.total_minor == 3100


def test_the_database_refuses_overlapping_instants_until_voided(app: Flask) -> None:
    org_id, october_id = _harbor(app)
    with app.app_context():
        with pytest.raises(IntegrityError, match=f"{COVERAGE_MESSAGE}|ex_invoice_coverage_no_overlap"):
            db.session.execute(
                insert(InvoiceCoverage).values(
                    invoice_id=october_id,
                    organization_id=org_id,
                    timezone="Pacific/Kiritimati",
                    start_at=utc(2026, 10, 31, 10),
                    end_at=utc(2026, 11, 30, 10),
                    voided=False,
                )
            )
        db.session.rollback()
        void_invoice(db.session.get(Invoice, october_id), "re-issue", AFTER_OCT)
        db.session.commit()
        assert [c.voided for c in db.session.get(Invoice, october_id).coverage] == [True]
        again = create_invoice(db.session.get(Organization, org_id), OCT, AFTER_OCT, issue=True)
        db.session.commit()
        assert again.status == "issued" and again.total_minor == 3100


def test_the_form_says_what_a_zone_change_means(app: Flask, admin_client: FlaskClient) -> None:
    org_id, _october = _harbor(app)
    html = admin_client.get(f"/admin/organizations/{org_id}/edit").get_data(as_text=True)
    assert "A change takes effect from the first period not yet invoiced" in html
    assert "Invoiced so far up to\n    <strong>2026-11-01 00:00 UTC</strong>" in html
