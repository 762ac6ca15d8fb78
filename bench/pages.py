"""Pages near their floors: the Usages page of a large organization, in-process and under gunicorn.

``run(n)`` seeds one organization with ``n`` cameras (two tariffs, a mid-period price change,
half the cameras switching tariff) in a fresh database (PostgreSQL when ``BENCH_DATABASE_URL``
or the local server answers, else SQLite) and returns rows ``{what, N, seconds, floor, ratio}``:

* ``usages in-process``: the page rendered through the app (cache warm) against its own SQL:
  the statements an uncached render runs, captured and executed alone (p95 of each);
* ``usages in-process, cold``: the same page with the statement cache emptied before each render;
* ``usages gunicorn``: 2 workers, 16 connections, p95 of the page against the p95 of a trivial
  page (the sign-in form) measured in the same run;
* ``invoice page gunicorn``: the same for the invoice of that organization (1 page of the annex).

Figures are measurements, not assertions.  ``python -m bench.pages [N]`` prints them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password 0123456789"
SECRET = "bench-secret-key-0123456789abcdef0123456789"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def p95(samples: list[float]) -> float:
    """The 95th percentile (nearest rank) of ``samples``."""
    ordered = sorted(samples)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def _row(what: str, n: int, seconds: float, floor: float) -> dict[str, Any]:
    row = {
        "what": what,
        "N": n,
        "seconds": round(seconds, 5),
        "floor": round(floor, 5),
        "ratio": round(seconds / floor, 2) if floor else None,
    }
    print(f"{what:<44} N={n:<6} p95 {seconds * 1000:9.2f} ms  floor {floor * 1000:9.2f} ms  ratio {row['ratio']}")
    return row


@contextmanager
def _database() -> Iterator[str]:
    """A fresh database: PostgreSQL if reachable, else a SQLite file; dropped afterwards."""
    from sqlalchemy import create_engine, text

    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = f"portal_bench_{uuid.uuid4().hex[:10]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'pages.sqlite'}"
        return
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _seed(url: str, n: int) -> tuple[int, int]:
    """One organization with ``n`` cameras used over last month; returns (organization id, invoice id)."""
    from sqlalchemy import insert

    from portal import create_app, settings
    from portal.billing import last_month
    from portal.extensions import db
    from portal.invoices.service import create_invoice
    from portal.models import (
        Base,
        Camera,
        OperatorProfile,
        Organization,
        Tariff,
        TariffPrice,
        UsageInterval,
        User,
        utcnow,
    )

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    with app.app_context():
        Base.metadata.create_all(db.engine)
        period = last_month(utcnow(), "Europe/Berlin")
        start = datetime.combine(period.start, datetime.min.time(), timezone.utc) - timedelta(days=10)
        change = start + timedelta(days=24, hours=7)
        tariffs = []
        for i in (1, 2):
            tariff = Tariff(name=f"Archive {7 * i} days", currency="EUR", watcher_id=100 + i)
            tariff.prices.append(TariffPrice(effective_from=start.date(), amount_minor=900 * i, currency="EUR"))
            tariff.prices.append(
                TariffPrice(effective_from=period.start.replace(day=16), amount_minor=1000 * i, currency="EUR")
            )
            tariffs.append(tariff)
        org = Organization(title="Big", timezone="Europe/Berlin", currency="EUR", watcher_id=7, depth=0)
        admin = User(email="admin@example.com", role="admin")
        admin.set_password(PASSWORD)
        db.session.add_all([*tariffs, org, admin])
        db.session.flush()
        t1, t2 = tariffs[0].id, tariffs[1].id
        db.session.execute(
            insert(Camera),
            [
                {"id": i + 1, "name": f"cam{i:05d}", "title": f"Camera {i}", "organization_id": org.id, "tariff_id": t1}
                for i in range(n)
            ],
        )
        rows = []
        for i in range(n):
            if i % 2:
                rows.append(
                    {
                        "camera_id": i + 1,
                        "organization_id": org.id,
                        "tariff_id": t1,
                        "started_at": start,
                        "ended_at": change,
                    }
                )
                rows.append(
                    {
                        "camera_id": i + 1,
                        "organization_id": org.id,
                        "tariff_id": t2,
                        "started_at": change,
                        "ended_at": None,
                    }
                )
            else:
                rows.append(
                    {
                        "camera_id": i + 1,
                        "organization_id": org.id,
                        "tariff_id": t1,
                        "started_at": start,
                        "ended_at": None,
                    }
                )
        db.session.execute(insert(UsageInterval), rows)
        if db.session.get(OperatorProfile, 1) is None:  # issuing needs the seller's details (issue 15)
            db.session.add(
                OperatorProfile(
                    id=1,
                    legal_name="Bench Operator Ltd",
                    address="1 Bench Street",
                    tax_id="BENCH-1",
                    payment_details="IBAN XX00 0000",
                )
            )
        invoice = create_invoice(org, period, utcnow(), issue=True, actor=admin, settings=settings.current().billing)
        ids = org.id, invoice.id
        db.session.commit()
        db.engine.dispose()
    return ids


def _app(url: str) -> Any:
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "portal.test",
            "TESTING": True,
        }
    )


def _clear_cache(app: Any) -> None:
    try:
        from portal.usages import cache
    except ImportError:  # before the statement cache existed
        return
    with app.app_context():
        cache.clear()


def _own_sql(app: Any, client: Any, path: str, repeat: int) -> float:
    """p95 of running, alone, the statements an uncached render of ``path`` runs."""
    from sqlalchemy import event

    from portal.extensions import db

    captured: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    _clear_cache(app)
    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    statements = [(s, p) for s, p in captured if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    times = []
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for _ in range(repeat):
            cursor = raw.cursor()
            began = time.perf_counter()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            times.append(time.perf_counter() - began)
            cursor.close()
            raw.rollback()
    print(f"  own SQL of {path}: {len(statements)} statements")
    return p95(times)


def in_process(url: str, n: int, org_id: int, repeat: int = 30) -> list[dict[str, Any]]:
    """The Usages page through the app against its own SQL."""
    app = _app(url)
    client = app.test_client()
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    path = f"/organizations/{org_id}/usages?period=last"
    floor = _own_sql(app, client, path, repeat)

    def timed(before: Callable[[], None]) -> float:
        samples = []
        for _ in range(repeat):
            before()
            began = time.perf_counter()
            assert client.get(path).status_code == 200
            samples.append(time.perf_counter() - began)
        return p95(samples)

    client.get(path)  # warm
    warm = timed(lambda: None)
    cold = timed(lambda: _clear_cache(app))
    return [
        _row("usages in-process (cache warm) vs own SQL", n, warm, floor),
        _row("usages in-process, cold vs own SQL", n, cold, floor),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _load(base: str, path: str, cookies: dict[str, str], connections: int, per_connection: int) -> list[float]:
    """``connections`` threads, each with its own connection, each asking ``per_connection`` times."""
    import requests

    samples: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        with requests.Session() as session:
            session.cookies.update(cookies)
            mine = []
            for _ in range(per_connection):
                began = time.perf_counter()
                response = session.get(base + path, timeout=120, allow_redirects=False)
                mine.append(time.perf_counter() - began)
                assert response.status_code == 200, (path, response.status_code)
            with lock:
                samples.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def under_gunicorn(url: str, n: int, org_id: int, invoice_id: int, per_connection: int = 25) -> list[dict[str, Any]]:
    """gunicorn, 2 workers, 16 connections: the Usages and invoice pages against the sign-in page."""
    import requests

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PORTAL_ENV": "development",
        "LOGIN_RATE_LIMIT": "100000 per minute",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", "app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/login", timeout=5)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        with requests.Session() as session:
            form = session.get(base + "/login", timeout=30).text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or re.search(
                r'name="csrf_token" value="([^"]+)"', form
            )
            data = {"email": "admin@example.com", "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
            answer = session.post(base + "/login", data=data, timeout=30, allow_redirects=False)
            assert answer.status_code in (302, 303), answer.status_code
            cookies = session.cookies.get_dict()
        usages = f"/organizations/{org_id}/usages?period=last"
        invoice = f"/invoices/{invoice_id}"
        for path in (usages, invoice):  # warm both workers
            _load(base, path, cookies, 4, 2)
        trivial = p95(_load(base, "/login", {}, 16, per_connection))
        page = p95(_load(base, usages, cookies, 16, per_connection))
        annex = p95(_load(base, invoice, cookies, 16, per_connection))
        trivial_again = p95(_load(base, "/login", {}, 16, per_connection))
        floor = max(trivial, trivial_again)
        return [
            _row("usages gunicorn 2w/16c p95 vs trivial page", n, page, floor),
            _row("invoice page gunicorn 2w/16c p95 vs trivial", n, annex, floor),
        ]
    finally:
        process.terminate()
        process.wait(30)


#: ``make bench`` measures the pages for a 1,000-camera organization (issue 12's size) whatever N.
SIZES = (1000,)


def run(n: int = 1000) -> list[dict[str, Any]]:
    """Seed ``n`` cameras in a fresh database and measure the pages; rows {what, N, seconds, floor, ratio}."""
    with _database() as url:
        org_id, invoice_id = _seed(url, n)
        return [*in_process(url, n, org_id), *under_gunicorn(url, n, org_id, invoice_id)]


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
