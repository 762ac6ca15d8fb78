"""The job queue: Dramatiq on Redis (``JOB_BROKER_URL``), its actors and the report channel.

Why Dramatiq: it is a small, well-kept library whose Redis broker acknowledges a
message only after the job returned, and requeues the unacknowledged messages of
a worker whose heartbeat stopped (a host that died or a process that was killed),
so a batch is retried, never lost.  Jobs here are idempotent, so running one again
is safe.  Workers keep their heartbeat from a thread of their own (a long batch
does not make a live worker look dead).

Each job reports back on Redis: ``<namespace>:run:<id>`` holds one JSON report per
part, and ``<namespace>:run:<id>:ping`` wakes the waiting coordinator.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from flask import Flask

from portal.settings import JobSettings

log = logging.getLogger("portal.jobs")

QUEUE = "portal"
REPORT_TTL_SECONDS = 7 * 86_400

_lock = threading.Lock()
_brokers: dict[tuple[Any, ...], RedisBroker] = {}
_worker_app: Flask | None = None


def _key(jobs: JobSettings) -> tuple[Any, ...]:
    return (jobs.broker_url, jobs.namespace, jobs.heartbeat_seconds, jobs.maintenance_percent, jobs.time_limit_seconds)


def broker(jobs: JobSettings) -> RedisBroker:
    """The broker for these settings, with the portal's actors declared (built once)."""
    key = _key(jobs)
    with _lock:
        found = _brokers.get(key)
        if found is not None:
            return found
        made = RedisBroker(
            url=jobs.broker_url,
            namespace=jobs.namespace,
            heartbeat_timeout=jobs.heartbeat_seconds * 1000,
            maintenance_chance=jobs.maintenance_percent * 10_000,
        )
        options = {
            "max_retries": 5,
            "min_backoff": 1_000,
            "max_backoff": 60_000,
            "time_limit": jobs.time_limit_seconds * 1000,
        }
        for name, fn in ACTORS.items():
            dramatiq.Actor(fn, broker=made, actor_name=name, queue_name=QUEUE, priority=0, options=dict(options))
        dramatiq.set_broker(made)
        _brokers[key] = made
        return made


def new_run_id() -> str:
    """A fresh id for one fanned-out run."""
    return uuid.uuid4().hex


def send(jobs: JobSettings, actor: str, *args: Any) -> None:
    """Queue one job."""
    broker(jobs).actors[actor].send(*args)


def _run_key(jobs: JobSettings, run_id: str) -> str:
    return f"{jobs.namespace}:run:{run_id}"


def report(jobs: JobSettings, run_id: str, part: str, data: dict[str, Any]) -> None:
    """A job's report for ``part`` of run ``run_id`` (written again when a job is run again)."""
    client = broker(jobs).client
    key = _run_key(jobs, run_id)
    pipe = client.pipeline()
    pipe.hset(key, part, json.dumps(data))
    pipe.expire(key, REPORT_TTL_SECONDS)
    pipe.rpush(key + ":ping", part)
    pipe.expire(key + ":ping", REPORT_TTL_SECONDS)
    pipe.execute()


def reports(jobs: JobSettings, run_id: str) -> dict[str, dict[str, Any]]:
    """The reports of run ``run_id`` so far, by part."""
    raw = broker(jobs).client.hgetall(_run_key(jobs, run_id))
    return {(k.decode() if isinstance(k, bytes) else str(k)): json.loads(v) for k, v in raw.items()}


def wait_for_report(jobs: JobSettings, run_id: str, timeout: float) -> None:
    """Block until some part of run ``run_id`` reports, or ``timeout`` seconds."""
    broker(jobs).client.blpop([_run_key(jobs, run_id) + ":ping"], timeout=timeout)


def forget(jobs: JobSettings, run_id: str) -> None:
    """Drop the reports of a finished run."""
    key = _run_key(jobs, run_id)
    broker(jobs).client.delete(key, key + ":ping")


def wait_for(jobs: JobSettings, run_id: str, parts: int, timeout: float) -> dict[str, dict[str, Any]]:
    """Every report of a run of ``parts`` parts, or those in by ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    found = reports(jobs, run_id)
    while len(found) < parts and time.monotonic() < deadline:
        wait_for_report(jobs, run_id, timeout=1.0)
        found = reports(jobs, run_id)
    return found


# -- the actors (they run inside ``flask jobs worker``) ----------------------------------


def _in_app(job: Callable[[], None]) -> None:
    if _worker_app is None:
        raise RuntimeError("jobs run inside `flask jobs worker`")
    with _worker_app.app_context():
        job()


def _billing_batch(run_id: str, part: str, start: str, end: str, org_ids: list[int], now: str, draft: bool) -> None:
    """Bill one batch and report it (idempotent: a retried batch bills nobody twice)."""
    from portal import settings
    from portal.billing import Period
    from portal.jobs.billing import bill_batch, to_report

    def job() -> None:
        period = Period(date.fromisoformat(start), date.fromisoformat(end))
        summary = bill_batch(period, org_ids, datetime.fromisoformat(now), draft=draft)
        report(settings.current().jobs, run_id, part, to_report(summary, len(org_ids)))

    _in_app(job)


def _watcher_pull(run_id: str, part: str) -> None:
    """Pull streams from Watcher (under the pull lock) and report the counts or why not."""
    from portal import settings
    from portal.sync import service
    from portal.sync.locks import LockBusy
    from portal.watcher import WatcherError

    def job() -> None:
        jobs = settings.current().jobs
        try:
            result = service.run_pull()
        except (LockBusy, WatcherError) as error:  # reported, not retried: the next sync will do
            report(jobs, run_id, part, {"error": str(getattr(error, "title", None) or error)})
            return
        report(
            jobs,
            run_id,
            part,
            {
                "counts": result.counts(),
                "unknown_presets": result.unknown_presets,
                "unmanaged_organizations": result.unmanaged_organizations,
            },
        )

    _in_app(job)


ACTORS: dict[str, Callable[..., None]] = {"billing_batch": _billing_batch, "watcher_pull": _watcher_pull}


# -- the worker ------------------------------------------------------------------------


def serve(app: Flask, jobs: JobSettings, threads: int, announce: Callable[[str], None]) -> None:
    """Run a worker until SIGTERM or SIGINT: ``threads`` jobs at a time, heartbeat on its own thread."""
    global _worker_app
    _worker_app = app
    made = broker(jobs)
    worker = dramatiq.Worker(made, queues={QUEUE}, worker_threads=threads)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    worker.start()
    announce(f"jobs worker pid {os.getpid()} broker {made.broker_id} on {jobs.namespace}:{QUEUE}, {threads} thread(s)")
    beat = max(0.2, jobs.heartbeat_seconds / 4)
    try:
        while not stop.wait(beat):
            try:
                # any broker command refreshes this worker's heartbeat (and now and then
                # requeues the messages of workers whose heartbeat stopped)
                made.do_qsize(QUEUE)
            except Exception:
                log.warning("jobs: heartbeat to the broker failed; retrying", exc_info=True)
    finally:
        worker.stop()
        _worker_app = None
