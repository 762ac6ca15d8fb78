"""The monthly billing run: one invoice per paying organization with usage in a month.

Idempotent (an organization already invoiced for the period is counted, not
billed again), one run at a time (``job_lock("billing-run")``, on its own
connection).  The run is one job, one unit of work, committed once at the end
by the job runner; each organization is invoiced inside a SAVEPOINT so one
failure rolls back only that organization and does not undo the others.
(On SQLite, whose Python driver opens no transaction before a first
SAVEPOINT, releasing an organization's savepoint already commits it: the
same isolation, committed per organization.)  The
database's no-overlap rule is the last line of defence if two runs race.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from portal import settings as portal_settings
from portal import unit_of_work
from portal.billing import BillingError, Period
from portal.billing_read import organizations_with_usage
from portal.errors import DomainError
from portal.extensions import db
from portal.invoices.service import NothingToInvoice, PeriodAlreadyInvoiced, create_invoice, find_overlapping, period_of
from portal.models import InvoiceStatus, Organization
from portal.settings import BillingSettings

LOCK_NAME = "billing-run"


@dataclass
class RunSummary:
    """What one run did, with totals per currency of what it issued or drafted."""

    period: Period
    draft: bool
    issued: list[str] = field(default_factory=list)
    drafted: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def created(self) -> int:
        """Invoices issued or drafted by this run."""
        return len(self.issued) + len(self.drafted)


def billing_run(
    period: Period,
    now: datetime,
    draft: bool = False,
    progress: Callable[[list[int]], AbstractContextManager[Iterable[int]]] | None = None,
    settings: BillingSettings | None = None,
) -> RunSummary:
    """Issue (or draft) the invoices of ``period``; raises ``LockBusy`` if another run is on.

    ``progress`` wraps the list of organization ids (e.g. ``click.progressbar``);
    ``settings`` default to the app's.
    """
    summary = RunSummary(period=period, draft=draft)
    billing = settings if settings is not None else portal_settings.current().billing

    def run() -> None:
        ids = [org.id for org in organizations_with_usage(period)]
        with progress(ids) if progress is not None else nullcontext(ids) as items:
            for org_id in items:
                _one(org_id, period, now, draft, summary, billing)

    unit_of_work.run_locked_job(LOCK_NAME, run)
    return summary


def _one(
    org_id: int, period: Period, now: datetime, draft: bool, summary: RunSummary, settings: BillingSettings
) -> None:
    """Invoice one organization inside a savepoint: a failure undoes only this organization."""
    org = db.session.get(Organization, org_id)
    if org is None:
        return
    existing = find_overlapping(org.id, period)
    if existing is not None and not (
        existing.status == InvoiceStatus.DRAFT and not draft and period_of(existing) == period
    ):
        summary.already.append(org.title)
        return
    try:
        with db.session.begin_nested():  # SAVEPOINT: isolates this organization's failure
            invoice = create_invoice(org, period, now, issue=not draft, settings=settings)
    except NothingToInvoice:
        summary.skipped.append(org.title)
        return
    except PeriodAlreadyInvoiced:
        summary.already.append(org.title)
        return
    except (DomainError, BillingError) as exc:
        summary.errors.append(f"{org.title}: {getattr(exc, 'message', None) or exc}")
        return
    summary.totals[invoice.currency] += invoice.total_minor
    if invoice.number:
        summary.issued.append(invoice.number)
    else:
        summary.drafted.append(invoice.id)
