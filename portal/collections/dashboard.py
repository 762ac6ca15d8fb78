"""The collections part of the admin dashboard: receivables by age, this month, overdue organizations.

Set-based: one query for the open invoices, one for this month's collections, one
for the reminders already queued, and the open amounts from :func:`portal.collections.receivables.open_by_invoice` (the
one place they come from).  Days past due count in the paying organization's
time zone; "this month" is the portal's default zone's month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from portal.billing.periods import local_date
from portal.billing_mail.reminders import Step, next_step
from portal.collections.receivables import DbSession, open_by_invoice
from portal.models import Invoice, InvoiceStatus, MailItem, Organization, Payment
from portal.settings import ReminderSettings

#: Age buckets in days past due: (key, first day, last day or None for "and more").
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("current", -100_000, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)
#: How many overdue organizations the dashboard lists.
OVERDUE_LISTED = 20


def bucket_of(days_past_due: int) -> str:
    """The age bucket of an amount ``days_past_due`` days after its due date (0 or less: current)."""
    for key, first, last in BUCKETS:
        if days_past_due >= first and (last is None or days_past_due <= last):
            return key
    raise AssertionError(days_past_due)  # pragma: no cover - the buckets cover every integer


@dataclass
class Aging:
    """Open receivables of one currency by age bucket (minor units)."""

    currency: str
    buckets: dict[str, int] = field(default_factory=lambda: {key: 0 for key, _, _ in BUCKETS})

    @property
    def total(self) -> int:
        """Everything open in this currency."""
        return sum(self.buckets.values())


@dataclass
class MonthFigures:
    """Expected (invoices due this month) versus collected (payments received this month), one currency."""

    currency: str
    expected: int = 0
    collected: int = 0


@dataclass
class OverdueOrganization:
    """An organization with open invoices past due, and what happens next."""

    organization_id: int
    title: str
    currency: str
    overdue: int
    invoices: int
    oldest_due: date
    days_past_due: int
    next_step: Step | None


@dataclass
class Collections:
    """What the dashboard shows."""

    month_start: date
    aging: list[Aging]
    month: list[MonthFigures]
    overdue: list[OverdueOrganization]
    overdue_total: int


def _month_bounds(today: date) -> tuple[date, date]:
    start = today.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def collections_overview(
    session: DbSession, now: datetime, default_tz: str, reminders: ReminderSettings
) -> Collections:
    """Receivables by age, expected versus collected this month, and the overdue organizations."""
    month_start, month_end = _month_bounds(local_date(now, default_tz))
    rows = session.execute(
        select(Invoice.id, Invoice.currency, Invoice.due_date, Invoice.total_minor, Organization)
        .join(Organization, Organization.id == Invoice.organization_id)
        .where(Invoice.status.in_([InvoiceStatus.ISSUED, InvoiceStatus.PAID]))
        .where(Invoice.due_date.is_not(None))
    ).all()
    open_amounts = open_by_invoice(session, [row.id for row in rows if row.due_date is not None])
    aging: dict[str, Aging] = {}
    month: dict[str, MonthFigures] = {}
    late: dict[tuple[int, str], list[tuple[date, int, int]]] = defaultdict(list)
    orgs: dict[int, Organization] = {}
    for invoice_id, currency, due, total, org in rows:
        if month_start <= due < month_end:
            month.setdefault(currency, MonthFigures(currency)).expected += int(total)
        amount = open_amounts.get(invoice_id, 0)
        if amount <= 0:
            continue
        days = (local_date(now, org.timezone) - due).days
        aging.setdefault(currency, Aging(currency)).buckets[bucket_of(days)] += amount
        if days > 0:
            late[(org.id, currency)].append((due, amount, invoice_id))
            orgs[org.id] = org
    for currency, collected in session.execute(
        select(Payment.currency, func.sum(Payment.amount_minor))
        .where(Payment.reversed_at.is_(None), Payment.received_on >= month_start, Payment.received_on < month_end)
        .group_by(Payment.currency)
    ):
        month.setdefault(currency, MonthFigures(currency)).collected += int(collected or 0)
    sent: dict[int, set[str]] = defaultdict(set)
    for key in session.scalars(select(MailItem.dedup_key).where(MailItem.dedup_key.like("reminder:%"))):
        _, invoice_id, step = str(key).split(":", 2)
        sent[int(invoice_id)].add(step)
    overdue = []
    for (org_id, currency), items in late.items():
        org, (oldest, _, oldest_id) = orgs[org_id], min(items)
        today = local_date(now, org.timezone)
        overdue.append(
            OverdueOrganization(
                organization_id=org_id,
                title=org.title,
                currency=currency,
                overdue=sum(amount for _, amount, _ in items),
                invoices=len(items),
                oldest_due=oldest,
                days_past_due=(today - oldest).days,
                next_step=next_step(oldest, today, reminders, frozenset(sent[oldest_id])),
            )
        )
    overdue.sort(key=lambda o: (-o.days_past_due, o.title))
    return Collections(
        month_start=month_start,
        aging=sorted(aging.values(), key=lambda a: a.currency),
        month=sorted(month.values(), key=lambda m: m.currency),
        overdue=overdue[:OVERDUE_LISTED],
        overdue_total=len(overdue),
    )
