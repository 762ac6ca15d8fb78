"""Individual prices and taxes per organization in the pure engine (portal/billing/terms.py)."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

import pytest

from portal.billing import (
    AdjustmentKind,
    InvalidPriceList,
    NoTaxForPeriod,
    PriceAdjustment,
    TaxAssignment,
    TaxVersion,
    Terms,
    build_invoice,
    month_period,
    rate_period,
)
from tests.billing.helpers import LATER, UTC, org, price, span, tariffs

SEP = month_period(2026, 9)
FULL = (datetime(2026, 8, 20, tzinfo=UTC), datetime(2026, 10, 5, tzinfo=UTC))
IVA = TaxVersion(tax_id=1, name="IVA", effective_from=date(2000, 1, 1), rate_bp=2100)
IGIC = TaxVersion(tax_id=2, name="IGIC", effective_from=date(2000, 1, 1), rate_bp=700)


def adjust(kind: AdjustmentKind, value: int, since: date = date(2000, 1, 1), oid: int = 1) -> PriceAdjustment:
    return PriceAdjustment(organization_id=oid, tariff_id=1, effective_from=since, kind=kind, value=value)


def _rate(terms: Terms, *orgs, spans=None):  # type: ignore[no-untyped-def]
    orgs = orgs or (org(),)
    spans = spans if spans is not None else [span(1, *FULL)]
    return rate_period(list(orgs), spans, [price(1100)], tariffs(), SEP, LATER, terms=terms)


@pytest.mark.parametrize(
    ("kind", "value", "unit"),
    [
        (AdjustmentKind.OVERRIDE, 900, 900),
        (AdjustmentKind.PERCENT, 1000, 990),  # 10 % off €11.00
        (AdjustmentKind.PERCENT, 3333, 733),  # 733.37 -> a price is whole cents, half-up
        (AdjustmentKind.FIXED, 250, 850),
        (AdjustmentKind.FIXED, 5000, 0),  # never below zero
        (AdjustmentKind.LIST, 0, 1100),
    ],
)
def test_individual_price_kinds(kind: AdjustmentKind, value: int, unit: int) -> None:
    (line,) = _rate(Terms(adjustments=(adjust(kind, value),))).lines
    assert (line.list_price_minor, line.unit_price_minor, line.amount_minor) == (1100, unit, unit)
    assert line.has_individual_price is (unit != 1100)


def test_an_individual_price_from_mid_month_splits_the_line_and_rounds_each_once() -> None:
    statement = _rate(Terms(adjustments=(adjust(AdjustmentKind.OVERRIDE, 900, date(2026, 9, 11)),)))
    first, second = statement.lines
    assert (first.unit_price_minor, first.terms_from, second.unit_price_minor, second.terms_from) == (
        1100,
        None,
        900,
        date(2026, 9, 11),
    )
    assert first.exact_minor == Fraction(1100 * 10, 30) and second.exact_minor == Fraction(900 * 20, 30)
    assert (first.amount_minor, second.amount_minor) == (367, 600)  # 366.67 -> 367; once per line
    assert statement.total_minor == 967


def test_subsidiary_uses_its_parents_terms_unless_it_has_its_own() -> None:
    parent, child = org(1), org(2, parent_id=1, invoice_to_parent=True)
    spans = [span(1, *FULL, org_id=1), span(2, *FULL, org_id=2)]
    parents = adjust(AdjustmentKind.OVERRIDE, 800, oid=1)
    inherited = _rate(Terms(adjustments=(parents,)), parent, child, spans=spans)
    assert [ln.unit_price_minor for ln in inherited.lines] == [800, 800]
    own_list = _rate(Terms(adjustments=(parents, adjust(AdjustmentKind.LIST, 0, oid=2))), parent, child, spans=spans)
    assert [ln.unit_price_minor for ln in own_list.lines] == [800, 1100]  # its own "list price" wins
    later = adjust(AdjustmentKind.OVERRIDE, 700, date(2026, 9, 16), oid=2)
    from_16th = _rate(Terms(adjustments=(parents, later)), parent, child, spans=spans)
    assert [(ln.organization_id, ln.unit_price_minor) for ln in from_16th.lines] == [(1, 800), (2, 800), (2, 700)]


def test_an_organization_billed_on_its_own_never_gets_another_organizations_terms() -> None:
    statement = _rate(Terms(adjustments=(adjust(AdjustmentKind.OVERRIDE, 1, oid=9),)))
    assert statement.lines[0].unit_price_minor == 1100


def test_two_tax_rates_on_one_invoice_each_rounded_once() -> None:
    parent, child = org(1), org(2, parent_id=1, invoice_to_parent=True)
    spans = [span(1, *FULL, org_id=1), span(2, datetime(2026, 9, 11, tzinfo=UTC), FULL[1], org_id=2)]
    terms = Terms(
        adjustments=(adjust(AdjustmentKind.OVERRIDE, 900, oid=1),),
        taxes=(IVA, IGIC),
        assignments=(TaxAssignment(1, 1), TaxAssignment(2, 2)),
    )
    draft = build_invoice(_rate(terms, parent, child, spans=spans), tax_bp=2000)
    assert [(ln.organization_id, ln.amount_minor, ln.tax) for ln in draft.lines] == [(1, 900, IVA), (2, 600, IGIC)]
    assert [(t.name, t.rate_bp, t.base_minor, t.tax_minor) for t in draft.taxes] == [
        ("IGIC", 700, 600, 42),
        ("IVA", 2100, 900, 189),
    ]
    assert (draft.subtotal_minor, draft.tax_minor, draft.total_minor, draft.tax_bp) == (1500, 231, 1731, 0)


def test_a_rate_change_mid_period_splits_lines_by_rate() -> None:
    raised = TaxVersion(tax_id=1, name="IVA", effective_from=date(2026, 9, 16), rate_bp=2300)
    terms = Terms(taxes=(IVA, raised), assignments=(TaxAssignment(1, 1),))
    draft = build_invoice(_rate(terms))
    assert [(ln.amount_minor, ln.tax.rate_bp if ln.tax else None) for ln in draft.lines] == [(550, 2100), (550, 2300)]
    assert [(t.rate_bp, t.base_minor, t.tax_minor) for t in draft.taxes] == [(2100, 550, 116), (2300, 550, 127)]


def test_organizations_without_a_tax_use_the_default_rate() -> None:
    draft = build_invoice(_rate(Terms()), tax_bp=2000)
    assert [(t.name, t.rate_bp, t.base_minor, t.tax_minor) for t in draft.taxes] == [("", 2000, 1100, 220)]
    assert (draft.tax_bp, draft.tax_minor) == (2000, 220)


def test_usage_before_the_first_rate_of_an_assigned_tax_is_refused() -> None:
    late = TaxVersion(tax_id=1, name="IVA", effective_from=date(2026, 9, 15), rate_bp=2100)
    with pytest.raises(NoTaxForPeriod):
        _rate(Terms(taxes=(late,), assignments=(TaxAssignment(1, 1),)))


def test_bad_adjustments_are_refused() -> None:
    with pytest.raises(InvalidPriceList):
        adjust(AdjustmentKind.PERCENT, 10_001)
    with pytest.raises(InvalidPriceList):
        _rate(Terms(adjustments=(adjust(AdjustmentKind.LIST, 0), adjust(AdjustmentKind.OVERRIDE, 5))))


def test_a_subsidiary_without_a_tax_is_taxed_like_its_parent_and_its_own_tax_wins() -> None:
    parent, child = org(1), org(2, parent_id=1, invoice_to_parent=True)
    spans = [span(1, *FULL, org_id=1), span(2, *FULL, org_id=2)]
    inherited = _rate(Terms(taxes=(IVA, IGIC), assignments=(TaxAssignment(1, 1),)), parent, child, spans=spans)
    assert [ln.tax for ln in inherited.lines] == [IVA, IVA]
    own = _rate(
        Terms(taxes=(IVA, IGIC), assignments=(TaxAssignment(1, 1), TaxAssignment(2, 2))), parent, child, spans=spans
    )
    assert [ln.tax for ln in own.lines] == [IVA, IGIC]
    alone = _rate(Terms(taxes=(IVA,), assignments=(TaxAssignment(1, 1),)), org(2), spans=[span(2, *FULL, org_id=2)])
    assert alone.lines[0].tax is None  # paying for itself, it never borrows another organization's tax
