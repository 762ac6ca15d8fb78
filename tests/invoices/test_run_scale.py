"""The billing run at scale, in small: its SQL statements do not grow with the data, and
its invoices are the engine's to the cent on SQLite and PostgreSQL alike.

The data is the benchmark's deterministic dataset (``bench/dataset.py``: organizations of
1–1,000 cameras, subsidiaries billed to a parent, ten tariffs with a mid-month price change,
four zones, edge cases), seeded at a few hundred cameras.  The expectation is computed by the
pure engine straight from the dataset's rows, with no database: both backends must match it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from bench.dataset import NOW, PERIOD, rows, seed
from portal.billing import BillingOrg, PriceVersion, TariffInfo, UsageSpan, build_invoice, invoice_scope, rate_period
from portal.extensions import db
from portal.invoices import run as billing
from portal.invoices.rows import invoice_rows
from portal.invoices.run import billing_run
from portal.models import Invoice, InvoiceCameraLine, InvoiceLine, InvoiceStatus
from tests.conftest import _empty_tables

SMALL, LARGE = 200, 1_000


@contextmanager
def counting() -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _seed(cameras: int) -> None:
    with db.engine.begin() as conn:
        seed(conn, cameras)


def expected(cameras: int) -> dict[int, tuple[int, Counter[tuple[int, int, int, int]], list[tuple[Any, ...]]]]:
    """``{payer id: (total, lines (tariff, unit price, cameras, amount), camera lines)}`` by the engine alone."""
    data = rows(cameras)
    orgs = [
        BillingOrg(
            id=o["id"],
            title=o["title"],
            timezone=o["timezone"],
            currency=o["currency"],
            trial_start=None,
            trial_end=None,
            parent_id=o["parent_id"],
            invoice_to_parent=o["invoice_to_parent"],
        )
        for o in data["organizations"]
    ]
    cams = {c["id"]: c for c in data["cameras"]}
    spans = [
        UsageSpan(
            camera_id=u["camera_id"],
            camera_name=cams[u["camera_id"]]["name"],
            camera_title=cams[u["camera_id"]]["title"],
            organization_id=u["organization_id"],
            tariff_id=u["tariff_id"],
            started_at=u["started_at"],
            ended_at=u["ended_at"],
        )
        for u in data["usage_intervals"]
    ]
    prices = [
        PriceVersion(p["tariff_id"], p["effective_from"], p["amount_minor"], p["currency"])
        for p in data["tariff_prices"]
    ]
    tariffs = [TariffInfo(t["id"], t["name"]) for t in data["tariffs"]]
    found = {}
    for org in orgs:
        if org.invoice_to_parent:
            continue
        draft = build_invoice(rate_period(invoice_scope(org, orgs), spans, prices, tariffs, PERIOD, NOW))
        if draft.lines:
            lines = Counter((ln.tariff_id, ln.unit_price_minor, ln.cameras, ln.amount_minor) for ln in draft.lines)
            rows_ = invoice_rows({o.id: o.title for o in orgs}, draft, None)
            found[org.id] = (draft.total_minor, lines, sorted(_annex(c) for c in rows_.cameras))
    return found


def billed() -> dict[int, tuple[int, Counter[tuple[int, int, int, int]], list[tuple[Any, ...]]]]:
    """What the run wrote, in the same shape as :func:`expected`."""
    found = {}
    for invoice in db.session.scalars(select(Invoice).where(Invoice.status == InvoiceStatus.ISSUED)):
        lines = Counter(
            (ln.tariff_id, ln.unit_price_minor, ln.cameras, ln.amount_minor)
            for ln in db.session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
        )
        cameras = sorted(
            _annex({c: getattr(row, c) for c in ANNEX})
            for row in db.session.scalars(select(InvoiceCameraLine).where(InvoiceCameraLine.invoice_id == invoice.id))
        )
        found[invoice.organization_id] = (invoice.total_minor, lines, cameras)
    return found


ANNEX = ("camera_name", "tariff_name", "started_at", "ended_at", "seconds", "amount", "is_trial")


def _annex(row: dict[str, Any]) -> tuple[Any, ...]:
    """A camera line's columns, exactly (instants to the microsecond, amounts to 6 places)."""
    return tuple(row[c] for c in ANNEX)


