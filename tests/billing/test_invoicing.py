"""Tax, invoice drafts and the roll-up of subsidiaries onto a parent's invoice."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from portal.billing import (
    InvalidScope,
    InvalidTaxRate,
    MixedCurrency,
    build_invoice,
    invoice_scope,
    month_period,
    rate_period,
    rate_rollup,
    tax_minor,
)

from .helpers import LATER, UTC, local, org, price, span, tariffs


@pytest.mark.parametrize(
    ("subtotal", "bp", "tax"),
    [
        (6000, 2000, 1200),
        (1005, 2000, 201),
        (1, 5000, 1),  # 0.5 -> 1 (half-up)
        (3, 1650, 0),  # 0.495 -> 0
        (2128, 825, 176),
        (0, 2000, 0),
        (12345, 0, 0),
        (10, 2500, 3),  # 2.5 -> 3
    ],
)
def test_tax_is_rounded_once_half_up(subtotal: int, bp: int, tax: int) -> None:
    assert tax_minor(subtotal, bp) == tax


@pytest.mark.parametrize("bp", [-1, True, "20"])
def test_tax_rate_must_be_non_negative_basis_points(bp: object) -> None:
    with pytest.raises(InvalidTaxRate):
        tax_minor(100, bp)  # type: ignore[arg-type]


def test_empty_statement_gives_a_zero_invoice() -> None:
    draft = build_invoice(rate_period([org()], [], [], [], month_period(2026, 6), LATER), 2000)
    assert (draft.lines, draft.subtotal_minor, draft.tax_minor, draft.total_minor) == ((), 0, 0, 0)
    assert draft.period == month_period(2026, 6) and draft.bill_to_id == 1


def test_invoice_scope_follows_invoice_to_parent_transitively() -> None:
    parent = org(1)
    child = org(2, parent_id=1, invoice_to_parent=True)
    grandchild = org(3, parent_id=2, invoice_to_parent=True)
    pays_itself = org(4, parent_id=1, invoice_to_parent=False)
    below_self_payer = org(5, parent_id=4, invoice_to_parent=True)
    stranger = org(6, parent_id=99, invoice_to_parent=True)
    everyone = [grandchild, stranger, below_self_payer, pays_itself, child, parent]
    assert [o.id for o in invoice_scope(parent, everyone)] == [1, 2, 3]
    assert [o.id for o in invoice_scope(pays_itself, everyone)] == [4, 5]
    looped = org(7, parent_id=1, invoice_to_parent=True)
    assert [o.id for o in invoice_scope(org(1, parent_id=7, invoice_to_parent=True), [looped])] == [1, 7]


def test_rollup_rates_each_subsidiary_in_its_own_timezone_and_trial() -> None:
    parent = org(1, tz="Europe/Berlin")
    child = org(
        2,
        tz="America/New_York",
        parent_id=1,
        invoice_to_parent=True,
        trial_start=date(2026, 6, 1),
        trial_end=date(2026, 6, 10),
    )
    spans = [
        span(1, datetime(2026, 1, 1, tzinfo=UTC), None, org_id=1),
        span(2, datetime(2026, 1, 1, tzinfo=UTC), None, org_id=2),
        span(3, datetime(2026, 1, 1, tzinfo=UTC), None, org_id=3),
    ]  # not in scope
    args = (spans, [price(3000)], tariffs(), month_period(2026, 6), LATER)
    st = rate_rollup(parent, [child, parent], *args)
    assert st.bill_to_id == 1 and st.organization_ids == (1, 2) and st.skipped_spans == 1
    berlin, trial, paid = st.lines
    assert (berlin.organization_id, berlin.amount_minor) == (1, 3000)
    assert (trial.organization_id, trial.is_trial, trial.amount_minor) == (2, True, 0)
    assert (paid.organization_id, paid.amount_minor) == (2, 2000)  # June 11..30 in New York
    child_charge = [c for c in st.charges if c.organization_id == 2 and not c.is_trial][0]
    assert child_charge.started_at == local("America/New_York", 2026, 6, 11)
    assert child_charge.ended_at == local("America/New_York", 2026, 7, 1)
    alone = [rate_period([o], *args).total_minor for o in (parent, child)]
    assert st.total_minor == sum(alone) == 5000  # the same lines, just on one invoice
    assert build_invoice(st).annex == st.charges


def test_rollup_with_another_currency_is_rejected() -> None:
    parent = org(1)
    child = org(2, currency="USD", parent_id=1, invoice_to_parent=True)
    with pytest.raises(MixedCurrency):
        rate_rollup(parent, [child], [], [], [], month_period(2026, 6), LATER)


def test_scope_must_be_non_empty_and_distinct() -> None:
    with pytest.raises(InvalidScope):
        rate_period([], [], [], [], month_period(2026, 6), LATER)
    with pytest.raises(InvalidScope):
        rate_period([org(1), org(1)], [], [], [], month_period(2026, 6), LATER)
