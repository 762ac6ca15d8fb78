"""Billing run against its SQL floor on PostgreSQL: ``python -m bench.billing [--cameras N ...] [--million]``.

For each N: a database seeded with :mod:`bench.dataset`, then, on each of ``BENCH_REPEAT``
(default 2) fresh copies of it, in the same run (the best of each is kept),

* the floor: ONE SQL statement that computes the same per-organization, per-line
  prorated sums over the same rows (October in each organization's zone, split at
  the price change, rounded half-up per line) and bulk-inserts the same invoice,
  line and camera-line rows (``INSERT … SELECT``), in one transaction (rolled back);
* the billing run (:func:`portal.invoices.run.billing_run`), committed;

and prints seconds, SQL statements, the ratio and the agreement to the cent (lines
equal / lines, totals equal / invoices).  :func:`run` returns the rows for a combined
table: ``{what, N, seconds, floor_seconds, ratio, statements, agree}``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text

from bench.dataset import NOW, PERIOD, Seeded

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEFAULT_SIZES = (10_000, 100_000)

#: The floor: one statement.  Pieces = usage clipped to the month in the organization's zone
#: and to ``now``, split at price versions; lines = per payer, organization, tariff, version.
FLOOR_SQL = """
WITH o AS (
    SELECT id, title, timezone,
           CASE WHEN invoice_to_parent AND parent_id IS NOT NULL THEN parent_id ELSE id END AS payer_id,
           (CAST(:month_start AS timestamp) AT TIME ZONE timezone) AS m_start,
           (CAST(:month_end AS timestamp) AT TIME ZONE timezone) AS m_end
    FROM organizations
), v AS (
    SELECT tariff_id, effective_from, amount_minor,
           lead(effective_from) OVER (PARTITION BY tariff_id ORDER BY effective_from) AS next_from
    FROM tariff_prices
), cut AS (
    SELECT o.payer_id, u.organization_id, u.camera_id, u.tariff_id, v.effective_from, v.amount_minor,
           greatest(u.started_at, o.m_start, CAST(v.effective_from AS timestamp) AT TIME ZONE o.timezone) AS lo,
           least(coalesce(u.ended_at, :now), :now, o.m_end,
                 coalesce(CAST(v.next_from AS timestamp) AT TIME ZONE o.timezone, 'infinity')) AS hi,
           CAST(extract(epoch FROM o.m_end - o.m_start) * 1000000 AS bigint) AS month_us
    FROM usage_intervals u
    JOIN o ON o.id = u.organization_id
    JOIN v ON v.tariff_id = u.tariff_id
    WHERE u.started_at < o.m_end AND (u.ended_at IS NULL OR u.ended_at > o.m_start)
), pieces AS MATERIALIZED (
    SELECT *, CAST(extract(epoch FROM hi - lo) * 1000000 AS bigint) AS us FROM cut WHERE hi > lo
), lines AS MATERIALIZED (
    SELECT payer_id, organization_id, tariff_id, effective_from, amount_minor,
           count(DISTINCT camera_id) AS cameras, sum(us) AS us, min(month_us) AS month_us,
           CAST(round(amount_minor * CAST(sum(us) AS numeric) / min(month_us)) AS bigint) AS amount
    FROM pieces GROUP BY payer_id, organization_id, tariff_id, effective_from, amount_minor
), inv AS (
    INSERT INTO invoices (organization_id, period_start, period_end, status, currency, minor_units,
                          subtotal_minor, tax_minor, total_minor, tax_rate_bp, bill_to, created_at)
    SELECT payer_id, :period_start, :period_end, 'draft', 'EUR', 2, sum(amount), 0, sum(amount), 0, '', now()
    FROM lines GROUP BY payer_id
    RETURNING id, organization_id, total_minor
), il AS (
    INSERT INTO invoice_lines (invoice_id, position, tariff_id, description, unit_price_minor, cameras,
                               camera_days, amount_minor, is_trial)
    SELECT inv.id, row_number() OVER (PARTITION BY l.payer_id ORDER BY l.organization_id, l.tariff_id,
                                      l.effective_from),
           l.tariff_id, org.title || ': ' || t.name, l.amount_minor, l.cameras,
           round(CAST(l.us AS numeric) * 31 / l.month_us, 4), l.amount, false
    FROM lines l JOIN inv ON inv.organization_id = l.payer_id
    JOIN tariffs t ON t.id = l.tariff_id JOIN organizations org ON org.id = l.organization_id
    RETURNING invoice_id, tariff_id, unit_price_minor, amount_minor
), icl AS (
    INSERT INTO invoice_camera_lines (invoice_id, position, organization_title, camera_name, camera_title,
                                      tariff_name, started_at, ended_at, seconds, amount, is_trial)
    SELECT inv.id, row_number() OVER (PARTITION BY p.payer_id ORDER BY p.organization_id, c.name, p.lo),
           org.title, c.name, c.title, t.name, p.lo, p.hi, p.us / 1000000,
           round(p.amount_minor * CAST(p.us AS numeric) / p.month_us / 100, 6), false
    FROM pieces p JOIN inv ON inv.organization_id = p.payer_id
    JOIN cameras c ON c.id = p.camera_id JOIN tariffs t ON t.id = p.tariff_id
    JOIN organizations org ON org.id = p.organization_id
    RETURNING 1
)
SELECT inv.organization_id, il.tariff_id, il.unit_price_minor, il.amount_minor, inv.total_minor,
       (SELECT count(*) FROM icl) AS camera_lines
