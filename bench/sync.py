"""Sync pull against its paging floor: ``python -m bench.sync [N ...]``.

The floor is paging the same streams from the same Watcher-compatible server with
plain ``requests`` (same page size and fields) and nothing else.  Three cases, each
timed right after its own floor in the same run:

* first sync: every stream is new to the portal;
* re-sync: nothing changed since the last pull;
* 1 % changed: every hundredth stream moved to another preset since the last pull.

The simulator is seeded directly in its SQLite store (seconds for a million streams)
and runs in its own process; every pull and every floor runs in a fresh process too,
so ``peak_mib`` is that process's peak resident memory (the floor's is
``floor_peak_mib``).  The portal database is PostgreSQL (``BENCH_PG_URL``, default
the local server; a throwaway database is created and dropped), or SQLite with
``BENCH_DATABASE=sqlite``.  Each case is run ``BENCH_REPEAT`` times (default 2) and
the best pull and the best floor are kept.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PAGE_SIZE = 500
SELECT = "name,title,disabled,organization,organization_id,preset,created_at,last_change"
PRESETS = 10
ADMIN = ("admin", "bench-admin-password")
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CREATED_MS = 1_788_220_800_000  # 2026-09-01 00:00 UTC


def _orgs_for(n: int) -> int:
    return max(1, n // 100)


def seed_sim(path: Path, n: int) -> None:
    """Write ``n`` streams over n/100 organizations and 10 presets straight into a simulator store."""
    from watcher_sim.store import Store

    store = Store(path)
    org_ids = [
        store.doc_insert(
            "organizations",
            {
                "title": f"Org {i}",
                "created_at": CREATED_MS,
                "is_default": False,
                "owner_id": None,
                "limits": {"streams": None, "users": None},
            },
        )
        for i in range(_orgs_for(n))
    ]
    preset_ids = [
        store.doc_insert(
            "presets",
            {
                "title": f"Preset {i}",
                "dvr": {"expiration": 86_400 * (i + 1)},
                "vision": None,
                "is_adjustable": False,
                "is_default": False,
                "deleted_at": None,
                "layout_rules": {"required_zones": [], "preferred_zones": []},
            },
        )
        for i in range(PRESETS)
    ]
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")

    def rows() -> Iterator[tuple[str, str, int, int]]:
        for i in range(n):
            org, preset = org_ids[i % len(org_ids)], preset_ids[i % PRESETS]
            body = {
                "title": f"Camera {i}",
                "comment": "",
                "disabled": i % 50 == 7,
                "static": True,
                "organization_id": org,
                "preset_id": preset,
                "dvr": {},
                "vision": None,
                "created_at": CREATED_MS + i * 1000,
                "last_change": {"created_at": CREATED_MS + i * 1000, "user": "bench"},
            }
            yield f"cam{i:07d}", json.dumps(body), org, preset

    for name, data, org, preset in rows():
        conn.execute("INSERT INTO streams (name, data) VALUES (?, ?)", (name, data))
        conn.execute("INSERT INTO stream_refs (name, org_id, preset_id) VALUES (?, ?, ?)", (name, org, preset))
    conn.execute("COMMIT")
    conn.close()


def change_one_percent(path: Path, at_ms: int) -> int:
    """Move every hundredth stream to the next preset (as Watcher would record it); returns how many."""
    conn = sqlite3.connect(path, isolation_level=None)
    presets = [r[0] for r in conn.execute("SELECT id FROM presets ORDER BY id")]
    conn.execute("BEGIN IMMEDIATE")
    changed = 0
    for rowid, name, data in conn.execute(
        "SELECT rowid, name, data FROM streams WHERE rowid % 100 = 0 ORDER BY name"
    ).fetchall():
        del rowid
        body = json.loads(data)
        body["preset_id"] = presets[(presets.index(body["preset_id"]) + 1) % len(presets)]
        body["last_change"] = {"created_at": at_ms, "user": "bench"}
        conn.execute("UPDATE streams SET data = ? WHERE name = ?", (json.dumps(body), name))
        conn.execute("UPDATE stream_refs SET preset_id = ? WHERE name = ?", (body["preset_id"], name))
        changed += 1
    conn.execute("COMMIT")
    conn.close()
    return changed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def simulator(path: Path) -> Iterator[str]:
    """Run ``python -m watcher_sim`` on the seeded store in its own process; yields its URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "watcher_sim",
            "--port",
            str(port),
            "--data",
            str(path),
            "--quiet",
            "--admin-login",
            ADMIN[0],
            "--admin-password",
            ADMIN[1],
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):  # wait until it listens (not /_sim/state: that dumps every stream)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def portal_database(tmp: Path) -> Iterator[str]:
    """A throwaway portal database (PostgreSQL unless ``BENCH_DATABASE=sqlite``) with the schema."""
    from sqlalchemy import create_engine, text

    from portal.models import Base

    if os.environ.get("BENCH_DATABASE") == "sqlite":
        url = f"sqlite:///{tmp / 'portal.sqlite'}"
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url
        return
    name = f"bench_sync_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _app(database_url: str, watcher_url: str) -> Any:
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-secret-key-0123456789abcdef",
            "WATCHER_URL": watcher_url,
            "WATCHER_LOGIN": ADMIN[0],
            "WATCHER_PASSWORD": ADMIN[1],
            "WATCHER_TIMEOUT": 120,
        }
    )


