"""A deterministic operator-scale dataset for benchmarks and smoke tests.

``seed(connection, cameras)`` fills an EMPTY schema with organizations of 1–1,000
cameras (log-uniform sizes, about 12 % of them subsidiaries billed to a parent,
some in another zone), ten EUR tariffs whose price changes on 16 October, four
time zones, and one usage interval per camera: most run from September on;
about 1.75 % are edge cases (start or stop mid-month, a tariff switch, a
37-second use, a start at the local month start, a stop in the DST night, a
stop just before the month in UTC+14 ...).  The same ``cameras`` and ``seed``
give the same rows on SQLite and PostgreSQL.  Billing period: October 2026,
seen at :data:`NOW`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Table, insert, select, text

from portal.billing import Period, month_period
from portal.models import Camera, OperatorProfile, Organization, Tariff, TariffPrice, UsageInterval

PERIOD: Period = month_period(2026, 10)
NOW = datetime(2026, 11, 5, 12, tzinfo=timezone.utc)
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Honolulu")
TARIFFS = 10
PRICE_CHANGE = date(2026, 10, 16)
EDGE_EVERY = 57  # one camera in 57 is an edge case: 1.75 %
UTC = timezone.utc


@dataclass(frozen=True)
class Seeded:
    """What was seeded."""

    cameras: int
    organizations: int
    payers: int
    intervals: int
    edge_cases: int


def _local(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _sizes(rng: random.Random, cameras: int) -> Iterator[int]:
    """Organization sizes, log-uniform in 1..1000, summing to ``cameras``."""
    left = cameras
    while left > 0:
        size = min(left, max(1, int(math.exp(rng.uniform(0, math.log(1000))))))
        left -= size
        yield size


def rows(cameras: int, seed: int = 12) -> dict[str, list[dict[str, Any]]]:
    """The dataset's rows per table (explicit ids), in insertion order."""
    rng = random.Random(seed)
    created = datetime(2026, 8, 1, tzinfo=UTC)
    tariffs = [
        {"id": t, "name": f"Plan {t:02d}", "currency": "EUR", "created_at": created, "updated_at": created}
        for t in range(1, TARIFFS + 1)
    ]
    prices = []
    for t in range(1, TARIFFS + 1):
        base = 400 + 137 * t
        prices.append({"tariff_id": t, "effective_from": date(2026, 1, 1), "amount_minor": base, "currency": "EUR"})
        prices.append(
            {"tariff_id": t, "effective_from": PRICE_CHANGE, "amount_minor": base + 35 + t, "currency": "EUR"}
        )
    for number, price in enumerate(prices, 1):
        price.update(id=number, created_at=created)
    orgs: list[dict[str, Any]] = []
    cams: list[dict[str, Any]] = []
    usage: list[dict[str, Any]] = []
    tops: list[int] = []
    edge = 0
    for org_id, size in enumerate(_sizes(rng, cameras), 1):
        zone = ZONES[rng.randrange(len(ZONES))]
        parent = tops[rng.randrange(len(tops))] if tops and rng.random() < 0.12 else None
        orgs.append(
            {
                "id": org_id,
                "title": f"Org {org_id:06d}",
                "parent_id": parent,
                "parent_depth": 0 if parent else None,
                "depth": 1 if parent else 0,
                "timezone": zone,
                "currency": "EUR",
                "billing_contact": f"Billing {org_id}, {org_id} Main Street",
                "billing_email": f"billing-{org_id}@example.com",  # issuing queues the invoice e-mail
                "invoice_to_parent": parent is not None,
                "created_at": created,
                "updated_at": created,
            }
        )
        if parent is None:
            tops.append(org_id)
        plans = rng.sample(range(1, TARIFFS + 1), k=rng.randint(1, 3))
        for _ in range(size):
            cam_id = len(cams) + 1
            tariff = plans[rng.randrange(len(plans))]
            cams.append(
                {
                    "id": cam_id,
                    "name": f"cam-{cam_id:07d}",
                    "title": f"Camera {cam_id}",
                    "organization_id": org_id,
                    "tariff_id": tariff,
                    "disabled": False,
                    "first_seen_at": created,
                    "last_seen_at": created,
                }
            )
            start = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(29 * 86_400))
            spans: list[tuple[int, datetime, datetime | None]] = [(tariff, start, None)]
            if cam_id % EDGE_EVERY == 0:
                edge += 1
                spans = _edge(edge % 7, tariff, plans, zone, start)
            for plan, began, ended in spans:
                usage.append(
                    {
                        "id": len(usage) + 1,
                        "camera_id": cam_id,
                        "organization_id": org_id,
                        "tariff_id": plan,
                        "started_at": began,
                        "ended_at": ended,
                        "created_at": created,
                    }
                )
    return {
        "tariffs": tariffs,
        "tariff_prices": prices,
        "organizations": orgs,
        "cameras": cams,
        "usage_intervals": usage,
        # issuing needs the seller's details (issue 15b)
        "operator_profiles": [
            {
                "id": 1,
                "legal_name": "Bench Operator Ltd",
                "address": "1 Bench Street",
                "tax_id": "BENCH-1",
                "payment_details": "IBAN XX00 0000",
            }
        ],
        "_edge": [{"count": edge}],
    }


