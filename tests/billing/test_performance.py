"""A monthly billing run over tens of thousands of spans stays fast (linear work)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

from portal.billing import build_invoice, month_period, rate_period

from .helpers import UTC, org, price, span, tariffs


def test_twenty_thousand_spans_rate_in_a_few_seconds() -> None:
    start = datetime(2026, 9, 20, tzinfo=UTC)
    spans = []
    for camera in range(10_000):  # two spans each: a tariff change mid-October
        change = start + timedelta(days=15, seconds=camera * 7)
        spans.append(span(camera, start, change, tariff=1 + camera % 5))
        spans.append(span(camera, change, None, tariff=1 + (camera + 1) % 5))
    prices = [price(1000 + t, tariff=t) for t in range(1, 6)]
    prices += [price(2000 + t, tariff=t, since=date(2026, 10, 20)) for t in range(1, 6)]
    billing = org(tz="Europe/Berlin", trial_end=date(2026, 10, 2))
    began = time.process_time()  # CPU time of this process: other jobs on a busy machine do not count
    statement = rate_period(
        [billing], spans, prices, tariffs(1, 2, 3, 4, 5), month_period(2026, 10), datetime(2026, 11, 2, tzinfo=UTC)
    )
    draft = build_invoice(statement, tax_bp=2000)
    elapsed = time.process_time() - began
    assert len(statement.charges) >= 20_000 and draft.total_minor > 0
    assert elapsed < 10, f"rating 20k spans took {elapsed:.1f} s"