def _numbers() -> list[str]:
    return sorted(n for n in db.session.scalars(select(Invoice.number)) if n)


def test_statements_do_not_grow_with_cameras(app: Flask) -> None:
    counts = {}
    with app.app_context():
        for size in (SMALL, LARGE):
            _seed(size)
            with counting() as seen:
                summary = billing_run(PERIOD, NOW)
            assert summary.issued and not summary.errors
            counts[size] = len(seen)
            _empty_tables()
            db.session.remove()
    assert counts[SMALL] == counts[LARGE], counts
    assert counts[LARGE] < 40, counts


def test_invoices_are_the_engines_to_the_cent(app: Flask) -> None:
    want = expected(LARGE)
    with app.app_context():
        _seed(LARGE)
        summary = billing_run(PERIOD, NOW)
        assert not summary.errors and not summary.waiting
        assert billed() == want
        numbers = _numbers()
        assert numbers == [f"INV-2026-{i:06d}" for i in range(1, len(want) + 1)]  # gapless
        assert sum(summary.totals.values()) == sum(total for total, _lines, _cams in want.values())
        again = billing_run(PERIOD, NOW)  # idempotent: a re-run adds nothing
        assert again.created == 0 and len(again.already) == len(want)
        assert _numbers() == numbers


def test_batches_cover_every_payer_once_in_order_with_small_ends(app: Flask) -> None:
    from portal.billing_read import usage_per_payer

    with app.app_context():
        _seed(LARGE)
        orgs, counts = usage_per_payer(PERIOD)
        in_order = sorted(counts, key=lambda org_id: (orgs[org_id].title, org_id))
        assert list(billing.plan(PERIOD)) == [in_order]  # everything fits: one batch, as before
        most = sum(counts.values()) // 3
        batches = list(billing.plan(PERIOD, max_intervals=most, max_payers=4))
        assert [payer for batch in batches for payer in batch] == in_order
        sizes = [sum(counts[payer] for payer in batch) for batch in batches]
        assert len(batches) > 3, sizes
        for size, batch in zip(sizes, batches, strict=True):
            assert len(batch) <= 4
            assert size <= most or len(batch) == 1  # a payer bigger than a batch is one of its own
        for end in (0, -1):  # the pipeline fills and drains with a quarter
            assert sizes[end] <= most // 4 or len(batches[end]) == 1, sizes


