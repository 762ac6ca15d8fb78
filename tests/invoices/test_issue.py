"""Preview -> draft -> issued: same numbers as the Usages page, one invoice per period, roll-up."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import Invoice, Organization
from tests.factories import make_org, make_tariff
from tests.invoices.helpers import SEP, golden_org
from tests.usages.helpers import use, utc

LINE = re.compile(
    r"<td class=\"num\">(€[\d.,]+)</td>\s*<td class=\"num\">(\d+)</td>\s*"
    r"<td class=\"num\">([\d.]+)</td>\s*<td class=\"num\">(€[\d.,]+)</td>"
)


def _numbers(html: str) -> list[tuple[str, ...]]:
    return LINE.findall(html)


def _issue(client: FlaskClient, org_id: int, action: str = "issue") -> object:
    return client.post(
        f"/organizations/{org_id}/invoices", data={"start": SEP["start"], "end": SEP["end"], action: "x"}
    )


def test_page_preview_and_invoice_agree(app: Flask, admin_client: FlaskClient) -> None:
    org_id = golden_org(app)
    page = admin_client.get(f"/organizations/{org_id}/usages", query_string=SEP).get_data(as_text=True)
    preview = admin_client.get(f"/organizations/{org_id}/invoices/preview", query_string=SEP)
    assert preview.status_code == 200
    assert _numbers(page) == _numbers(preview.get_data(as_text=True)) == [("€9.00", "4", "100.0000", "€30.00")]
    response = _issue(admin_client, org_id)
    assert response.status_code == 302
    detail = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _numbers(detail) == _numbers(page)
    assert "INV-2026-000001" in detail and "issued" in detail
    with app.app_context():
        invoice = db.session.scalar(select(Invoice))
        assert (invoice.status, invoice.total_minor, invoice.subtotal_minor) == ("issued", 3000, 3000)
        assert invoice.issue_date is not None and (invoice.due_date - invoice.issue_date).days == 14
        assert len(invoice.cameras) == 4 and invoice.bill_to.startswith("Acme")


def test_issuing_twice_yields_one_invoice(app: Flask, admin_client: FlaskClient) -> None:
    org_id = golden_org(app)
    first = _issue(admin_client, org_id)
    second = _issue(admin_client, org_id)
    assert second.headers["Location"] == first.headers["Location"]
    page = admin_client.get(second.headers["Location"]).get_data(as_text=True)
    assert "This period is already invoiced (INV-2026-000001)." in page
    with app.app_context():
        assert len(db.session.scalars(select(Invoice)).all()) == 1


def test_draft_then_refresh_then_issue(app: Flask, admin_client: FlaskClient) -> None:
    org_id = golden_org(app)
    created = _issue(admin_client, org_id, action="draft")
    invoice_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        org = db.session.get(Organization, org_id)
        use(org, make_tariff("Extra", price=3000), utc(2026, 9, 1), utc(2026, 9, 16))
        db.session.commit()
    assert admin_client.post(f"/invoices/{invoice_id}/refresh").status_code == 302
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).total_minor == 4500
    # issuing the same period from the preview issues the existing draft
    assert _issue(admin_client, org_id).headers["Location"].endswith(f"/invoices/{invoice_id}")
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert (invoice.status, invoice.number) == ("issued", "INV-2026-000001")
    assert admin_client.post(f"/invoices/{invoice_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Invoice, invoice_id) is not None  # issued: never deleted


def test_subsidiary_billed_to_parent_is_refused(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        parent = make_org("Holding")
        child = make_org("Branch", parent=parent, invoice_to_parent=True)
        tariff = make_tariff("Basic", price=900)
        use(child, tariff, utc(2026, 9, 1), utc(2026, 10, 1))
        db.session.commit()
        parent_id, child_id = parent.id, child.id
    preview = admin_client.get(f"/organizations/{child_id}/invoices/preview", query_string=SEP)
    assert "on the invoice of “Holding”" in preview.get_data(as_text=True)
    refused = _issue(admin_client, child_id)
    assert "Issue the invoice for “Holding” instead." in admin_client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    done = _issue(admin_client, parent_id)
    detail = admin_client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Branch: Basic" in detail and "€9.00" in detail


def test_mixed_currency_is_a_message(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        org = make_org("Euro org")
        use(org, make_tariff("Dollar plan", price=900, currency="USD"), utc(2026, 9, 1), None)
        db.session.commit()
        org_id = org.id
    preview = admin_client.get(f"/organizations/{org_id}/invoices/preview", query_string=SEP)
    assert "one invoice cannot mix currencies: EUR, USD" in preview.get_data(as_text=True)
    response = _issue(admin_client, org_id)
    assert "cannot mix currencies" in admin_client.get(response.headers["Location"]).get_data(as_text=True)


def test_current_period_can_be_drafted_but_not_issued(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        org = make_org("Now")
        use(org, make_tariff("Basic", price=900), utc(2026, 9, 1), None)
        db.session.commit()
        org_id = org.id
    page = admin_client.get(f"/organizations/{org_id}/usages", query_string={"period": "this"})
    args = re.search(
        r"invoices/preview\?period=custom&amp;start=([\d-]+)&amp;end=([\d-]+)", page.get_data(as_text=True)
    )
    data = {"start": args.group(1), "end": args.group(2), "issue": "x"}
    refused = admin_client.post(f"/organizations/{org_id}/invoices", data=data, follow_redirects=True)
    assert "is not over yet" in refused.get_data(as_text=True)
