"""The first benchmarks: ``python -m bench.classic [--cameras N]`` (or ``python -m bench --classic``).

* the pure engine rating a month of usage for many cameras;
* the pull turning a full listing of streams into the ledger (first sync and a re-sync);
* the Usages path (load_statement: set-based SQL + engine) for one large organization.

Figures are printed and written to bench/results/classic.json (not committed).
They are measurements, not assertions: compare them between commits.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def measure(name: str, func: Callable[[], Any], repeat: int = 3) -> dict[str, Any]:
    """Best wall time of ``repeat`` runs and the peak memory of one."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    row = {"name": name, "seconds": round(best, 4), "peak_mib": round(peak / 2**20, 2)}
    print(f"{name:<48} {row['seconds']:>9.4f} s {row['peak_mib']:>9.2f} MiB")
    return row


def bench_engine(cameras: int) -> dict[str, Any]:
    """Rate one month for ``cameras`` cameras, each with a mid-month tariff change."""
    from portal.billing import BillingOrg, PriceVersion, TariffInfo, UsageSpan, month_period, rate_period

    org = BillingOrg(
        id=1,
        title="Big",
        timezone="Europe/Berlin",
        currency="EUR",
        trial_start=None,
        trial_end=None,
        parent_id=None,
        invoice_to_parent=False,
    )
    start = datetime(2026, 9, 20, tzinfo=timezone.utc)
    switch = datetime(2026, 10, 15, 12, tzinfo=timezone.utc)
    spans = []
    for i in range(cameras):
        spans.append(UsageSpan(i, f"cam{i}", "", 1, 1 + i % 3, start, switch))
        spans.append(UsageSpan(i, f"cam{i}", "", 1, 1 + (i + 1) % 3, switch, None))
    prices = [PriceVersion(t, date(2026, 1, 1), 900 + t * 100, "EUR") for t in (1, 2, 3)]
    prices.append(PriceVersion(2, date(2026, 10, 10), 1250, "EUR"))
    tariffs = [TariffInfo(t, f"T{t}") for t in (1, 2, 3)]
    now = datetime(2026, 11, 2, tzinfo=timezone.utc)
    return measure(
        f"engine: rate October, {cameras} cameras ({2 * cameras} spans)",
        lambda: rate_period([org], spans, prices, tariffs, month_period(2026, 10), now),
    )


def bench_database(cameras: int, workdir: Path) -> list[dict[str, Any]]:
    """Pull and Usages against a real SQLite database with ``cameras`` cameras."""
    from portal import create_app
    from portal.billing import month_period
    from portal.extensions import db
    from portal.models import Base, Organization, Tariff, TariffPrice, UsageInterval
    from portal.sync.pull import apply_streams
    from portal.usages.service import load_statement
    from portal.watcher import Stream

    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-0123456789abcdef"})
    rows = []
    with app.app_context():
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
        tariffs = []
        for i in (1, 2):
            tariff = Tariff(name=f"T{i}", currency="EUR", watcher_id=100 + i)
            tariff.prices.append(TariffPrice(effective_from=date(2026, 1, 1), amount_minor=1000 * i, currency="EUR"))
            tariffs.append(tariff)
        org = Organization(title="Big", timezone="Europe/Berlin", currency="EUR", watcher_id=7, depth=0)
        db.session.add_all([*tariffs, org])
        db.session.commit()
        created = int(datetime(2026, 9, 1, tzinfo=timezone.utc).timestamp() * 1000)
        first = [Stream(name=f"cam{i}", organization_id=7, preset_id=101, created_at=created) for i in range(cameras)]
        changed = [
            Stream(
                name=f"cam{i}",
                organization_id=7,
                preset_id=101 + (i % 2),
                created_at=created,
                last_change_at=created + 86_400_000 * 40,
            )
            for i in range(cameras)
        ]
        now = datetime(2026, 10, 20, tzinfo=timezone.utc)

        def reset() -> None:
            db.session.execute(db.delete(UsageInterval))
            db.session.execute(db.text("DELETE FROM cameras"))
            db.session.commit()

        def first_sync() -> None:
            reset()
            apply_streams(first, now=now)
            db.session.commit()

        rows.append(measure(f"pull: first sync, {cameras} new cameras", first_sync))

        def resync() -> None:
            apply_streams(changed, now=now + timedelta(hours=1))
            db.session.rollback()

        first_sync()
        rows.append(measure(f"pull: re-sync, {cameras} cameras, half re-preset", resync))
        apply_streams(changed, now=now + timedelta(hours=1))
        db.session.commit()
        org = db.session.get(Organization, org.id)
        rows.append(
            measure(
                f"usages: load_statement, {cameras} cameras",
                lambda: load_statement(org, month_period(2026, 10), datetime(2026, 11, 1, tzinfo=timezone.utc)),
            )
        )
        db.engine.dispose()
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run everything and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cameras", type=int, default=5000)
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    print(f"{'benchmark':<48} {'best':>11} {'peak mem':>13}")
    rows = [bench_engine(args.cameras)]
    rows += bench_database(args.cameras, RESULTS)
    (RESULTS / "classic.json").write_text(json.dumps({"cameras": args.cameras, "results": rows}, indent=2))


if __name__ == "__main__":
    main()