FROM il JOIN inv ON inv.id = il.invoice_id
"""

RUN_LINES_SQL = """
SELECT i.organization_id, l.tariff_id, l.unit_price_minor, l.amount_minor, i.total_minor
FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
WHERE i.period_start = :period_start AND i.period_end = :period_end AND i.status <> 'void'
"""


class StatementCounter:
    """Counts the SQL statements an engine sends (an executemany counts once)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


@contextmanager
def pg_database(template: str | None = None) -> Iterator[str]:
    """A fresh PostgreSQL database, empty or a copy of the database at URL ``template`` (dropped after)."""
    name = f"portal_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _params() -> dict[str, Any]:
    following = PERIOD.end.toordinal() + 1
    from datetime import date

    return {
        "month_start": PERIOD.start.isoformat(),
        "month_end": date.fromordinal(following).isoformat(),
        "now": NOW,
        "period_start": PERIOD.start,
        "period_end": PERIOD.end,
    }


def measure_floor(conn: Connection) -> tuple[float, list[tuple[int, int, int, int]], dict[int, int], int]:
    """Run the floor in one transaction (rolled back): seconds, lines, totals per payer, camera lines."""
    with conn.begin() as tx:
        start = time.perf_counter()
        found = conn.execute(text(FLOOR_SQL), _params()).all()
        seconds = time.perf_counter() - start
        tx.rollback()
    lines = [(payer, tariff, unit, amount) for payer, tariff, unit, amount, _total, _cams in found]
    totals = {payer: total for payer, _t, _u, _a, total, _cams in found}
    return seconds, lines, totals, found[0][5] if found else 0


def run_lines(conn: Connection) -> tuple[list[tuple[int, int, int, int]], dict[int, int]]:
    """The billing run's lines and invoice totals for the period."""
    found = conn.execute(text(RUN_LINES_SQL), _params()).all()
    return [(p, t, u, a) for p, t, u, a, _total in found], {p: total for p, _t, _u, _a, total in found}


def agreement(floor: list[Any], run: list[Any], floor_totals: dict[int, int], run_totals: dict[int, int]) -> str:
    """``"7874/7874 lines, 664/664 totals"``: equal to the cent."""
    same = sum((Counter(floor) & Counter(run)).values())
    totals = sum(1 for payer, total in floor_totals.items() if run_totals.get(payer) == total)
    lines = max(len(floor), len(run))
    return f"{same}/{lines} lines, {totals}/{max(len(floor_totals), len(run_totals))} totals"