def _edge(kind: int, tariff: int, plans: list[int], zone: str, start: datetime) -> list[tuple[int, datetime, Any]]:
    """One edge case's intervals (``kind`` 0..6)."""
    other = plans[(plans.index(tariff) + 1) % len(plans)] if len(plans) > 1 else (tariff % TARIFFS) + 1
    if kind == 0:  # starts mid-month
        return [(tariff, datetime(2026, 10, 10, 13, 17, 5, tzinfo=UTC), None)]
    if kind == 1:  # stops mid-month
        return [(tariff, start, datetime(2026, 10, 20, 8, 0, 0, 250_000, tzinfo=UTC))]
    if kind == 2:  # tariff switch mid-month
        switch = datetime(2026, 10, 12, 6, 30, tzinfo=UTC)
        return [(tariff, start, switch), (other, switch, None)]
    if kind == 3:  # a 37-second use
        return [(tariff, datetime(2026, 10, 5, 10, tzinfo=UTC), datetime(2026, 10, 5, 10, 0, 37, tzinfo=UTC))]
    if kind == 4:  # starts at the local month start
        return [(tariff, _local(date(2026, 10, 1), zone), None)]
    if kind == 5:  # stops in the night summer time ends in Europe
        return [(tariff, start, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))]
    # stops just before 1 October in UTC: inside October in Tokyo, September in Honolulu
    return [(tariff, start, datetime(2026, 9, 30, 20, tzinfo=UTC))]


_TABLES = {
    "tariffs": Tariff,
    "tariff_prices": TariffPrice,
    "organizations": Organization,
    "cameras": Camera,
    "usage_intervals": UsageInterval,
    "operator_profiles": OperatorProfile,
}


def describe(data: dict[str, list[dict[str, Any]]]) -> Seeded:
    """What :func:`rows` made."""
    orgs = data["organizations"]
    return Seeded(
        cameras=len(data["cameras"]),
        organizations=len(orgs),
        payers=sum(1 for org in orgs if not org["invoice_to_parent"]),
        intervals=len(data["usage_intervals"]),
        edge_cases=data["_edge"][0]["count"],
    )


def seed(conn: Connection, cameras: int, seed: int = 12, chunk: int = 20_000) -> Seeded:
    """Insert the dataset into an empty schema on ``conn`` (the caller commits)."""
    data = rows(cameras, seed)
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
    for name, model in _TABLES.items():
        table = cast(Table, model.__table__)
        found = data[name]
        if name == "operator_profiles" and conn.execute(select(table.c.id)).first() is not None:
            continue  # the operator's details are there already (one row)
        for offset in range(0, len(found), chunk):
            conn.execute(insert(table), found[offset : offset + chunk])
        if postgres and found and name != "operator_profiles":
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), :last)"), {"last": len(found)})
    return describe(data)


def main() -> None:
    """``python -m bench.dataset URL CAMERAS``: create the schema and seed it (in its own process)."""
    import json
    import sys
    from dataclasses import asdict

    from sqlalchemy import create_engine

    from portal.models import Base

    url, cameras = sys.argv[1], int(sys.argv[2])
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        seeded = seed(conn, cameras)
    engine.dispose()
    print(json.dumps(asdict(seeded)))


if __name__ == "__main__":
    main()
