"""Which instants of each organization's usage an invoice carries, and what a time-zone change means.

An invoice covers, for every organization of its scope (the payer and each subsidiary
billed to it), the UTC instants ``[start_at, end_at)`` of that organization's usage it
bills; :class:`~portal.models.InvoiceCoverage` keeps them and the database refuses two
non-voided coverages of one organization that overlap.

**A time-zone change takes effect from the first period not yet invoiced.**  Issued
invoices keep the zone and instants they were computed in.  A period is normally the
calendar days of the organization's (current) zone, ``[first day 00:00, day after the
last 00:00)``.  The first period after a change is the one exception: it starts exactly
where the last invoiced period ended (an instant), not at midnight of the new zone, so
the hours between the two midnights are billed exactly once, with no gap and no overlap:

* moving east (London -> Kiritimati, UTC+14): October was billed to 2026-11-01 00:00 UTC;
  November in Kiritimati starts 2026-10-31 10:00 UTC; the November invoice bills from
  2026-11-01 00:00 UTC (the 14 hours are not billed twice);
* moving west (London -> Honolulu, UTC-10): November in Honolulu starts 2026-11-01
  10:00 UTC; the November invoice bills from 2026-11-01 00:00 UTC (no 10 hours unbilled).

The period ends at the end of its last day in the new zone.  Proration basis: every
instant is charged against the calendar month of the new zone that contains it (per
second, or per started day in ``day`` mode), as for any period; so the extra 10 hours of
the westward move are a part of Honolulu's October 31, prorated against Honolulu's
October, and the rest against Honolulu's November.  "The last invoiced period" is the
latest non-voided coverage of the organization computed in another zone whose end lies
within :data:`ZONE_SHIFT` of the new period's first midnight; anything further away is a
real gap in invoicing (e.g. a skipped month) and is left alone.  Only organizations whose
zone has changed (``Organization.timezone_changed_at``) are looked up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from portal.billing import Period, UsageSpan
from portal.billing.periods import local_date
from portal.extensions import db
from portal.models import Invoice, InvoiceCoverage, Organization

#: More than the widest distance between two zones' midnights (UTC-12 .. UTC+14 = 26 h).
ZONE_SHIFT = timedelta(hours=27)


@dataclass(frozen=True)
class Window:
    """The instants of one organization's usage a period covers, and the zone they come from."""

    organization_id: int
    timezone: str
    start_at: datetime
    end_at: datetime
    #: True when the start was moved to the end of the last invoiced period (a zone change).
    shifted: bool = False


def windows(orgs: list[tuple[int, str]], period: Period) -> dict[int, Window]:
    """``{organization id: Window}`` for ``(id, timezone)`` pairs over ``period`` (one query)."""
    # Only an organization whose zone changed can start after its first midnight: the others
    # cost no query (the scope's organizations are in the session already).
    ids = [org_id for org_id, _tz in orgs if _zone_changed(org_id)]
    latest: dict[int, InvoiceCoverage] = {}
    if ids:
        rows = db.session.scalars(
            select(InvoiceCoverage)
            .where(InvoiceCoverage.organization_id.in_(ids), InvoiceCoverage.voided.is_(False))
            .order_by(InvoiceCoverage.end_at)
        )
        bounds = {org_id: period.bounds(tz) for org_id, tz in orgs}
        for row in rows:
            if row.start_at < bounds[row.organization_id][1]:
                latest[row.organization_id] = row  # ordered by end: the last one wins
    found = {}
    for org_id, tz in orgs:
        start, end = period.bounds(tz)
        last = latest.get(org_id)
        if last is not None and last.timezone != tz and abs(last.end_at - start) < ZONE_SHIFT and last.end_at < end:
            found[org_id] = Window(org_id, tz, last.end_at, end, shifted=last.end_at != start)
        else:
            found[org_id] = Window(org_id, tz, start, end)
    return found


def _zone_changed(organization_id: int) -> bool:
    org = db.session.get(Organization, organization_id)
    return org is not None and org.timezone_changed_at is not None