def _trial(url: str) -> dict[str, Any]:
    """The floor, then the billing run, on the seeded database at ``url``."""
    from portal import create_app
    from portal.extensions import db
    from portal.invoices.run import billing_run

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret-key-0123456789abcdef",
            # the issued invoices' PDFs stay pending for the worker: the run is measured, not WeasyPrint
            "DOCUMENTS_RENDER_IN_PROCESS": False,
        }
    )
    with app.app_context():
        with db.engine.connect() as conn:
            floor_seconds, floor_lines, floor_totals, camera_lines = measure_floor(conn)
        counter = StatementCounter(db.engine)
        start = time.perf_counter()
        summary = billing_run(PERIOD, NOW)
        seconds = time.perf_counter() - start
        statements = counter.count
        with db.engine.connect() as conn:
            lines, totals = run_lines(conn)
        db.session.remove()
        db.engine.dispose()
    return {
        "seconds": seconds,
        "floor_seconds": floor_seconds,
        "statements": statements,
        "agree": agreement(floor_lines, lines, floor_totals, totals),
        "invoices": len(floor_totals),
        "camera_lines": camera_lines,
        "issued": len(summary.issued),
        "errors": len(summary.errors),
    }


def bench_size(cameras: int, repeat: int | None = None) -> list[dict[str, Any]]:
    """Seed ``cameras`` cameras once; then ``repeat`` times (``BENCH_REPEAT``, default 2), on a
    fresh copy of that database, the floor and the billing run.  The best run and the best
    floor are kept (on a shared machine, the figures least disturbed by others); the
    agreement is shown for every copy."""
    repeat = repeat or int(os.environ.get("BENCH_REPEAT") or 2)
    with pg_database() as seeded_url:
        # seeded in a process of its own: this one never holds the dataset, so its peak
        # memory is the billing run's (flat in N: bounded batches)
        made = subprocess.run(
            [sys.executable, "-m", "bench.dataset", seeded_url, str(cameras)],
            check=True,
            capture_output=True,
            text=True,
        )
        seeded = Seeded(**json.loads(made.stdout.strip().splitlines()[-1]))
        admin = create_engine(seeded_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # the copies carry its statistics
        admin.dispose()
        trials = []
        for _ in range(repeat):
            with pg_database(template=seeded_url) as url:
                trials.append(_trial(url))
    best = min(trials, key=lambda t: float(t["seconds"]))
    floor_seconds = min(float(t["floor_seconds"]) for t in trials)
    agree = "; ".join(dict.fromkeys(str(t["agree"]) for t in trials))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    detail = (
        f"{seeded.organizations} orgs, {seeded.intervals} intervals, {seeded.edge_cases} edge cases, "
        f"{best['invoices']} invoices, {best['camera_lines']} camera lines; run: {best['issued']} issued, "
        f"{best['errors']} errors; best of {repeat}; peak memory of the run's process {peak:.0f} MiB"
    )
    return [
        {
            "what": "billing run, one month",
            "N": cameras,
            "seconds": round(float(best["seconds"]), 3),
            "floor_seconds": round(floor_seconds, 3),
            "ratio": round(float(best["seconds"]) / floor_seconds, 2) if floor_seconds else None,
            "statements": best["statements"],
            "agree": agree,
            "peak_mib": round(peak),
            "detail": detail,
        }
    ]


def run(n: int) -> list[dict[str, Any]]:
    """The billing rows at ``n`` cameras (for the combined ``make bench`` table)."""
    return bench_size(n)


def print_rows(rows: list[dict[str, Any]]) -> None:
    """One line per row."""
    print(f"{'what':<24} {'N':>9} {'seconds':>9} {'floor s':>9} {'ratio':>7} {'SQL':>6}  agree")
    for row in rows:
        print(
            f"{row['what']:<24} {row['N']:>9} {row['seconds']:>9.3f} {row['floor_seconds']:>9.3f} "
            f"{row['ratio']:>6}x {row['statements']:>6}  {row['agree']}"
        )
        if row.get("detail"):
            print(f"{'':<24} {row['detail']}")


def main() -> None:
    """Run the billing benchmark at the sizes given."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cameras", type=int, nargs="*", default=list(DEFAULT_SIZES))
    parser.add_argument("--million", action="store_true", help="also 1,000,000 cameras (minutes, several GiB)")
    args = parser.parse_args()
    sizes = list(args.cameras) + ([1_000_000] if args.million else [])
    rows: list[dict[str, Any]] = []
    for n in sizes:
        rows += run(n)
        print_rows(rows[-1:])


if __name__ == "__main__":
    main()
