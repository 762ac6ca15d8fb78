"""Property tests of the pure settlement functions: credit-note tax and allocation plans add up."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.billing import round_minor, tax_minor
from portal.billing.settlement import CreditTooLarge, InvalidCredit, allocation_plan, credit_amounts, running_balances


def _reference_tax(subtotal: int, bp: int) -> int:
    """Independent: half-up of subtotal x bp / 10000 with plain integers."""
    numerator = subtotal * bp
    whole, rest = divmod(numerator, 10_000)
    return whole + (1 if rest * 2 >= 10_000 else 0)


@given(
    subtotal=st.integers(min_value=1, max_value=10**9),
    bp=st.integers(min_value=0, max_value=5000),
    cuts=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=8),
)
def test_credit_notes_in_pieces_credit_exactly_the_invoice_tax(subtotal: int, bp: int, cuts: list[int]) -> None:
    credited, taxes = 0, 0
    for cut in cuts:
        piece = min(cut, subtotal - credited)
        if piece <= 0:
            break
        amounts = credit_amounts([piece], bp, subtotal, credited)
        assert amounts.total_minor == amounts.subtotal_minor + amounts.tax_minor and amounts.tax_minor >= 0
        credited, taxes = credited + piece, taxes + amounts.tax_minor
    if credited < subtotal:
        last = credit_amounts([subtotal - credited], bp, subtotal, credited)
        credited, taxes = subtotal, taxes + last.tax_minor
    assert taxes == tax_minor(subtotal, bp) == _reference_tax(subtotal, bp)
    with pytest.raises(CreditTooLarge):
        credit_amounts([1], bp, subtotal, credited)


def test_credit_for_lines_sums_them_and_refuses_nonsense() -> None:
    amounts = credit_amounts([1000, 250], 2000, 3000, 0)
    assert (amounts.subtotal_minor, amounts.tax_minor, amounts.total_minor) == (1250, 250, 1500)
    assert round_minor(Fraction(1250 * 2000, 10_000)) == 250
    for bad in ([], [0], [-5]):
        with pytest.raises(InvalidCredit):
            credit_amounts(bad, 2000, 3000, 0)


@given(
    amount=st.integers(min_value=0, max_value=10**7),
    opens=st.lists(st.integers(min_value=0, max_value=10**6), max_size=10),
)
def test_allocation_plan_never_exceeds_what_is_open_and_adds_up(amount: int, opens: list[int]) -> None:
    invoices = list(enumerate(opens, 1))
    plan, left = allocation_plan(amount, invoices)
    assert sum(a for _i, a in plan) + left == amount
    open_by_id = dict(invoices)
    assert all(0 < a <= open_by_id[i] for i, a in plan)
    assert left == 0 or all(a == open_by_id[i] for i, a in plan)  # money is left only once all is settled
    ids = [i for i, _a in plan]
    assert ids == sorted(ids)  # in the order given: oldest first


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9), max_size=30), st.integers(-100, 100))
def test_running_balances_end_at_the_sum(amounts: list[int], opening: int) -> None:
    balances = running_balances(amounts, opening)
    assert len(balances) == len(amounts)
    assert (balances[-1] if balances else opening) == opening + sum(amounts)