def seed_portal(database_url: str, watcher_url: str, n: int) -> None:
    """The portal's organizations and tariffs, linked to the simulator's ids (1..orgs, 1..10)."""
    from datetime import date

    from portal.extensions import db
    from portal.models import Organization, Tariff, TariffPrice

    app = _app(database_url, watcher_url)
    with app.app_context():
        for i in range(PRESETS):
            tariff = Tariff(name=f"T{i}", currency="EUR", watcher_id=i + 1)
            tariff.prices.append(TariffPrice(effective_from=date(2026, 1, 1), amount_minor=1000 + i, currency="EUR"))
            db.session.add(tariff)
        for i in range(_orgs_for(n)):
            db.session.add(
                Organization(title=f"Org {i}", timezone="Europe/Berlin", currency="EUR", watcher_id=i + 1, depth=0)
            )
        db.session.commit()  # a benchmark's own setup, outside the portal package
        db.engine.dispose()


# -- the measured parts, each in a fresh process -----------------------------------------


def _peak_mib() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss`` it restarts at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_floor(watcher_url: str) -> dict[str, Any]:
    """Page every stream with plain requests: the floor."""
    import requests

    base = watcher_url + "/watcher/admin-api/v3"
    start = time.perf_counter()
    session = requests.Session()
    token = session.post(base + "/login", auth=ADMIN, timeout=60).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    cursor, count = None, 0
    while True:
        params: dict[str, str | int] = {"select": SELECT, "limit": PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        body = session.get(base + "/streams", params=params, headers=headers, timeout=120).json()
        count += len(body["streams"])
        cursor = body.get("next")
        if not cursor:
            break
    return {"seconds": time.perf_counter() - start, "streams": count, "peak_mib": _peak_mib()}


def child_pull(watcher_url: str, database_url: str, now_ms: int) -> dict[str, Any]:
    """One pull as the portal runs it (``portal.sync.pull.pull``)."""
    from datetime import datetime, timezone

    from portal.sync.connection import get_client
    from portal.sync.pull import pull

    app = _app(database_url, watcher_url)
    with app.app_context():
        now = datetime.fromtimestamp(now_ms / 1000, timezone.utc)
        client = get_client()
        start = time.perf_counter()
        result = pull(client, now=now)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "counts": result.counts(), "peak_mib": _peak_mib()}


def _child(kind: str, *args: Any) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.sync", "--child", kind, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def forget_cameras(database_url: str) -> None:
    """Empty the portal's cameras and ledger, so the next pull is a first sync again."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # empty tables, as a real first sync finds them (no dead rows)
            conn.execute(text("TRUNCATE sync_runs, usage_intervals, cameras"))
        else:
            for table in ("sync_runs", "usage_intervals", "cameras"):
                conn.execute(text(f"DELETE FROM {table}"))
    engine.dispose()


def run(n: int, repeat: int | None = None) -> list[dict[str, Any]]:
    """Seed ``n`` streams and time first sync, re-sync and 1 % changed, each against its floor.

    Each case runs ``repeat`` times (``BENCH_REPEAT``, default 2), floor and pull
    interleaved, and keeps the best of each: on a shared machine that is the figure
    least disturbed by others.
    """
    repeat = repeat or int(os.environ.get("BENCH_REPEAT") or 2)
    rows: list[dict[str, Any]] = []
    day = 86_400_000
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as folder:
        tmp = Path(folder)
        sim_path = tmp / "watcher.sqlite"
        seed_sim(sim_path, n)
        with simulator(sim_path) as watcher_url, portal_database(tmp) as database_url:
            seed_portal(database_url, watcher_url, n)
            now = CREATED_MS + 30 * day
            for what in ("sync: first sync", "sync: re-sync", "sync: 1 % changed"):
                floors, pulls = [], []
                for _ in range(repeat):
                    now += day
                    if what.endswith("first sync"):
                        forget_cameras(database_url)
                    if what.endswith("changed"):
                        change_one_percent(sim_path, now - day // 2)
                    floors.append(_child("floor", watcher_url))
                    pulls.append(_child("pull", watcher_url, database_url, now))
                floor = min(f["seconds"] for f in floors)
                best = min(pulls, key=lambda p: float(p["seconds"]))
                rows.append(
                    {
                        "what": what,
                        "N": n,
                        "seconds": round(best["seconds"], 3),
                        "floor_seconds": round(floor, 3),
                        "ratio": round(best["seconds"] / floor, 2),
                        "peak_mib": max(p["peak_mib"] for p in pulls),
                        "floor_peak_mib": max(f["peak_mib"] for f in floors),
                        "runs": repeat,
                        "counts": best["counts"],
                    }
                )
    return rows


def main(argv: list[str]) -> None:
    """``python -m bench.sync [N ...]`` (default 10000), or an internal ``--child`` step."""
    if argv and argv[0] == "--child":
        kind, args = argv[1], argv[2:]
        result = child_floor(args[0]) if kind == "floor" else child_pull(args[0], args[1], int(args[2]))
        print(json.dumps(result))
        return
    for n in [int(a) for a in argv] or [10_000]:
        for row in run(n):
            print(json.dumps(row))


if __name__ == "__main__":
    main(sys.argv[1:])
