"""The small pure pieces behind both dashboards: local today, price in force, cost lines, totals."""

from __future__ import annotations

from datetime import date, datetime, timezone

from portal.billing import PriceVersion
from portal.billing_read import TariffPrices
from portal.dashboard.figures import CameraCount, MoneyAmount, cost_lines, in_trial, local_today, totals_by_currency

BASIC = TariffPrices(
    1, "Basic", "EUR", (PriceVersion(1, date(2026, 1, 1), 1000, "EUR"), PriceVersion(1, date(2026, 3, 16), 1500, "EUR"))
)
LATER = TariffPrices(2, "Later", "EUR", (PriceVersion(2, date(2026, 6, 1), 900, "EUR"),))


def test_local_today_and_unknown_zone() -> None:
    now = datetime(2026, 3, 15, 23, 30, tzinfo=timezone.utc)
    assert local_today(now, "Europe/Berlin") == date(2026, 3, 16)
    assert local_today(now, "America/New_York") == date(2026, 3, 15)
    assert local_today(now, "Not/AZone") == date(2026, 3, 15)


def test_trial_bounds_are_inclusive() -> None:
    start, end = date(2026, 3, 1), date(2026, 3, 31)
    assert in_trial(start, start, end) and in_trial(end, start, end)
    assert not in_trial(date(2026, 4, 1), start, end) and not in_trial(start, None, end)


def test_cost_lines_price_in_force_trial_and_missing_price() -> None:
    counts = [CameraCount(9, 1, 3), CameraCount(9, 2, 2)]
    before, after = cost_lines(counts, {1: BASIC, 2: LATER}, date(2026, 3, 15), trial=False)
    assert (before.tariff_name, before.unit_price_minor, before.monthly_minor) == ("Basic", 1000, 3000)
    assert (after.unit_price_minor, after.monthly_minor) == (None, 0)
    (switched, _) = cost_lines(counts, {1: BASIC, 2: LATER}, date(2026, 3, 16), trial=False)
    assert switched.monthly_minor == 4500
    free, _ = cost_lines(counts, {1: BASIC, 2: LATER}, date(2026, 3, 16), trial=True)
    assert (free.unit_price_minor, free.monthly_minor, free.free) == (1500, 0, True)


def test_totals_sum_priced_lines_per_currency_in_integers() -> None:
    usd = TariffPrices(3, "Dollar", "USD", (PriceVersion(3, date(2020, 1, 1), 333, "USD"),))
    lines = cost_lines(
        [CameraCount(1, 1, 3), CameraCount(1, 2, 1), CameraCount(1, 3, 3)],
        {1: BASIC, 2: LATER, 3: usd},
        date(2026, 3, 1),
        trial=False,
    )
    totals = totals_by_currency(lines)
    assert totals == [MoneyAmount("EUR", 3000), MoneyAmount("USD", 999)]
    assert all(isinstance(t.amount_minor, int) for t in totals)
