"""load_statement: golden figures through the database, roll-up scope, set-based loading."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event

from portal.billing import MixedCurrency, NoPriceForPeriod, ProrationMode, month_period
from portal.extensions import db
from portal.usages.service import load_statement, organizations_with_usage
from tests.factories import make_org, make_tariff
from tests.usages.helpers import golden_september, use, utc

SEP = month_period(2026, 9)
NOV = month_period(2026, 11)
NOW = utc(2027, 1, 1)


def test_golden_thirty_euros(ctx: None) -> None:
    org = make_org("Acme")
    tariff = make_tariff("Basic", price=900)
    golden_september(org, tariff)
    statement = load_statement(org, SEP, NOW)
    assert statement.total_minor == 3000
    [line] = statement.lines
    assert (line.cameras, line.camera_days, line.amount_minor) == (4, 100, 3000)


@pytest.mark.parametrize("app_config", [{"BILLING_PRORATION": "day"}])
def test_day_mode_counts_started_days(app: Flask) -> None:
    with app.app_context():
        org = make_org("Acme")
        tariff = make_tariff("Basic", price=3000)
        use(org, tariff, utc(2026, 11, 1, 23), utc(2026, 11, 2, 1))  # touches 2 days
        statement = load_statement(org, NOV, NOW)
        assert statement.mode is ProrationMode.DAY
        assert statement.total_minor == 200


def test_rollup_includes_subsidiaries_billed_to_parent_at_any_depth(ctx: None) -> None:
    parent = make_org("Parent")
    child = make_org("Child", parent=parent, invoice_to_parent=True)
    grandchild = make_org("Grandchild", parent=child, invoice_to_parent=True)
    independent = make_org("Independent", parent=parent, invoice_to_parent=False)
    tariff = make_tariff("Basic", price=900)
    for org in (parent, child, grandchild, independent):
        use(org, tariff, utc(2026, 11, 1), utc(2026, 12, 1))
    statement = load_statement(parent, NOV, NOW)
    assert set(statement.organization_ids) == {parent.id, child.id, grandchild.id}
    assert statement.total_minor == 2700
    assert [o.id for o in organizations_with_usage(NOV)] == [independent.id, parent.id]


def test_engine_errors_come_through(ctx: None) -> None:
    org = make_org("Acme")
    use(org, make_tariff("Late", price=900, effective_from=NOV.end), utc(2026, 11, 1), utc(2026, 11, 3))
    with pytest.raises(NoPriceForPeriod):
        load_statement(org, NOV, NOW)
    other = make_org("Dollars")
    use(other, make_tariff("USD plan", price=900, currency="USD"), utc(2026, 11, 1), None)
    with pytest.raises(MixedCurrency):
        load_statement(other, NOV, NOW)


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Collect the SQL statements run on the session's engine."""
    seen: list[str] = []

    def listener(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_statement_count_does_not_grow_with_cameras(ctx: None) -> None:
    parent = make_org("Parent")
    child = make_org("Child", parent=parent, invoice_to_parent=True)
    tariffs = [make_tariff(f"T{n}", price=900 + n) for n in range(3)]
    counts = []
    for batch in (2, 40):
        for n in range(batch):
            use(parent if n % 2 else child, tariffs[n % 3], utc(2026, 11, 2), None)
        db.session.commit()
        with count_statements() as seen:
            statement = load_statement(parent, NOV, NOW)
        counts.append(len(seen))
        assert len({c.camera_id for c in statement.charges}) == len(statement.charges)
    # organizations of the scope, intervals (joined), suspension windows (issue 14), prices, terms
    # (individual prices and taxes, one UNION ALL); +1 reloads the expired `parent`
    assert counts[0] == counts[1] <= 6, counts
