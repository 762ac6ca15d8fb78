"""Property-based tests: the engine against the day-by-day reference, and invariants.

Rounding bound used below: each line rounds once, half-up, so its rounding error
e = round(x) - x lies in (-1/2, 1/2].  Cutting a period into k consecutive parts
changes a line key's rounded sum by sum(e_i) - e, an integer in (-(k+1)/2, (k+1)/2),
i.e. at most floor(k/2) minor units (1 for two or three parts).  The exact sums
agree with no error at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.billing import (
    BillingOrg,
    Period,
    PriceVersion,
    ProrationMode,
    Statement,
    UsageSpan,
    build_invoice,
    month_period,
    rate_period,
)

from .helpers import UTC, org, price, span, tariffs
from .reference import half_up, reference_lines

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "Asia/Kathmandu",
]


@dataclass(frozen=True)
class Scenario:
    orgs: list[BillingOrg]
    spans: list[UsageSpan]
    prices: list[PriceVersion]
    period: Period
    now: datetime
    mode: ProrationMode

    def rate(self, period: Period | None = None, now: datetime | None = None) -> Statement:
        return rate_period(
            self.orgs, self.spans, self.prices, tariffs(1, 2), period or self.period, now or self.now, self.mode
        )


@st.composite
def scenarios(draw: st.DrawFn, max_days: int = 70) -> Scenario:
    start = draw(st.dates(date(2018, 1, 1), date(2027, 11, 1)))
    period = Period(start, start + timedelta(days=draw(st.integers(0, max_days))))
    near = st.integers(-10, period.days + 10).map(lambda n: start + timedelta(days=n))
    orgs = []
    for oid in (1, 2)[: draw(st.integers(1, 2))]:
        trial_end = draw(st.none() | near)
        trial_start = draw(st.none() | near) if trial_end else None
        if trial_start and trial_end and trial_start > trial_end:
            trial_start, trial_end = trial_end, trial_start
        orgs.append(org(oid, tz=draw(st.sampled_from(ZONES)), trial_start=trial_start, trial_end=trial_end))
    prices = []
    for tariff in (1, 2):
        prices.append(price(draw(st.integers(0, 10**6)), tariff=tariff))
        for since in draw(st.lists(near, max_size=2, unique=True)):
            prices.append(price(draw(st.integers(0, 10**6)), tariff=tariff, since=since))
    base = datetime.combine(start - timedelta(days=5), datetime.min.time(), tzinfo=UTC)
    reach = (period.days + 10) * 86400
    spans = []
    for camera in range(1, draw(st.integers(1, 3)) + 1):
        marks = [draw(st.integers(0, reach))]
        for step in draw(st.lists(st.integers(1, 6 * 3600) | st.integers(1, 20 * 86400), max_size=5)):
            marks.append(marks[-1] + step)  # short gaps put several spans in one day
        if len(marks) % 2:
            marks.append(-1)  # the last interval stays open
        for begin, stop in zip(marks[::2], marks[1::2], strict=True):
            spans.append(
                span(
                    camera,
                    base + timedelta(seconds=begin),
                    None if stop < 0 else base + timedelta(seconds=stop),
                    org_id=draw(st.sampled_from([o.id for o in orgs])),
                    tariff=draw(st.sampled_from([1, 2])),
                )
            )
    now = base + timedelta(seconds=draw(st.just(reach + 86400) | st.integers(5 * 86400, reach)))
    return Scenario(orgs, spans, prices, period, now, draw(st.sampled_from(list(ProrationMode))))


def _exact_by_key(statement: Statement) -> dict[tuple, Fraction]:
    return {(ln.organization_id, ln.tariff_id, ln.price_from, ln.is_trial): ln.exact_minor for ln in statement.lines}


def _rounded_by_key(statements: list[Statement]) -> dict[tuple, int]:
    sums: dict[tuple, int] = defaultdict(int)
    for statement in statements:
        for ln in statement.lines:
            sums[(ln.organization_id, ln.tariff_id, ln.price_from, ln.is_trial)] += ln.amount_minor
    return sums


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_engine_matches_the_day_by_day_reference(case: Scenario) -> None:
    statement = case.rate()
    expected = reference_lines(
        case.orgs, case.spans, case.prices, case.period.start, case.period.end, case.now, case.mode is ProrationMode.DAY
    )
    assert _exact_by_key(statement) == expected
    assert {k: ln.amount_minor for k, ln in zip(_exact_by_key(statement), statement.lines, strict=False)} == {
        k: half_up(v) for k, v in expected.items()
    }
    assert statement.total_minor == sum(half_up(v) for v in expected.values())


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.data())
def test_consecutive_invoices_add_up_to_one_over_their_union(case: Scenario, data: st.DataObject) -> None:
    whole = case.rate()
    if case.period.days < 3:
        return
    cuts = sorted(data.draw(st.lists(st.integers(1, case.period.days - 1), min_size=1, max_size=2, unique=True)))
    parts, rest = [], case.period
    for cut in reversed(cuts):
        rest, tail = rest.split(case.period.start + timedelta(days=cut))
        parts.insert(0, tail)
    parts.insert(0, rest)
    statements = [case.rate(period=p) for p in parts]
    exact: dict[tuple, Fraction] = defaultdict(Fraction)
    for statement in statements:
        for key, value in _exact_by_key(statement).items():
            exact[key] += value
    assert dict(exact) == _exact_by_key(whole)  # no error at all before rounding
    rounded, once = _rounded_by_key(statements), _rounded_by_key([whole])
    bound = len(parts) // 2
    assert all(abs(rounded[key] - once[key]) <= bound for key in once)
    assert abs(sum(s.total_minor for s in statements) - whole.total_minor) <= bound * len(once)


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.integers(0, 40 * 86400))
def test_statement_invariants_and_a_later_now_never_bills_less(case: Scenario, later: int) -> None:
    statement = case.rate()
    assert statement.total_minor == sum(ln.amount_minor for ln in statement.lines)
    draft = build_invoice(statement, tax_bp=2000)
    assert draft.total_minor == draft.subtotal_minor + draft.tax_minor
    lower = {o.id: case.period.bounds(o.timezone) for o in case.orgs}
    for charge in statement.charges:
        first, last = lower[charge.organization_id]
        assert first <= charge.started_at < charge.ended_at <= min(last, case.now)
        assert charge.exact_minor == (0 if charge.is_trial else charge.list_exact_minor)
    for line in statement.lines:
        members = [
            c
            for c in statement.charges
            if (c.organization_id, c.tariff_id, c.price_from, c.is_trial)
            == (line.organization_id, line.tariff_id, line.price_from, line.is_trial)
        ]
        assert line.exact_minor == sum(c.exact_minor for c in members)
        assert line.cameras == len({c.camera_id for c in members})
    after = case.rate(now=case.now + timedelta(seconds=later))
    assert after.total_minor >= statement.total_minor
    assert all(after_ln >= ln for ln, after_ln in _pairs(statement, after))


def _pairs(before: Statement, after: Statement) -> list[tuple[Fraction, Fraction]]:
    later = _exact_by_key(after)
    return [(value, later[key]) for key, value in _exact_by_key(before).items()]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.integers(2018, 2027),
    st.integers(1, 12),
    st.integers(0, 10**7),
    st.sampled_from(list(ProrationMode)),
)
def test_a_full_month_costs_the_monthly_price_in_any_zone(
    tz: str, year: int, month: int, amount: int, mode: ProrationMode
) -> None:
    period = month_period(year, month)
    statement = rate_period(
        [org(tz=tz)],
        [span(1, datetime(2017, 1, 1, tzinfo=UTC), None)],
        [price(amount)],
        tariffs(),
        period,
        datetime(2030, 1, 1, tzinfo=UTC),
        mode,
    )
    assert statement.lines[0].exact_minor == amount == statement.total_minor
    assert statement.lines[0].days == period.days
