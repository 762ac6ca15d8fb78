"""The subscriber's area: their organizations, current cameras, expected cost, invoices.

Every lookup is scoped through :func:`portal.tenancy.visible_organization_ids`; invoices
and every other figure of money (prices, expected monthly cost) are further limited to
organizations where the user may see invoices (a membership with ``can_view_invoices``, or
ownership of the organization or of an ancestor): elsewhere the summary keeps the cameras
by tariff but carries no price at all.  Drafts are never shown.  The set of queries is
fixed whatever the number of organizations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.billing_read import load_tariff_prices
from portal.dashboard.figures import (
    CostLine,
    MoneyAmount,
    cost_lines,
    current_camera_counts,
    in_trial,
    local_today,
    totals_by_currency,
)
from portal.extensions import db
from portal.invoices.access import invoice_organization_ids, visible_invoices
from portal.models import Camera, InvoiceStatus, Organization, Tariff, User
from portal.tenancy import visible_organization_ids


@dataclass(frozen=True)
class OrgSummary:
    """One organization as its subscriber sees it on the dashboard."""

    id: int
    title: str
    parent_id: int | None
    parent_title: str | None
    today: date
    trial_end: date | None
    in_trial: bool
    lines: list[CostLine]
    cameras: int
    monthly: list[MoneyAmount]
    #: May see this organization's invoices, usages and prices; without it ``lines`` carry no
    #: price and ``monthly`` is empty.
    can_view_invoices: bool


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice in a subscriber's list."""

    id: int
    number: str | None
    organization_id: int
    organization_title: str
    period_start: date
    period_end: date
    status: str
    issue_date: date | None
    due_date: date | None
    total_minor: int
    currency: str
    overdue: bool


@dataclass(frozen=True)
class CameraRow:
    """A current camera: names and tariff only (never a stream URL)."""

    name: str
    title: str
    tariff_name: str | None


def organization_summaries(user: User, now: datetime, only_id: int | None = None) -> list[OrgSummary]:
    """The visible organizations (or just ``only_id``) with their current cost: four queries.

    A parent is named only when the user may see it too.
    """
    visible = visible_organization_ids(user)
    parent = aliased(Organization)
    stmt = (
        select(
            Organization.id,
            Organization.title,
            Organization.timezone,
            Organization.trial_start,
            Organization.trial_end,
            parent.id,
            parent.title,
        )
        .outerjoin(parent, (parent.id == Organization.parent_id) & parent.id.in_(visible))
        .where(Organization.id.in_(visible))
        .order_by(Organization.title)
    )
    if only_id is not None:
        stmt = stmt.where(Organization.id == only_id)
    orgs = db.session.execute(stmt).all()
    if not orgs:
        return []
    scope = select(Organization.id).where(Organization.id.in_(visible))
    if only_id is not None:
        scope = scope.where(Organization.id == only_id)
    counts = current_camera_counts(scope)
    tariffs = load_tariff_prices(c.tariff_id for c in counts)
    by_org = defaultdict(list)
    for count in counts:
        by_org[count.organization_id].append(count)
    invoice_ids = set(db.session.scalars(invoice_organization_ids(user)))
    summaries = []
    for org_id, title, tz, trial_start, trial_end, parent_id, parent_title in orgs:
        today = local_today(now, tz)
        trial = in_trial(today, trial_start, trial_end)
        lines = cost_lines(by_org[org_id], tariffs, today, trial)
        money = org_id in invoice_ids
        if not money:
            lines = [_without_money(line) for line in lines]
        summaries.append(
            OrgSummary(
                id=org_id,
                title=title,
                parent_id=parent_id,
                parent_title=parent_title,
                today=today,
                trial_end=trial_end if trial else None,
                in_trial=trial,
                lines=lines,
                cameras=sum(line.cameras for line in lines),
                monthly=totals_by_currency(lines) if money else [],
                can_view_invoices=money,
            )
        )
    return summaries


def _without_money(line: CostLine) -> CostLine:
    """The line's tariff and cameras only: for a user who may not see the organization's money."""
    return replace(line, unit_price_minor=None, currency="", monthly_minor=0)


def invoice_rows(user: User, today: date, organization_id: int | None = None) -> list[InvoiceRow]:
    """The invoices ``user`` may see (the one rule: :func:`portal.invoices.access.visible_invoices`),
    newest first, as dashboard rows (one query); ``today`` decides overdue."""
    visible = visible_invoices(user).subquery()
    stmt = (
        select(
            visible.c.id,
            visible.c.number,
            visible.c.organization_id,
            Organization.title,
            visible.c.period_start,
            visible.c.period_end,
            visible.c.status,
            visible.c.issue_date,
            visible.c.due_date,
            visible.c.total_minor,
            visible.c.currency,
        )
        .join(Organization, Organization.id == visible.c.organization_id)
        .order_by(visible.c.period_start.desc(), visible.c.id.desc())
    )
    if organization_id is not None:
        stmt = stmt.where(visible.c.organization_id == organization_id)
    return [
        InvoiceRow(
            id=i,
            number=number,
            organization_id=org_id,
            organization_title=title,
            period_start=start,
            period_end=end,
            status=status,
            issue_date=issued,
            due_date=due,
            total_minor=total,
            currency=currency,
            overdue=status == InvoiceStatus.ISSUED and due is not None and due < today,
        )
        for i, number, org_id, title, start, end, status, issued, due, total, currency in db.session.execute(stmt)
    ]


def current_cameras(organization_id: int) -> list[CameraRow]:
    """Cameras Watcher still reports in one (already scoped) organization, with their tariff: one query."""
    rows = db.session.execute(
        select(Camera.name, Camera.title, Tariff.name)
        .outerjoin(Tariff, Tariff.id == Camera.tariff_id)
        .where(Camera.organization_id == organization_id, Camera.missing_since.is_(None))
        .order_by(Camera.name)
    )
    return [CameraRow(name, title, tariff) for name, title, tariff in rows]


def visible_children(user: User, organization_id: int) -> list[tuple[int, str]]:
    """(id, title) of the organization's subsidiaries the user may see: one query."""
    return [
        (row[0], row[1])
        for row in db.session.execute(
            select(Organization.id, Organization.title)
            .where(Organization.parent_id == organization_id, Organization.id.in_(visible_organization_ids(user)))
            .order_by(Organization.title)
        )
    ]
