"""Invoicing: charges -> lines (rounded once each), trial share, tax and totals.

An invoice line is one organization's use of one tariff at one price version
with one trial status, one individual price and one tax rate.  Its
``exact_minor`` is the exact sum of its charges and its ``amount_minor`` that
sum rounded once (``money.ROUNDING``, half-up).  The subtotal is the sum of the
rounded lines.

Tax is rounded once PER RATE: the lines are grouped by their tax rate (name and
basis points; lines of organizations without a tax use the default ``tax_bp``),
each group's base is the sum of its rounded lines, and its tax is
``base x rate_bp / 10000`` rounded once.  The invoice's tax is the sum of the
per-rate taxes and the total is subtotal + tax.  So every invoice adds up on
paper, rate by rate.  Trial lines (amount 0) add no rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from math import lcm
from typing import Any

from .errors import InvalidTaxRate
from .money import round_minor
from .terms import TaxVersion
from .types import Charge, InvoiceDraft, InvoiceLine, Statement, TaxShare, TrialShare

_LineKey = tuple[int, int, date, bool, "date | None", "int | None", "TaxVersion | None"]


class ExactSum:
    """An exact running sum of fractions kept as one integer over a common denominator.

    Adding ``Fraction`` objects normalises (a gcd) at every step; the amounts of one
    invoice share few denominators (the lengths of the months), so keeping the least
    common multiple and an integer numerator is exact and much cheaper.
    """

    __slots__ = ("den", "num")

    def __init__(self) -> None:
        self.num, self.den = 0, 1

    def add(self, value: Fraction) -> None:
        """Add ``value`` exactly."""
        den = value.denominator
        if self.den % den:
            common = lcm(self.den, den)
            self.num *= common // self.den
            self.den = common
        self.num += value.numerator * (self.den // den)

    @property
    def value(self) -> Fraction:
        """The sum."""
        return Fraction(self.num, self.den)


@dataclass
class _Sum:
    """Running totals of one line."""

    first: Charge
    cameras: set[int] = field(default_factory=set)
    microseconds: int = 0
    #: ``{ids of (days, exact, list exact): [those three, how many charges]}``: charges priced
    #: alike share their Fraction objects, so each distinct amount is added once, times its count.
    parts: dict[tuple[int, int, int], list[Any]] = field(default_factory=dict)

    def totals(self) -> tuple[Fraction, Fraction, Fraction]:
        """Exact camera-days, amount and list-price amount of the line."""
        days, exact, list_exact = ExactSum(), ExactSum(), ExactSum()
        for day_count, amount, list_amount, count in self.parts.values():
            days.add(day_count * count)
            exact.add(amount * count)
            list_exact.add(list_amount * count)
        return days.value, exact.value, list_exact.value


def build_lines(charges: Iterable[Charge]) -> tuple[InvoiceLine, ...]:
    """Group charges into invoice lines, each rounded once.

    Lines are ordered by organization, tariff name, tariff id, price date, and
    trial before paid.
    """
    sums: dict[_LineKey, _Sum] = {}
    for charge in charges:
        key = (
            charge.organization_id,
            charge.tariff_id,
            charge.price_from,
            charge.is_trial,
            charge.terms_from,
            charge.individual_minor,
            charge.tax,
        )
        total = sums.get(key)
        if total is None:
            total = sums[key] = _Sum(charge)
        total.cameras.add(charge.camera_id)
        total.microseconds += charge.microseconds
        same = (id(charge.days), id(charge.exact_minor), id(charge.list_exact_minor))
        part = total.parts.get(same)
        if part is None:
            total.parts[same] = [charge.days, charge.exact_minor, charge.list_exact_minor, 1]
        else:
            part[3] += 1
    lines = []
    for key, total in sums.items():
        days, exact, list_exact = total.totals()
        lines.append(
            InvoiceLine(
                organization_id=key[0],
                tariff_id=key[1],
                tariff_name=total.first.tariff_name,
                price_from=key[2],
                list_price_minor=total.first.list_price_minor,
                is_trial=key[3],
                cameras=len(total.cameras),
                microseconds=total.microseconds,
                days=days,
                exact_minor=exact,
                list_exact_minor=list_exact,
                amount_minor=round_minor(exact),
                individual_minor=key[5],
                terms_from=key[4],
                tax=key[6],
            )
        )
    lines.sort(
        key=lambda ln: (
            ln.organization_id,
            ln.tariff_name,
            ln.tariff_id,
            ln.price_from,
            not ln.is_trial,
            ln.terms_from or date.min,
            ln.tax.effective_from if ln.tax else date.min,
        )
    )
    return tuple(lines)


def trial_share(charges: Iterable[Charge]) -> TrialShare:
    """What the trial gave away: time, camera-days and list-price value (rounded once)."""
    microseconds, days, value = 0, ExactSum(), ExactSum()
    for charge in charges:
        if charge.is_trial:
            microseconds += charge.microseconds
            days.add(charge.days)
            value.add(charge.list_exact_minor)
    return TrialShare(
        microseconds=microseconds,
        days=days.value,
        list_exact_minor=value.value,
        list_amount_minor=round_minor(value.value),
    )


def tax_minor(subtotal_minor: int, tax_bp: int) -> int:
    """Tax on a subtotal at ``tax_bp`` basis points (2000 = 20 %), rounded once."""
    if not isinstance(tax_bp, int) or isinstance(tax_bp, bool) or tax_bp < 0:
        raise InvalidTaxRate(f"tax rate must be a non-negative integer of basis points: {tax_bp!r}")
    return round_minor(Fraction(subtotal_minor * tax_bp, 10_000))


def tax_shares(lines: Iterable[InvoiceLine], default_bp: int = 0) -> tuple[TaxShare, ...]:
    """The invoice's taxes: lines grouped by rate, each group's base taxed and rounded once.

    Lines without a tax (organizations with no tax assigned) use ``default_bp`` under an
    empty name.  Trial lines add nothing.  Ordered by rate, then name.
    """
    bases: dict[tuple[str, int], int] = {}
    for line in lines:
        if line.is_trial:
            continue
        key = ("", default_bp) if line.tax is None else (line.tax.name, line.tax.rate_bp)
        bases[key] = bases.get(key, 0) + line.amount_minor
    return tuple(
        TaxShare(name=name, rate_bp=rate, base_minor=base, tax_minor=tax_minor(base, rate))
        for (name, rate), base in sorted(bases.items(), key=lambda item: (item[0][1], item[0][0]))
    )


def build_invoice(statement: Statement, tax_bp: int = 0) -> InvoiceDraft:
    """Turn a statement into an invoice draft: lines, annex, subtotal, tax per rate, total.

    ``tax_bp`` is the default rate, for lines of organizations without a tax of their own.
    Trial lines stay on the invoice with a zero amount so the subscriber sees
    the free usage.  ``subtotal_minor == statement.total_minor``.  ``tax_bp`` of the
    draft is the one rate used (the default when none is used, 0 when several are).
    """
    tax_minor(0, tax_bp)  # validates the default rate
    subtotal = sum(line.amount_minor for line in statement.lines)
    shares = tax_shares(statement.lines, tax_bp)
    rates = {share.rate_bp for share in shares}
    tax = sum(share.tax_minor for share in shares)
    return InvoiceDraft(
        bill_to_id=statement.bill_to_id,
        organization_ids=statement.organization_ids,
        period=statement.period,
        currency=statement.currency,
        lines=statement.lines,
        annex=statement.charges,
        subtotal_minor=subtotal,
        tax_bp=rates.pop() if len(rates) == 1 else (tax_bp if not rates else 0),
        tax_minor=tax,
        total_minor=subtotal + tax,
        taxes=shares,
    )
