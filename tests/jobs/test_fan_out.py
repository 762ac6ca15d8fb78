"""Billing fanned out over two real worker processes on Redis; one is killed mid-run and nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Invoice, Organization
from tests.factories import make_org, make_tariff
from tests.usages.helpers import use, utc

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ORGS = 12


@pytest.fixture()
def namespace() -> Iterator[str]:
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    name = f"portal-test-{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{name}*"))
    if keys:
        client.delete(*keys)


def _env(database_url: str, namespace: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "JOB_BROKER_URL": REDIS_URL,
        "JOB_NAMESPACE": namespace,
        "JOB_BATCH_SIZE": "2",
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_MAINTENANCE_PERCENT": "100",
        "JOB_WAIT_SECONDS": "120",
        "PORTAL_ENV": "development",
        "WATCHER_URL": "",
    }


def _flask(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _broker_id(stream: IO[str] | None) -> str:
    assert stream is not None
    for line in stream:
        if line.startswith("jobs worker pid"):
            return line.split(" broker ")[1].split()[0]
    raise AssertionError("the worker did not start")


def _until(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.01)  # polling a condition in another process
    raise AssertionError("timed out")


def test_a_killed_workers_batch_is_run_again_and_every_org_is_invoiced_once(
    app: Flask, database_url: str, namespace: str
) -> None:
    with app.app_context():
        tariff = make_tariff("Plan", price=3000)
        for i in range(ORGS):
            use(make_org(f"Org {i:02d}"), tariff, utc(2026, 9, 1 + i), utc(2026, 10, 1))
        db.session.commit()
    env = _env(database_url, namespace)
    # The survivor starts once the victim, killed holding a batch, is gone: started together,
    # a fast survivor could drain the queue between two of the victim's polls, and the victim
    # never held anything to lose (a race seen about one run in four, not what is tested).
    workers = [_flask("jobs", "worker", "--threads", "1", env=env)]
    coordinator = None
    try:
        victim = workers[0]
        victim_id = _broker_id(victim.stdout)
        coordinator = _flask("billing", "run", "--period", "2026-09", env=env)
        client = redis.Redis.from_url(REDIS_URL)
        acks = f"{namespace}:__acks__.{victim_id}.portal"
        _until(lambda: client.scard(acks) > 0)  # the victim holds a batch (running or next in line)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        lost = client.smembers(acks)  # what it held when it died: only a requeue can save these
        survivor = _flask("jobs", "worker", "--threads", "1", env=env)
        workers.append(survivor)
        _broker_id(survivor.stdout)
        output, _ = coordinator.communicate(timeout=120)
        assert coordinator.returncode == 0, output
        assert lost, "the victim held no batch when it was killed"
        assert f": {ORGS} issued, 0 drafted" in output, output
        assert f"{ORGS} organization(s)" in output and "over the workers" in output, output
        _until(lambda: client.scard(acks) == 0)  # the dead worker's batch went back to the queue
    finally:
        for proc in [*workers, *([coordinator] if coordinator else [])]:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
    with app.app_context():
        per_org = {
            org_id: count
            for org_id, count in db.session.execute(
                select(Invoice.organization_id, func.count()).group_by(Invoice.organization_id)
            )
        }
        orgs = set(db.session.scalars(select(Organization.id)))
        assert set(per_org) == orgs and set(per_org.values()) == {1}, per_org
        numbers = sorted(n or "" for n in db.session.scalars(select(Invoice.number)))
        assert numbers == [f"INV-2026-{i:06d}" for i in range(1, ORGS + 1)]
