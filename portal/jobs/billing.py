"""The billing run in batches: one batch is one unit of work, safe to run again.

:func:`bill_batch` bills a list of organizations for a period, idempotently (an
organization already invoiced for the period is counted as such, not billed
again), so a batch whose worker died is simply run again by another worker.
It calls the billing run's set-based batch (:func:`portal.invoices.run.bill_organizations`:
a fixed number of statements per batch, the batch in a SAVEPOINT and, if the database
refuses it, organization by organization).

:func:`fan_out_billing_run` is the coordinator: it takes the run lock, splits
the organizations with usage into batches, sends one job per batch and merges
the reports as they come back.  The lock is the billing run's (a PostgreSQL advisory
lock held by the coordinator's own connection, see :func:`portal.sync.locks.job_lock`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from portal import unit_of_work
from portal.billing import Period
from portal.billing_read import organizations_with_usage
from portal.extensions import db
from portal.invoices.run import LOCK_NAME, RunSummary, bill_organizations
from portal.settings import BillingSettings, JobSettings
from portal.sync.locks import job_lock


def bill_batch(
    period: Period, org_ids: list[int], now: datetime, draft: bool = False, settings: BillingSettings | None = None
) -> RunSummary:
    """Bill ``org_ids`` for ``period`` as one unit of work; each organization's failure stays its own."""
    from portal import settings as portal_settings

    billing = settings if settings is not None else portal_settings.current().billing
    summary = RunSummary(period=period, draft=draft)

    def run() -> None:
        summary.merge(bill_organizations(db.session, period, org_ids, now, draft=draft, settings=billing))

    unit_of_work.run_job(run)
    return summary


def to_report(summary: RunSummary, orgs: int) -> dict[str, Any]:
    """A batch's summary as JSON-ready data (what a worker sends back)."""
    return {
        "orgs": orgs,
        "issued": summary.issued,
        "drafted": summary.drafted,
        "skipped": summary.skipped,
        "already": summary.already,
        "waiting": summary.waiting,
        "errors": summary.errors,
        "totals": dict(summary.totals),
    }


def merge(summary: RunSummary, report: dict[str, Any]) -> None:
    """Add a batch's report to the run's summary."""
    for key in ("issued", "drafted", "skipped", "already", "waiting", "errors"):
        getattr(summary, key).extend(report.get(key) or [])
    for currency, total in (report.get("totals") or {}).items():
        summary.totals[currency] += int(total)


def batches(ids: list[int], size: int) -> list[list[int]]:
    """``ids`` cut into lists of at most ``size``."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def fan_out_billing_run(
    period: Period,
    now: datetime,
    jobs: JobSettings,
    draft: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Bill ``period`` over the workers; raises ``LockBusy`` if another run is on.

    ``progress(done, total)`` is called with organization counts as batches report back.
    """
    from portal.jobs import queue

    summary = RunSummary(period=period, draft=draft)
    with job_lock(LOCK_NAME):
        ids = unit_of_work.run_job(lambda: [org.id for org in organizations_with_usage(period)])
        parts = batches(ids, jobs.batch_size)
        if progress is not None:
            progress(0, len(ids))
        if not parts:
            return summary
        run_id = queue.new_run_id()
        for index, part in enumerate(parts):
            queue.send(
                jobs,
                "billing_batch",
                run_id,
                str(index),
                period.start.isoformat(),
                period.end.isoformat(),
                part,
                now.isoformat(),
                draft,
            )
        done: set[str] = set()
        deadline = time.monotonic() + jobs.wait_seconds
        while len(done) < len(parts):
            reports = queue.reports(jobs, run_id)
            fresh = {key: value for key, value in reports.items() if key not in done}
            for key, report in fresh.items():
                merge(summary, report)
                done.add(key)
            if fresh and progress is not None:
                progress(sum(len(parts[int(k)]) for k in done), len(ids))
            if len(done) < len(parts):
                if time.monotonic() > deadline:
                    missing = len(parts) - len(done)
                    summary.errors.append(f"{missing} batch(es) did not report within {jobs.wait_seconds} s")
                    break
                queue.wait_for_report(jobs, run_id, timeout=1.0)
        queue.forget(jobs, run_id)
    return summary
