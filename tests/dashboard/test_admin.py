"""Admin dashboard figures computed from hand-made data, checked as numbers and as rendered text."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from flask import Flask
from flask.testing import FlaskClient

from portal.dashboard.admin import admin_overview
from portal.dashboard.figures import MoneyAmount
from portal.extensions import db
from tests.dashboard.data import NOW, add_price, make_camera, make_invoice
from tests.factories import make_org, make_tariff, make_user


def _text(html: bytes) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def _fleet() -> None:
    """Three organizations (one in trial today), three tariffs, eight current cameras."""
    basic = make_tariff("Basic", price=1000)
    add_price(basic, date(2026, 3, 1), 1250)  # in force today
    add_price(basic, date(2026, 4, 1), 2000)  # not yet
    pro = make_tariff("Pro", price=2999)
    usd = make_tariff("Dollar", price=700, currency="USD")
    owner = make_user("owner@example.com")
    paying = make_org("Paying", owner=owner)
    trial = make_org("Trialling", owner=owner, trial_start=date(2026, 3, 1), trial_end=date(2026, 3, 31))
    ended = make_org("Trial over", owner=owner, trial_start=date(2026, 2, 1), trial_end=date(2026, 2, 28))
    for _ in range(3):
        make_camera(paying, basic)
    make_camera(paying, pro)
    make_camera(paying, basic, missing_since=datetime(2026, 3, 1, tzinfo=timezone.utc))  # gone from Watcher
    make_camera(paying, basic, interval=False)  # no open interval
    make_camera(trial, basic)
    make_camera(trial, basic)
    make_camera(ended, pro)
    make_camera(ended, usd)


def test_cameras_by_tariff_and_revenue(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        _fleet()
        db.session.commit()
        o = admin_overview(NOW, "UTC")
    assert (o.organizations, o.organizations_in_trial) == (3, 1)
    assert [(t.name, t.cameras) for t in o.cameras_by_tariff] == [("Basic", 5), ("Dollar", 1), ("Pro", 2)]
    assert o.cameras_total == 8 and o.trial_cameras == 2 and o.unpriced_cameras == 0
    # 3 x 12.50 (the March price) + 2 x 29.99; the trial's two Basic cameras are not counted
    assert o.revenue == [MoneyAmount("EUR", 3 * 1250 + 2 * 2999), MoneyAmount("USD", 700)]
    assert o.revenue[0].amount_minor == 9748
    text = _text(admin_client.get("/").data)
    assert "€97.48" in text and "$7.00" in text
    assert "Organizations 3 1 in trial today" in text
    assert "Basic 5" in text and "Pro 2" in text and "Dollar 1" in text and "Total 8" in text
    assert "2 in trial not counted" in text


def test_price_in_force_follows_the_organizations_timezone(app: Flask) -> None:
    """At 12:00 UTC on March 15 it is already March 16 in Auckland, where a new price starts."""
    with app.app_context():
        tariff = make_tariff("Basic", price=1000)
        add_price(tariff, date(2026, 3, 16), 1500)
        make_camera(make_org("Berlin", timezone="Europe/Berlin"), tariff)
        make_camera(make_org("Auckland", timezone="Pacific/Auckland"), tariff)
        db.session.commit()
        assert admin_overview(NOW, "UTC").revenue == [MoneyAmount("EUR", 1000 + 1500)]


def test_tariff_without_a_price_today_is_reported_not_summed(app: Flask) -> None:
    with app.app_context():
        future = make_tariff("Future", price=900, effective_from=date(2026, 6, 1))
        make_camera(make_org("Early"), future)
        db.session.commit()
        o = admin_overview(NOW, "UTC")
    assert o.revenue == [] and o.unpriced_cameras == 1 and o.cameras_total == 1


def test_invoices_issued_unpaid_and_overdue(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        acme, other = make_org("Acme"), make_org("Other")
        make_invoice(acme, 12100, issue_date=date(2026, 3, 2), due_date=date(2026, 3, 10))  # overdue
        make_invoice(other, 5000, "paid", issue_date=date(2026, 3, 5))  # issued, paid
        make_invoice(acme, 3000, issue_date=date(2026, 2, 20), due_date=date(2026, 3, 20))  # unpaid, Feb
        make_invoice(other, 999, "void", issue_date=date(2026, 3, 3))  # not counted
        make_invoice(acme, 777, "draft")  # not counted
        make_invoice(other, 700, currency="USD", issue_date=date(2026, 3, 7), due_date=date(2026, 4, 1))
        make_invoice(other, 4000, "paid", issue_date=date(2026, 2, 27))  # last month
        db.session.commit()
        o = admin_overview(NOW, "UTC")
    assert [(t.currency, t.count, t.total_minor) for t in o.issued_this_month] == [("EUR", 2, 17100), ("USD", 1, 700)]
    assert [(t.currency, t.count, t.total_minor) for t in o.unpaid] == [("EUR", 2, 15100), ("USD", 1, 700)]
    assert [(t.currency, t.count, t.total_minor) for t in o.overdue] == [("EUR", 1, 12100)]
    assert [(i.organization_title, i.total_minor) for i in o.overdue_invoices] == [("Acme", 12100)]
    page = admin_client.get("/")
    text = _text(page.data)
    assert "2 · €171.00" in text and "1 · $7.00" in text  # issued this month
    assert "2 · €151.00" in text  # unpaid
    assert "Overdue: 1 · €121.00" in text
    html = page.data.decode()
    assert 'class="table-danger"' in html and "Mar 10, 2026" in html
    assert "€7.77" not in text and "€9.99" not in text


def test_empty_dashboard_renders(admin_client: FlaskClient) -> None:
    page = admin_client.get("/")
    assert page.status_code == 200
    text = _text(page.data)
    assert "No current cameras." in text and "Nothing needs attention." in text


def test_subscriber_does_not_get_the_admin_figures(app: Flask, client: FlaskClient) -> None:
    from tests.factories import login

    with app.app_context():
        make_user("sub@example.com")
        db.session.commit()
    login(client, "sub@example.com")
    text = _text(client.get("/").data)
    assert "Expected monthly revenue" not in text and "Needs attention" not in text
