"""Rating rules: proration, price versions, trials, scope, `now`, per-day mode, errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest

from portal.billing import (
    InvalidSpan,
    MixedCurrency,
    NaiveDatetime,
    NoPriceForPeriod,
    OverlappingSpans,
    Period,
    ProrationMode,
    UnknownTariff,
    month_period,
    rate_period,
)

from .helpers import LATER, UTC, local, org, price, span, tariffs

DAY = ProrationMode.DAY


@pytest.mark.parametrize(
    ("tz", "year", "month"),
    [
        ("UTC", 2026, 2),
        ("UTC", 2024, 2),
        ("UTC", 2026, 4),
        ("UTC", 2026, 1),  # 28 29 30 31
        ("Europe/Berlin", 2026, 3),
        ("Europe/Berlin", 2026, 10),  # 743 h, 745 h
        ("America/New_York", 2026, 3),
        ("America/New_York", 2026, 11),
        ("Asia/Kolkata", 2026, 2),
        ("Australia/Lord_Howe", 2026, 4),
    ],
)
@pytest.mark.parametrize("mode", list(ProrationMode))
def test_a_full_month_costs_exactly_the_monthly_price(tz: str, year: int, month: int, mode: ProrationMode) -> None:
    spans = [span(c, datetime(2020, 1, 1, tzinfo=UTC), None) for c in range(3)]
    st = rate_period([org(tz=tz)], spans, [price(1234)], tariffs(), month_period(year, month), LATER, mode)
    (line,) = st.lines
    assert line.exact_minor == 3 * 1234 and line.amount_minor == 3702 and st.total_minor == 3702
    assert line.cameras == 3
    assert all(c.exact_minor == 1234 for c in st.charges)
    assert line.days == 3 * (month_period(year, month).days)


def test_a_second_of_use_is_priced_against_the_real_month_length() -> None:
    tz = "Europe/Berlin"  # October 2026 has 745 hours
    st = rate_period(
        [org(tz=tz)],
        [span(1, local(tz, 2026, 10, 25, 1), local(tz, 2026, 10, 25, 5))],
        [price(74500)],
        tariffs(),
        month_period(2026, 10),
        LATER,
    )
    (charge,) = st.charges
    assert charge.microseconds == 5 * 3600 * 10**6  # 01:00-05:00 local holds the repeated hour
    assert charge.exact_minor == Fraction(74500 * 5, 745) == 500


def test_trial_first_and_last_day_inclusive_in_local_time() -> None:
    tz = "Europe/Berlin"
    billing = org(tz=tz, trial_start=date(2026, 10, 20), trial_end=date(2026, 10, 25))
    camera = span(1, local(tz, 2026, 10, 19, 23, 59, 59), local(tz, 2026, 10, 26, 0, 0, 1))
    st = rate_period([billing], [camera], [price(74500)], tariffs(), month_period(2026, 10), LATER)
    paid = [c for c in st.charges if not c.is_trial]
    (trial,) = [c for c in st.charges if c.is_trial]
    assert trial.started_at == local(tz, 2026, 10, 20) and trial.ended_at == local(tz, 2026, 10, 26)
    assert trial.microseconds == (6 * 24 + 1) * 3600 * 10**6  # six days, one with 25 hours
    assert trial.exact_minor == 0 and trial.list_exact_minor == 74500 * 145 // 745
    assert st.trial.list_amount_minor == 14500 and st.trial.microseconds == trial.microseconds
    assert [c.microseconds for c in paid] == [10**6, 10**6]  # one second each side
    assert [ln.is_trial for ln in st.lines] == [True, False]
    assert st.total_minor == 0  # 2 s of a 745 h month at 745.00: 0.0556 minor units


def test_trial_without_start_is_free_until_its_end_and_usage_after_is_paid() -> None:
    billing = org(trial_end=date(2026, 4, 10))
    st = rate_period(
        [billing],
        [span(1, datetime(2026, 3, 1, tzinfo=UTC), None)],
        [price(3000)],
        tariffs(),
        month_period(2026, 4),
        LATER,
    )
    assert st.total_minor == 2000  # April 11..30 = 20 of 30 days
    assert st.trial.list_amount_minor == 1000


def test_price_change_mid_month_gives_two_lines() -> None:
    # June 2026 (30 days): 30.00 until June 10, 60.00 from June 11 (00:00 in Berlin)
    tz = "Europe/Berlin"
    prices = [price(3000), price(6000, since=date(2026, 6, 11))]
    st = rate_period(
        [org(tz=tz)], [span(1, datetime(2026, 1, 1, tzinfo=UTC), None)], prices, tariffs(), month_period(2026, 6), LATER
    )
    old, new = st.lines
    assert (old.price_from, old.unit_price_minor, old.amount_minor) == (date(2000, 1, 1), 3000, 1000)
    assert (new.price_from, new.unit_price_minor, new.amount_minor) == (date(2026, 6, 11), 6000, 4000)
    assert st.charges[1].started_at == datetime(2026, 6, 10, 22, tzinfo=UTC)
    assert st.total_minor == 5000


def test_camera_moving_between_organizations_is_rated_per_scope() -> None:
    move = datetime(2026, 6, 16, tzinfo=UTC)
    spans = [span(1, datetime(2026, 6, 1, tzinfo=UTC), move, org_id=1), span(1, move, None, org_id=2)]
    args = (spans, [price(3000)], tariffs(), month_period(2026, 6), LATER)
    first, second = rate_period([org(1)], *args), rate_period([org(2)], *args)
    assert (first.total_minor, second.total_minor) == (1500, 1500)
    assert first.skipped_spans == second.skipped_spans == 1
    assert {c.organization_id for c in first.charges} == {1}
    both = rate_period([org(1), org(2)], *args)
    assert [ln.organization_id for ln in both.lines] == [1, 2] and both.total_minor == 3000


def test_open_intervals_are_cut_at_now_and_the_future_is_not_billed() -> None:
    now = datetime(2026, 6, 16, tzinfo=UTC)
    spans = [
        span(1, datetime(2026, 5, 1, tzinfo=UTC), None),
        span(2, datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)),
        span(3, datetime(2026, 6, 20, tzinfo=UTC), None),
    ]
    st = rate_period([org()], spans, [price(3000)], tariffs(), month_period(2026, 6), now)
    assert [c.camera_id for c in st.charges] == [1, 2]
    assert all(c.ended_at == now and c.exact_minor == 1500 for c in st.charges)
    future = rate_period([org()], spans, [price(3000)], tariffs(), month_period(2026, 7), now)
    assert future.charges == () and future.total_minor == 0


def test_spans_are_clipped_to_the_period() -> None:
    st = rate_period(
        [org()],
        [span(1, datetime(2026, 5, 20, tzinfo=UTC), datetime(2026, 6, 4, 12, tzinfo=UTC))],
        [price(3000)],
        tariffs(),
        Period(date(2026, 6, 1), date(2026, 6, 30)),
        LATER,
    )
    (charge,) = st.charges
    assert charge.started_at == datetime(2026, 6, 1, tzinfo=UTC)
    assert charge.exact_minor == 350 and charge.camera_days == Fraction(7, 2)


def test_day_mode_counts_started_days() -> None:
    st = rate_period(
        [org()],
        [span(1, datetime(2026, 6, 1, 10, tzinfo=UTC), datetime(2026, 6, 3, 2, tzinfo=UTC))],
        [price(3000)],
        tariffs(),
        month_period(2026, 6),
        LATER,
        DAY,
    )
    assert st.lines[0].days == 3 and st.total_minor == 300


def test_day_mode_tariff_switch_counts_the_day_on_both_and_a_restart_once() -> None:
    d = lambda h: datetime(2026, 6, 5, h, tzinfo=UTC)  # noqa: E731
    spans = [
        span(1, d(1), d(2), tariff=1),
        span(1, d(3), d(4), tariff=1),
        span(1, d(4), d(20), tariff=2),
        span(1, d(21), d(22), tariff=1),
    ]
    st = rate_period(
        [org()], spans, [price(3000), price(6000, tariff=2)], tariffs(1, 2), month_period(2026, 6), LATER, DAY
    )
    one, two = st.lines
    assert (one.days, one.amount_minor, two.days, two.amount_minor) == (1, 100, 1, 200)
    assert sum(c.days for c in st.charges) == 2
    # touching midnight exactly does not start the next day
    st = rate_period(
        [org()],
        [span(1, d(12), datetime(2026, 6, 6, tzinfo=UTC))],
        [price(3000)],
        tariffs(),
        month_period(2026, 6),
        LATER,
        DAY,
    )
    assert st.lines[0].days == 1


def test_mixed_currencies_are_rejected() -> None:
    spans = [span(1, datetime(2026, 6, 1, tzinfo=UTC), None)]
    with pytest.raises(MixedCurrency) as caught:
        rate_period([org(1), org(2, currency="USD")], spans, [price(1)], tariffs(), month_period(2026, 6), LATER)
    assert caught.value.currencies == {"EUR", "USD"}
    with pytest.raises(MixedCurrency):
        rate_period([org()], spans, [price(1, currency="USD")], tariffs(), month_period(2026, 6), LATER)


def test_usage_before_the_first_price_is_an_error() -> None:
    spans = [span(1, datetime(2026, 6, 1, tzinfo=UTC), None)]
    with pytest.raises(NoPriceForPeriod) as caught:
        rate_period(
            [org(tz="Europe/Berlin")],
            spans,
            [price(100, since=date(2026, 6, 10))],
            tariffs(),
            month_period(2026, 6),
            LATER,
        )
    assert (caught.value.tariff_id, caught.value.day) == (1, date(2026, 6, 1))
    with pytest.raises(NoPriceForPeriod):
        rate_period([org()], spans, [], tariffs(), month_period(2026, 6), LATER)
    with pytest.raises(UnknownTariff):
        rate_period([org()], spans, [price(100)], [], month_period(2026, 6), LATER)


def test_bad_ledger_input_is_rejected() -> None:
    t = datetime(2026, 6, 1, tzinfo=UTC)
    with pytest.raises(OverlappingSpans):
        rate_period(
            [org()],
            [span(1, t, None), span(1, t + timedelta(days=1), None)],
            [price(1)],
            tariffs(),
            month_period(2026, 6),
            LATER,
        )
    with pytest.raises(InvalidSpan):
        span(1, t, t - timedelta(seconds=1))
    with pytest.raises(InvalidSpan):
        span(1, datetime(2026, 6, 1), None)
    with pytest.raises(NaiveDatetime):
        rate_period([org()], [], [], [], month_period(2026, 6), datetime(2026, 6, 1))
    empty = rate_period([org()], [span(1, t, t)], [price(1)], tariffs(), month_period(2026, 6), LATER)
    assert empty.charges == () and empty.lines == () and empty.total_minor == 0
