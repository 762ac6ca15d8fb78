"""The statement cache: a page served from it never shows a figure the ledger has since changed.

Every change goes through a different writer (the ORM, a Core ``UPDATE``, raw SQL) to show
that the database's triggers, not the application, keep the ledger stamp honest.  The same
tests run with the cache in Redis (shared by every worker) and in process.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from portal.extensions import db
from portal.models import Camera, LedgerStamp, Organization, Tariff, TariffPrice, UsageInterval
from portal.usages import cache
from tests.factories import make_org, make_tariff
from tests.usages.helpers import golden_september, use, utc

SEP = {"period": "custom", "start": "2026-09-01", "end": "2026-09-30"}
REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture(params=["memory", "redis"])
def app_config(request: pytest.FixtureRequest, tmp_path: Any) -> dict[str, Any]:
    """The cache in process, then in Redis (database 15, emptied by the test)."""
    return {"CACHE_REDIS_URL": REDIS if request.param == "redis" else ""}


def _total(client: FlaskClient, org_id: int) -> str:
    response = client.get(f"/organizations/{org_id}/usages", query_string=SEP)
    assert response.status_code == 200
    found = re.search(r'id="usage-total">([^<]+)<', response.get_data(as_text=True))
    assert found
    return found.group(1)


def _page(client: FlaskClient, org_id: int) -> str:
    return client.get(f"/organizations/{org_id}/usages", query_string=SEP).get_data(as_text=True)


@pytest.fixture()
def org_id(app: Flask) -> int:
    with app.app_context():
        cache.clear()
        org = make_org("Acme")
        golden_september(org, make_tariff("Basic", price=900))
        db.session.commit()
        return org.id


def _stamp(app: Flask) -> str | None:
    with app.app_context():
        return db.session.scalar(select(LedgerStamp.stamp))


def test_a_repeated_page_is_served_from_the_cache(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    assert _total(admin_client, org_id) == "€30.00"
    calls: list[object] = []
    original = cache.cached_report

    def spy(*args: Any, **kwargs: Any) -> Any:
        compute = args[4]

        def counted(at: Any) -> Any:
            calls.append(at)
            return compute(at)

        return original(*args[:4], counted)

    cache_module: Any = cache
    cache_module.cached_report = spy
    try:
        assert _total(admin_client, org_id) == "€30.00"
    finally:
        cache_module.cached_report = original
    assert calls == []  # not rated again: same stamp, same period


def test_new_usage_shows_at_once(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    assert _total(admin_client, org_id) == "€30.00"
    before = _stamp(app)
    with app.app_context():
        use(db.session.get(Organization, org_id), db.session.scalar(select(Tariff)), utc(2026, 9, 1), utc(2026, 9, 16))
        db.session.commit()
    assert _stamp(app) != before
    assert _total(admin_client, org_id) == "€34.50"


def test_a_core_update_of_an_interval_shows_at_once(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    assert _total(admin_client, org_id) == "€30.00"
    with app.app_context():
        db.session.execute(
            update(UsageInterval).where(UsageInterval.ended_at == utc(2026, 9, 21)).values(ended_at=utc(2026, 9, 26))
        )
        db.session.commit()
    assert _total(admin_client, org_id) == "€31.50"


def test_a_new_price_version_shows_at_once(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    assert _total(admin_client, org_id) == "€30.00"
    with app.app_context():
        tariff = db.session.scalar(select(Tariff))
        assert tariff is not None
        db.session.add(
            TariffPrice(tariff_id=tariff.id, effective_from=date(2026, 9, 16), amount_minor=1800, currency="EUR")
        )
        db.session.commit()
    assert _total(admin_client, org_id) != "€30.00"


def test_a_raw_sql_price_change_shows_at_once(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    assert _total(admin_client, org_id) == "€30.00"
    with app.app_context():
        db.session.execute(text("UPDATE tariff_prices SET amount_minor = 1800"))
        db.session.commit()
    assert _total(admin_client, org_id) == "€60.00"


def test_renamed_camera_and_tariff_show_at_once(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    assert "Ten days" in _page(admin_client, org_id)
    with app.app_context():
        db.session.execute(update(Camera).where(Camera.title == "Ten days").values(title="Renamed camera"))
        db.session.commit()
    html = _page(admin_client, org_id)
    assert "Renamed camera" in html and "Ten days" not in html
    with app.app_context():
        db.session.execute(update(Tariff).values(name="Premium"))
        db.session.commit()
    assert "Premium" in _page(admin_client, org_id)


def test_last_seen_of_a_camera_leaves_the_cache_alone(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    _total(admin_client, org_id)
    before = _stamp(app)
    with app.app_context():
        db.session.execute(update(Camera).values(last_seen_at=utc(2026, 11, 1)))
        db.session.commit()
    assert _stamp(app) == before


def test_a_rolled_back_change_keeps_the_stamp(app: Flask, org_id: int) -> None:
    before = _stamp(app)
    with app.app_context():
        db.session.execute(text("UPDATE tariff_prices SET amount_minor = 1"))
        db.session.rollback()
    assert _stamp(app) == before


def test_a_change_after_a_rolled_back_savepoint_still_replaces_the_stamp(
    app: Flask, admin_client: FlaskClient, org_id: int
) -> None:
    """On PostgreSQL only a transaction's first watched row queues the stamp's replacement; a
    savepoint rolled back after queuing it must not leave the transaction's later changes
    unstamped (the billing run rolls back one organization and writes the next)."""
    assert _total(admin_client, org_id) == "€30.00"
    before = _stamp(app)
    with app.app_context():
        savepoint = db.session.begin_nested()
        db.session.execute(text("UPDATE tariff_prices SET amount_minor = 1"))
        savepoint.rollback()
        db.session.execute(update(Camera).values(last_seen_at=utc(2026, 11, 1)))  # watched table, column not
        db.session.execute(text("UPDATE tariff_prices SET amount_minor = 1800"))
        db.session.execute(text("UPDATE tariff_prices SET amount_minor = 1800"))
        db.session.commit()
    after = _stamp(app)
    assert after != before
    assert _total(admin_client, org_id) == "€60.00"
    with app.app_context():  # a later transaction replaces it again
        db.session.execute(text("UPDATE tariff_prices SET amount_minor = 900"))
        db.session.commit()
    assert _stamp(app) not in (before, after)


def test_a_savepoint_rolled_back_alone_keeps_the_stamp(app: Flask, org_id: int) -> None:
    before = _stamp(app)
    with app.app_context():
        savepoint = db.session.begin_nested()
        db.session.execute(text("UPDATE tariff_prices SET amount_minor = 1"))
        savepoint.rollback()
        db.session.execute(update(Camera).values(last_seen_at=utc(2026, 11, 1)))
        db.session.commit()
    assert _stamp(app) == before


def test_an_organization_zone_change_rates_anew(app: Flask, admin_client: FlaskClient, org_id: int) -> None:
    assert "(UTC)" in _page(admin_client, org_id)
    with app.app_context():
        db.session.execute(update(Organization).values(timezone="Asia/Tokyo"))
        db.session.commit()
    assert "(Asia/Tokyo)" in _page(admin_client, org_id)