def engine_period(period: Period, found: dict[int, Window]) -> Period:
    """``period``, reaching back a day when a window starts before its first local midnight."""
    first = min((local_date(w.start_at, w.timezone) for w in found.values()), default=period.start)
    return Period(min(first, period.start), period.end)


def clip(spans: list[UsageSpan], found: dict[int, Window]) -> list[UsageSpan]:
    """The spans from each organization's window start on (the engine cuts at the period's end)."""
    clipped = []
    for span in spans:
        window = found.get(span.organization_id)
        if window is None:
            clipped.append(span)
            continue
        if span.ended_at is not None and span.ended_at <= window.start_at:
            continue
        clipped.append(replace(span, started_at=window.start_at) if span.started_at < window.start_at else span)
    return clipped


def overlapping_invoice(found: dict[int, Window], exclude_invoice_id: int | None = None) -> Invoice | None:
    """A non-void invoice that already covers an instant of one of the windows, if any."""
    for window in found.values():
        query = (
            select(Invoice)
            .join(InvoiceCoverage, InvoiceCoverage.invoice_id == Invoice.id)
            .where(
                InvoiceCoverage.organization_id == window.organization_id,
                InvoiceCoverage.voided.is_(False),
                InvoiceCoverage.start_at < window.end_at,
                InvoiceCoverage.end_at > window.start_at,
            )
            .order_by(Invoice.id)
            .limit(1)
        )
        if exclude_invoice_id is not None:
            query = query.where(Invoice.id != exclude_invoice_id)
        existing = db.session.scalar(query)
        if existing is not None:
            return existing
    return None


def coverage_rows(found: dict[int, Window]) -> list[InvoiceCoverage]:
    """New coverage rows for an invoice (windows with nothing left are skipped)."""
    return [InvoiceCoverage(**row) for row in coverage_dicts(found)]


def invoiced_until(organization_id: int) -> InvoiceCoverage | None:
    """The organization's latest non-voided coverage (where its invoiced usage ends), if any."""
    return db.session.scalar(
        select(InvoiceCoverage)
        .where(InvoiceCoverage.organization_id == organization_id, InvoiceCoverage.voided.is_(False))
        .order_by(InvoiceCoverage.end_at.desc())
        .limit(1)
    )


def overlapping_invoices(found: list[Window]) -> dict[int, Invoice]:
    """``{organization id: a non-void invoice already covering an instant of its window}`` (one query).

    :func:`overlapping_invoice` for many windows at once (the billing run's batches).
    """
    if not found:
        return {}
    rows = db.session.execute(
        select(InvoiceCoverage.organization_id, InvoiceCoverage.start_at, InvoiceCoverage.end_at, Invoice)
        .join(Invoice, InvoiceCoverage.invoice_id == Invoice.id)
        .where(
            InvoiceCoverage.organization_id.in_(sorted({w.organization_id for w in found})),
            InvoiceCoverage.voided.is_(False),
            InvoiceCoverage.start_at < max(w.end_at for w in found),
            InvoiceCoverage.end_at > min(w.start_at for w in found),
        )
        .order_by(Invoice.id)
    ).all()
    by_org: dict[int, list[Window]] = {}
    for window in found:
        by_org.setdefault(window.organization_id, []).append(window)
    hits: dict[int, Invoice] = {}
    for org_id, start_at, end_at, invoice in rows:
        if any(start_at < w.end_at and end_at > w.start_at for w in by_org[org_id]):
            hits.setdefault(org_id, invoice)
    return hits


def coverage_dicts(found: dict[int, Window]) -> list[dict[str, Any]]:
    """The columns of :func:`coverage_rows`, for bulk writers."""
    return [
        {"organization_id": w.organization_id, "timezone": w.timezone, "start_at": w.start_at, "end_at": w.end_at}
        for w in sorted(found.values(), key=lambda w: w.organization_id)
        if w.end_at > w.start_at
    ]
