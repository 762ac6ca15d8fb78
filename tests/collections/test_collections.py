"""Collections on the admin dashboard: receivables by age bucket (days past due in each
organization's time zone), expected versus collected this month, overdue organizations with
their next reminder; open amounts come from open_by_invoice alone."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.collections import dashboard as collections
from portal.collections.dashboard import bucket_of, collections_overview
from portal.collections.receivables import open_by_invoice
from portal.dashboard import views as dashboard_views
from portal.extensions import db
from portal.models import Invoice, MailItem, Organization
from portal.payments.service import record_payment
from portal.settings import ReminderSettings
from tests.factories import make_org
from tests.usages.helpers import utc

NOW = utc(2026, 11, 20, 12)  # "today" is 2026-11-20 in UTC
REMINDERS = ReminderSettings(days_before_due=(3,), days_after_due=(1, 7, 14))
_numbers = count(1)


def _invoice(
    org: Organization,
    due: date,
    total: int,
    status: str = "issued",
    paid_on: date | None = None,
    currency: str = "EUR",
) -> Invoice:
    """An invoice row as issuing leaves it (only the fields collections read matter); periods never overlap.

    A paid one is issued and then settled by a payment recorded through the ledger, as the portal does.
    """
    n = next(_numbers)
    invoice = Invoice(
        organization_id=org.id,
        number=f"T-{n:06d}",
        period_start=date(2000 + n // 12, n % 12 + 1, 1),
        period_end=date(2000 + n // 12, n % 12 + 1, 28),
        status="issued" if status == "paid" else status,
        currency=currency,
        minor_units=2,
        subtotal_minor=total,
        tax_minor=0,
        total_minor=total,
        issue_date=due,
        due_date=due,
        void_reason="mistake" if status == "void" else None,
    )
    db.session.add(invoice)
    db.session.flush()
    if paid_on is not None:
        record_payment(org, total, paid_on, NOW, currency=currency, reference="BANK", invoice_ids=[invoice.id])
    return invoice


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
        (400, "90+"),
    ],
)
def test_bucket_edges(days: int, bucket: str) -> None:
    assert bucket_of(days) == bucket


@pytest.fixture()
def book(app: Flask) -> dict[str, Any]:
    with app.app_context():
        acme, late, zone = make_org("Acme"), make_org("Late Ltd"), make_org("Zone Co", timezone="Pacific/Kiritimati")
        usd = make_org("Dollar Inc", currency="USD")
        ids = {
            "current": _invoice(acme, date(2026, 11, 25), 1_000).id,  # due in 5 days
            "due-today": _invoice(acme, date(2026, 11, 20), 2_000).id,  # 0 days: current
            "late-1": _invoice(late, date(2026, 11, 19), 300).id,  # 1-30
            "late-45": _invoice(late, date(2026, 10, 6), 4_500).id,  # 31-60
            "late-75": _invoice(late, date(2026, 9, 6), 7_500).id,  # 61-90
            "late-120": _invoice(late, date(2026, 7, 23), 12_000).id,  # 90+
            "zone": _invoice(zone, date(2026, 11, 20), 50).id,  # already the 21st in Kiritimati: 1 day late
            "paid": _invoice(acme, date(2026, 11, 10), 9_900, status="paid", paid_on=date(2026, 11, 12)).id,
            "paid-earlier": _invoice(acme, date(2026, 9, 10), 800, status="paid", paid_on=date(2026, 10, 30)).id,
            "void": _invoice(acme, date(2026, 8, 1), 99_999, status="void").id,
            "usd": _invoice(usd, date(2026, 10, 30), 7_000, currency="USD").id,  # 21 days late
        }
        db.session.commit()
    return ids


def test_open_amounts_follow_the_ledger(app: Flask, book: dict[str, int]) -> None:
    with app.app_context():
        amounts = open_by_invoice(db.session, book.values())
    assert amounts[book["late-45"]] == 4_500
    assert amounts[book["paid"]] == 0 and amounts[book["void"]] == 0
    assert open_by_invoice(db.session, []) == {}


def test_receivables_by_age_and_this_month(app: Flask, book: dict[str, int]) -> None:
    with app.app_context():
        c = collections_overview(db.session, NOW, "UTC", REMINDERS)
    eur, usd = c.aging
    assert eur.currency == "EUR" and eur.buckets == {
        "current": 3_000,
        "1-30": 350,
        "31-60": 4_500,
        "61-90": 7_500,
        "90+": 12_000,
    }
    assert eur.total == 27_350
    assert usd.currency == "USD" and usd.buckets["1-30"] == 7_000 and usd.total == 7_000
    assert c.month_start == date(2026, 11, 1)
    # expected: due in November (current, due-today, late-1, zone, paid); collected: paid in November
    month = {m.currency: (m.expected, m.collected) for m in c.month}
    assert month == {"EUR": (1_000 + 2_000 + 300 + 50 + 9_900, 9_900)}


def test_overdue_organizations_with_their_next_step(app: Flask, book: dict[str, int]) -> None:
    with app.app_context():
        c = collections_overview(db.session, NOW, "UTC", REMINDERS)
    rows = {(o.title, o.currency): o for o in c.overdue}
    assert list(rows) == [("Late Ltd", "EUR"), ("Dollar Inc", "USD"), ("Zone Co", "EUR")]  # longest late first
    late = rows[("Late Ltd", "EUR")]
    assert (late.overdue, late.invoices, late.oldest_due, late.days_past_due) == (
        300 + 4_500 + 7_500 + 12_000,
        4,
        date(2026, 7, 23),
        120,
    )
    assert late.next_step is None  # the schedule ended 14 days after the due date
    dollar = rows[("Dollar Inc", "USD")]
    assert dollar.days_past_due == 21 and dollar.next_step is None
    zone = rows[("Zone Co", "EUR")]
    assert zone.days_past_due == 1 and zone.next_step is not None
    assert (zone.next_step.key, zone.next_step.on) == ("after-1", date(2026, 11, 21))  # due today, not yet sent
    assert c.overdue_total == 3
    with app.app_context():  # once today's reminder is queued, the next one is a week later
        db.session.add(
            MailItem(kind="invoice_reminder", recipient="x@zone.example", dedup_key=f"reminder:{book['zone']}:after-1")
        )
        db.session.commit()
        c = collections_overview(db.session, NOW, "UTC", REMINDERS)
    [zone] = [o for o in c.overdue if o.title == "Zone Co"]
    assert zone.next_step is not None and (zone.next_step.key, zone.next_step.on) == ("after-7", date(2026, 11, 27))


def test_the_list_is_capped_but_counted(app: Flask, book: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collections, "OVERDUE_LISTED", 1)
    with app.app_context():
        c = collections_overview(db.session, NOW, "UTC", REMINDERS)
    assert [o.title for o in c.overdue] == ["Late Ltd"] and c.overdue_total == 3


def test_the_dashboard_shows_collections(
    app: Flask, admin_client: FlaskClient, book: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_views, "utcnow", lambda: NOW)  # the book's "this month", whatever today is
    page = admin_client.get("/").get_data(as_text=True)
    section = page[page.index('id="collections"') :]
    assert 'id="receivables-aging"' in section and "€273.50" in section and "$70.00" in section
    assert 'id="collections-month"' in section and "€99.00" in section
    assert "Late Ltd" in section and "Zone Co" in section and "Dollar Inc" in section
