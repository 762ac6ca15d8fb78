"""The billing admin's overview: organizations, cameras, expected revenue and invoices.

Set-based: a fixed handful of queries whatever the number of organizations, cameras or
invoices (a test counts them).  Per-organization rules that depend on the organization's
timezone (trial today, price in force today) are applied in Python over rows loaded in
one query each.  Money stays in integer minor units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select

from portal.billing_read import load_tariff_prices
from portal.dashboard.figures import MoneyAmount, cost_lines, current_camera_counts, in_trial, local_today
from portal.extensions import db
from portal.models import Invoice, InvoiceStatus, Organization

#: How many overdue invoices the overview lists (the totals count them all).
OVERDUE_LISTED = 20


@dataclass(frozen=True)
class TariffCount:
    """Current cameras on one tariff across all organizations."""

    tariff_id: int
    name: str
    cameras: int


@dataclass(frozen=True)
class InvoiceTotal:
    """How many invoices and their total, in one currency."""

    currency: str
    count: int
    total_minor: int


@dataclass(frozen=True)
class OverdueInvoice:
    """An issued invoice past its due date."""

    id: int
    number: str | None
    organization_id: int
    organization_title: str
    due_date: date
    total_minor: int
    currency: str


@dataclass(frozen=True)
class AdminOverview:
    """Every figure on the admin dashboard; the template only formats it."""

    today: date
    organizations: int
    organizations_in_trial: int
    cameras_by_tariff: list[TariffCount]
    cameras_total: int
    revenue: list[MoneyAmount]
    trial_cameras: int
    unpriced_cameras: int
    issued_this_month: list[InvoiceTotal]
    unpaid: list[InvoiceTotal]
    overdue: list[InvoiceTotal]
    overdue_invoices: list[OverdueInvoice]


def admin_overview(now: datetime, operator_tz: str) -> AdminOverview:
    """Compute the admin dashboard at ``now``; portal-wide dates are in ``operator_tz``."""
    today = local_today(now, operator_tz)
    orgs = db.session.execute(
        select(Organization.id, Organization.timezone, Organization.trial_start, Organization.trial_end)
    ).all()
    org_day = {org_id: local_today(now, tz) for org_id, tz, _, _ in orgs}
    trial_ids = {org_id for org_id, _, start, end in orgs if in_trial(org_day[org_id], start, end)}

    counts = current_camera_counts()
    tariffs = load_tariff_prices(c.tariff_id for c in counts)
    per_tariff: dict[int, int] = defaultdict(int)
    revenue: dict[str, int] = defaultdict(int)
    trial_cameras = unpriced = 0
    for count in counts:
        per_tariff[count.tariff_id] += count.cameras
        trial = count.organization_id in trial_ids
        day = org_day.get(count.organization_id, today)
        (line,) = cost_lines([count], tariffs, day, trial)
        if trial:
            trial_cameras += count.cameras
        elif line.unit_price_minor is None:
            unpriced += count.cameras
        else:
            revenue[line.currency] += line.monthly_minor
    by_tariff = sorted(
        (TariffCount(tid, tariffs[tid].name if tid in tariffs else f"#{tid}", n) for tid, n in per_tariff.items()),
        key=lambda t: (t.name, t.tariff_id),
    )
    unpaid, overdue = _unpaid(today)
    return AdminOverview(
        today=today,
        organizations=len(orgs),
        organizations_in_trial=len(trial_ids),
        cameras_by_tariff=by_tariff,
        cameras_total=sum(per_tariff.values()),
        revenue=[MoneyAmount(c, a) for c, a in sorted(revenue.items())],
        trial_cameras=trial_cameras,
        unpriced_cameras=unpriced,
        issued_this_month=_issued_in_month(today),
        unpaid=unpaid,
        overdue=overdue,
        overdue_invoices=_overdue_invoices(today),
    )


def _issued_in_month(today: date) -> list[InvoiceTotal]:
    """Invoices issued in ``today``'s calendar month (still issued or since paid; not void)."""
    first = today.replace(day=1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    rows = db.session.execute(
        select(Invoice.currency, func.count(), func.coalesce(func.sum(Invoice.total_minor), 0))
        .where(
            Invoice.status.in_((InvoiceStatus.ISSUED, InvoiceStatus.PAID)),
            Invoice.issue_date >= first,
            Invoice.issue_date < nxt,
        )
        .group_by(Invoice.currency)
        .order_by(Invoice.currency)
    )
    return [InvoiceTotal(currency, int(n), int(total)) for currency, n, total in rows]


def _unpaid(today: date) -> tuple[list[InvoiceTotal], list[InvoiceTotal]]:
    """Issued, unpaid invoices per currency, and the overdue part (due before ``today``)."""
    late = case((Invoice.due_date < today, 1), else_=0)
    rows = db.session.execute(
        select(Invoice.currency, late, func.count(), func.coalesce(func.sum(Invoice.total_minor), 0))
        .where(Invoice.status == InvoiceStatus.ISSUED)
        .group_by(Invoice.currency, late)
    )
    unpaid: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    overdue: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for currency, is_late, n, total in rows:
        for bucket in (unpaid, overdue) if is_late else (unpaid,):
            bucket[currency][0] += int(n)
            bucket[currency][1] += int(total)
    return (
        [InvoiceTotal(c, n, t) for c, (n, t) in sorted(unpaid.items())],
        [InvoiceTotal(c, n, t) for c, (n, t) in sorted(overdue.items())],
    )


def _overdue_invoices(today: date) -> list[OverdueInvoice]:
    """The oldest overdue invoices, at most ``OVERDUE_LISTED``, with their organization's title."""
    rows = db.session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Invoice.organization_id,
            Organization.title,
            Invoice.due_date,
            Invoice.total_minor,
            Invoice.currency,
        )
        .join(Organization, Organization.id == Invoice.organization_id)
        .where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_date < today)
        .order_by(Invoice.due_date, Invoice.id)
        .limit(OVERDUE_LISTED)
    )
    return [OverdueInvoice(*row) for row in rows]