def test_small_batches_bill_the_same(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(billing, "BATCH_INTERVALS", 150)
    with app.app_context():
        _seed(SMALL)
        batches = list(billing.plan(PERIOD, max_intervals=150))
        assert len(batches) > 1
        monkeypatch.setattr(billing, "plan", lambda period: iter(batches))
        summary = billing_run(PERIOD, NOW)
        assert not summary.errors
        assert billed() == expected(SMALL)


def test_a_batch_failing_while_read_stops_the_run_and_a_rerun_completes(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next batch is read (on PostgreSQL, on a thread of its own) while one is written:
    an error there reaches the run; running it again bills every payer once, numbers gapless."""
    with app.app_context():
        _seed(SMALL)
        batches = list(billing.plan(PERIOD, max_intervals=150))
        assert len(batches) > 1
        monkeypatch.setattr(billing, "plan", lambda period: iter(batches))
        rate, calls = billing._rate, []

        def failing_second(*args: Any, **kwargs: Any) -> Any:  # the first batch is written meanwhile
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("the database went away")
            return rate(*args, **kwargs)

        monkeypatch.setattr(billing, "_rate", failing_second)
        with pytest.raises(RuntimeError, match="went away"):
            billing_run(PERIOD, NOW)
        db.session.remove()
        if db.engine.dialect.name == "postgresql":  # one transaction: nothing of the run stays
            assert db.session.scalar(select(db.func.count()).select_from(Invoice)) == 0
        monkeypatch.setattr(billing, "_rate", rate)
        summary = billing_run(PERIOD, NOW)
        assert not summary.errors
        assert billed() == expected(SMALL)
        assert _numbers() == [f"INV-2026-{i:06d}" for i in range(1, len(expected(SMALL)) + 1)]


def _blind(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the batch's reads miss existing invoices, as if another worker wrote them meanwhile."""
    none: Callable[..., dict[int, Any]] = lambda *_args, **_kw: {}  # noqa: E731
    monkeypatch.setattr(billing, "_existing", none)
    monkeypatch.setattr(billing.coverage, "overlapping_invoices", none)


def test_a_refused_batch_is_written_again_payer_by_payer(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        _seed(SMALL)
        payers = next(billing.plan(PERIOD))
        assert len(payers) > 3
        first = billing.bill_organizations(db.session, PERIOD, payers[1:2], NOW)
        db.session.commit()
        assert len(first.issued) == 1
        _blind(monkeypatch)
        report = billing.bill_organizations(db.session, PERIOD, payers, NOW)
        db.session.commit()
        title = db.session.get(Invoice, 1).organization.title
        assert report.already == [title] and not report.errors
        assert len(report.issued) == len(payers) - 1
        assert _numbers() == [f"INV-2026-{i:06d}" for i in range(1, len(payers) + 1)]  # no number lost
        assert db.session.scalar(select(db.func.count()).select_from(Invoice)) == len(payers)


def test_a_bulk_insert_touching_an_issued_invoice_is_refused_whole(app: Flask) -> None:
    """Adding lines is checked per statement on PostgreSQL (per row on SQLite): one bad row refuses all."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from portal.models.invoice_rules import FROZEN_MESSAGE

    with app.app_context():
        _seed(SMALL)
        payers = next(billing.plan(PERIOD))
        billing.bill_organizations(db.session, PERIOD, payers[:1], NOW)
        billing.bill_organizations(db.session, PERIOD, payers[1:2], NOW, draft=True)
        db.session.commit()
        issued, draft = db.session.scalars(select(Invoice.id).order_by(Invoice.id)).all()
        row = {
            "position": 999,
            "organization_title": "x",
            "camera_name": "x",
            "camera_title": "",
            "tariff_name": "x",
            "started_at": NOW,
            "ended_at": NOW,
            "seconds": 1,
            "amount": 0,
            "is_trial": False,
        }
        count = select(db.func.count()).select_from(InvoiceCameraLine)
        before = db.session.scalar(count)
        with pytest.raises(IntegrityError, match=FROZEN_MESSAGE):
            db.session.execute(insert(InvoiceCameraLine), [{**row, "invoice_id": draft}, {**row, "invoice_id": issued}])
        db.session.rollback()
        assert db.session.scalar(count) == before
        db.session.execute(insert(InvoiceCameraLine), [{**row, "invoice_id": draft}])  # a draft's annex is free
        assert db.session.scalar(count) == before + 1
        db.session.rollback()


def test_issuing_an_unchanged_draft_keeps_its_rows(app: Flask) -> None:
    """Issuing rates once; lines that came out the same are not deleted and written again."""
    from portal.invoices.service import create_invoice, issue_invoice
    from portal.models import Organization
    from tests.invoices.helpers import golden_org
    from tests.invoices.test_lifecycle import NOW as SEP_NOW
    from tests.invoices.test_lifecycle import SEP

    org_id = golden_org(app)
    with app.app_context():
        draft = create_invoice(db.session.get(Organization, org_id), SEP, SEP_NOW)
        db.session.commit()
        lines = [(ln.id, ln.amount_minor) for ln in draft.lines]
        cameras = [c.id for c in draft.cameras]
        with counting() as seen:
            issued = issue_invoice(draft, SEP_NOW)
        db.session.commit()
        assert issued.number and issued.total_minor == 3000
        assert [(ln.id, ln.amount_minor) for ln in issued.lines] == lines
        assert [c.id for c in issued.cameras] == cameras
        assert not any(
            s.lstrip().upper().startswith(("DELETE FROM INVOICE_LINES", "INSERT INTO INVOICE_LINES")) for s in seen
        )
