"""Settling invoices: credit-note amounts with the invoice's tax, and allocation plans.

Pure functions over integers (minor units).

Credit-note tax follows the invoice's rate and is computed *cumulatively*: the tax of a
credit note is ``tax(credited so far + this) - tax(credited so far)``, each ``tax`` rounded
once with the engine's rule.  So however an invoice is credited in pieces, the taxes of its
credit notes add up to ``tax(total credited)``, and crediting the whole subtotal credits
exactly the invoice's tax: a fully credited invoice leaves exactly zero, never a cent.

Allocation plans take an amount and the open amounts of invoices in the order to settle
them (oldest first, or the order chosen) and say how much goes to each; what is left over is
credit.  Nothing is ever allocated above what is open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import BillingError
from .invoicing import tax_minor


class CreditTooLarge(BillingError, ValueError):
    """The credit would take the invoice's credited subtotal above its subtotal."""

    def __init__(self, available_minor: int) -> None:
        super().__init__(f"at most {available_minor} minor units of the subtotal are left to credit")
        self.available_minor = available_minor


class InvalidCredit(BillingError, ValueError):
    """A credit amount or line amount that is not a positive whole number of minor units."""


@dataclass(frozen=True)
class CreditAmounts:
    """What a credit note says: subtotal (net), tax at the invoice's rate, total."""

    subtotal_minor: int
    tax_bp: int
    tax_minor: int
    total_minor: int


def _positive(value: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidCredit(f"{what} must be a positive whole number of minor units: {value!r}")
    return value


def credit_amounts(
    net_amounts: Sequence[int], tax_bp: int, invoice_subtotal_minor: int, credited_before_minor: int
) -> CreditAmounts:
    """The credit note for ``net_amounts`` (credited lines, or one free amount) of an invoice.

    ``invoice_subtotal_minor`` is the invoice's subtotal and ``credited_before_minor`` the
    subtotal of its earlier credit notes.  Raises :class:`CreditTooLarge` when the credit
    would exceed what is left of the subtotal, :class:`InvalidCredit` for an empty credit or
    a non-positive amount.
    """
    if not net_amounts:
        raise InvalidCredit("choose at least one line or enter an amount")
    subtotal = sum(_positive(amount, "a credited amount") for amount in net_amounts)
    left = invoice_subtotal_minor - credited_before_minor
    if subtotal > left:
        raise CreditTooLarge(max(left, 0))
    tax = tax_minor(credited_before_minor + subtotal, tax_bp) - tax_minor(credited_before_minor, tax_bp)
    return CreditAmounts(subtotal_minor=subtotal, tax_bp=tax_bp, tax_minor=tax, total_minor=subtotal + tax)


def allocation_plan(amount_minor: int, open_amounts: Sequence[tuple[int, int]]) -> tuple[list[tuple[int, int]], int]:
    """Spread ``amount_minor`` over ``(invoice_id, open_minor)`` in the given order.

    Returns ``([(invoice_id, allocated_minor), ...], left_over_minor)``: each invoice gets
    ``min(open, what is left)``; invoices with nothing open or nothing left are skipped.
    The allocations plus the left-over equal ``amount_minor``.
    """
    if amount_minor < 0:
        raise InvalidCredit(f"an amount to allocate cannot be negative: {amount_minor}")
    plan: list[tuple[int, int]] = []
    left = amount_minor
    for invoice_id, open_minor in open_amounts:
        take = min(open_minor, left)
        if take > 0:
            plan.append((invoice_id, take))
            left -= take
    return plan, left


def running_balances(amounts: Sequence[int], opening_minor: int = 0) -> list[int]:
    """The balance after each amount, starting from ``opening_minor``."""
    balances, balance = [], opening_minor
    for amount in amounts:
        balance += amount
        balances.append(balance)
    return balances
