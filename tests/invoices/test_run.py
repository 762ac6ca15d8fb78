"""``flask billing run``: idempotent, one run at a time, safe when two start at once."""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from portal.extensions import db
from portal.invoices.run import LOCK_NAME, billing_run
from portal.models import Invoice
from portal.sync.locks import LockBusy, job_lock
from tests.factories import make_org, make_tariff
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP
from tests.usages.helpers import use, utc


def _ledger(app: Flask) -> None:
    golden_org(app, "Alpha")
    golden_org(app, "Beta")
    with app.app_context():
        parent = make_org("Gamma")
        child = make_org("Gamma Branch", parent=parent, invoice_to_parent=True)
        use(child, make_tariff("Branch plan", price=3000), utc(2026, 9, 16), utc(2026, 10, 1))
        make_org("Idle")
        db.session.commit()


def _invoices(app: Flask) -> list[tuple[str, str | None, int]]:
    with app.app_context():
        return [
            (i.organization.title, i.number, i.total_minor)
            for i in db.session.scalars(select(Invoice).order_by(Invoice.id))
        ]


def test_run_issues_once_and_second_run_creates_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    _ledger(app)
    first = runner.invoke(args=["billing", "run", "--period", "2026-09"])
    assert first.exit_code == 0, first.output
    assert "3 issued, 0 drafted, 0 skipped (no billable usage), 0 already invoiced, 0 errors" in first.output
    assert "total EUR: 75.00" in first.output
    issued = _invoices(app)
    assert sorted((t, n) for t, n, _ in issued) == [
        ("Alpha", "INV-2026-000001"),
        ("Beta", "INV-2026-000002"),
        ("Gamma", "INV-2026-000003"),
    ]
    second = runner.invoke(args=["billing", "run", "--period", "2026-09"])
    assert second.exit_code == 0 and "3 already invoiced" in second.output
    assert "Nothing new to invoice." in second.output
    assert _invoices(app) == issued


def test_draft_run_then_issue_run(app: Flask, runner: FlaskCliRunner) -> None:
    _ledger(app)
    drafted = runner.invoke(args=["billing", "run", "--period", "2026-09", "--draft"])
    assert "0 issued, 3 drafted" in drafted.output
    assert all(number is None for _, number, _ in _invoices(app))
    again = runner.invoke(args=["billing", "run", "--period", "2026-09", "--draft"])
    assert "3 already invoiced" in again.output
    issued = runner.invoke(args=["billing", "run", "--period", "2026-09"])
    assert "3 issued" in issued.output and len(_invoices(app)) == 3


def test_bad_period_and_busy_lock(app: Flask, runner: FlaskCliRunner) -> None:
    assert "use YYYY-MM" in runner.invoke(args=["billing", "run", "--period", "2026-9x"]).output
    with app.app_context():
        with job_lock(LOCK_NAME):
            busy = runner.invoke(args=["billing", "run", "--period", "2026-09"])
    assert busy.exit_code == 1 and "Another 'billing-run' run is in progress." in busy.output


def test_two_runs_started_at_once_give_one_set(app: Flask) -> None:
    _ledger(app)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            try:
                summary = billing_run(SEP, NOW)
                outcomes.append(f"created {summary.created}")
            except LockBusy:
                outcomes.append("busy")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) in (["busy", "created 3"], ["created 0", "created 3"]), outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invoice)) == 3
