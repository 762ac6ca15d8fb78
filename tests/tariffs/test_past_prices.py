"""Price versions that respect the past: none inside an invoiced period; a past-dated one only
after its impact on not-yet-invoiced usage is shown, confirmed and audited."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.invoices.service import create_invoice, void_invoice
from portal.models import AuditEvent, Invoice, Organization, Tariff
from portal.tariffs.impact import price_impact
from portal.tariffs.service import PriceImpactToConfirm, PriceInInvoicedPeriod, set_price
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP
from tests.tariffs.helpers import counts, events


@pytest.fixture()
def issued_september(app: Flask) -> int:
    """Acme's €30.00 September invoiced (INV-2026-000001); its 3 cameras ran on to Oct 5. Tariff id."""
    org_id = golden_org(app)
    with app.app_context():
        create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=True)
        db.session.commit()
        return db.session.scalar(select(Tariff.id))


@pytest.mark.parametrize("day", [date(2026, 9, 16), date(2026, 9, 1), date(2026, 8, 1)])
def test_a_version_pricing_an_invoiced_period_is_refused(app: Flask, issued_september: int, day: date) -> None:
    with app.app_context():
        tariff = db.session.get(Tariff, issued_september)
        with pytest.raises(PriceInInvoicedPeriod) as refused:
            set_price(tariff, 1800, day, now=NOW)
        assert "INV-2026-000001 (Acme, 2026-09-01 – 2026-09-30)" in refused.value.message


def test_the_form_names_the_invoices_and_saves_nothing(
    app: Flask, admin_client: FlaskClient, issued_september: int
) -> None:
    before = counts(app)
    response = admin_client.post(
        f"/admin/tariffs/{issued_september}/prices", data={"amount": "18.00", "effective_from": "2026-09-16"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and counts(app) == before
    assert (
        "A price from 2026-09-16 would change issued invoices: INV-2026-000001 (Acme, 2026-09-01 – 2026-09-30)." in html
    )


def test_a_voided_invoice_does_not_hold_the_period(app: Flask, issued_september: int) -> None:
    with app.app_context():
        void_invoice(db.session.scalar(select(Invoice)), "wrong", NOW)
        tariff = db.session.get(Tariff, issued_september)
        impact = price_impact(tariff, 1800, date(2026, 9, 16), NOW)
        set_price(tariff, 1800, date(2026, 9, 16), now=NOW, confirmed=impact.digest())
        db.session.commit()
        assert [p.effective_from for p in tariff.prices][-1] == date(2026, 9, 16)


def test_past_dated_version_shows_its_impact_then_is_confirmed_and_audited(
    app: Flask, admin_client: FlaskClient, issued_september: int
) -> None:
    with app.app_context():
        impact = price_impact(db.session.get(Tariff, issued_september), 1800, date(2026, 10, 1), NOW)
    # October is not invoiced: 3 cameras ran Oct 1-5 (12 camera-days of 31): €9.00 -> €18.00 a month
    assert impact.organizations == ("Acme",) and impact.cameras == ("full-0", "full-1", "full-2")
    assert (impact.before_minor, impact.after_minor, impact.delta_minor) == (348, 697, 349)
    before = counts(app)
    data = {"amount": "18.00", "effective_from": "2026-10-01"}
    shown = admin_client.post(f"/admin/tariffs/{issued_september}/prices", data=data)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and counts(app) == before  # nothing saved yet
    assert 'id="price-impact"' in html and "Organizations: Acme" in html
    assert "Cameras: 3 (full-0, full-1, full-2)" in html and "€3.48 → €6.97" in html and "+€3.49" in html
    digest = re.search(r'name="confirm_impact" value="(\w+)"', html).group(1)
    stale = admin_client.post(
        f"/admin/tariffs/{issued_september}/prices", data={**data, "amount": "20.00", "confirm_impact": digest}
    )
    assert stale.status_code == 200 and counts(app) == before  # another amount: ask again
    done = admin_client.post(f"/admin/tariffs/{issued_september}/prices", data={**data, "confirm_impact": digest})
    assert done.status_code == 302
    [event] = events(app, "tariff.price_set")
    assert event["after"]["impact"]["organizations"] == ["Acme"]
    assert event["after"]["impact"]["cameras"] == 3 and event["after"]["impact"]["change_minor"] == 349
    with app.app_context():
        summary = db.session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "tariff.price_set"))
    assert "confirmed impact: 1 organization(s), 3 camera(s), +€3.49" in summary
    audit_page = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert '"change": "€3.49"' in audit_page


def test_service_refuses_an_unconfirmed_past_date(app: Flask, issued_september: int) -> None:
    with app.app_context():
        with pytest.raises(PriceImpactToConfirm) as pending:
            set_price(db.session.get(Tariff, issued_september), 1800, date(2026, 10, 1), now=NOW)
        assert pending.value.impact.delta_minor == 349
