"""Payment reminders: the daily job (``flask mail reminders``) and the schedule it follows.

The schedule (settings ``REMINDER_DAYS_BEFORE_DUE``, ``REMINDER_DAYS_AFTER_DUE``)
counts days from the due date in the paying organization's time zone.  Each run
queues, for every invoice still open, the latest step whose day has come (a
missed day catches up with that one step, never a burst of stale ones).  A step
is queued at most once: the outbox row's unique ``dedup_key``
(``reminder:<invoice>:<step>``) is checked first and refuses a second row anyway,
and the job runs under a job lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.billing.periods import local_date
from portal.billing_mail.compose import queue_reminder
from portal.collections.receivables import DbSession, open_by_invoice
from portal.models import Invoice, InvoiceStatus, MailItem
from portal.settings import ReminderSettings

LOCK_NAME = "mail-reminders"


@dataclass(frozen=True)
class Step:
    """One reminder of the schedule: ``before-3`` (3 days before due) or ``after-7``."""

    key: str
    days: int
    on: date

    @property
    def before_due(self) -> bool:
        """True for a reminder ahead of the due date."""
        return self.key.startswith("before")


def schedule(due: date, reminders: ReminderSettings) -> list[Step]:
    """Every reminder step of an invoice due on ``due``, in date order."""
    steps = [Step(f"before-{d}", d, due - timedelta(days=d)) for d in reminders.days_before_due]
    steps += [Step(f"after-{d}", d, due + timedelta(days=d)) for d in reminders.days_after_due]
    return sorted(steps, key=lambda step: step.on)


def due_step(due: date, today: date, reminders: ReminderSettings) -> Step | None:
    """The step to send on ``today``: the latest whose day has come (a before-due one only before due)."""
    ready = [s for s in schedule(due, reminders) if s.on <= today and (not s.before_due or today < due)]
    return ready[-1] if ready else None


def next_step(due: date, today: date, reminders: ReminderSettings, sent: frozenset[str] = frozenset()) -> Step | None:
    """What happens next to an open invoice: the first step from ``today`` on not yet in ``sent``
    (step keys already queued), or None when the schedule is done."""
    later = [s for s in schedule(due, reminders) if s.on >= today and s.key not in sent]
    return later[0] if later else None


@dataclass
class ReminderRun:
    """What one run did."""

    queued: list[str] = field(default_factory=list)
    already: int = 0


def send_reminders(session: DbSession, now: datetime, reminders: ReminderSettings) -> ReminderRun:
    """Queue today's reminders of every open issued invoice (adds and flushes; the job commits)."""
    run = ReminderRun()
    invoices = list(
        session.scalars(
            select(Invoice)
            .options(joinedload(Invoice.organization))
            .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_date.is_not(None))
            .order_by(Invoice.due_date, Invoice.id)
        )
    )
    open_amounts = open_by_invoice(session, [invoice.id for invoice in invoices])
    sent = set(session.scalars(select(MailItem.dedup_key).where(MailItem.dedup_key.like("reminder:%"))))
    for invoice in invoices:
        if open_amounts.get(invoice.id, 0) <= 0 or invoice.due_date is None:
            continue
        today = local_date(now, invoice.organization.timezone)
        step = due_step(invoice.due_date, today, reminders)
        if step is None:
            continue
        if f"reminder:{invoice.id}:{step.key}" in sent:
            run.already += 1
            continue
        if queue_reminder(invoice, step.key, step.days, today) is not None:
            run.queued.append(f"{invoice.number} {step.key}")
    return run
