"""What a new price version would do to the past, before it is saved.

Two rules (issue #11, "prices that respect the past"):

* A version may not price any day of a period that an issued (or paid) invoice
  already billed for an organization using the tariff: from its first day up to
  the next version (or for ever), no such invoice may overlap.
  :func:`invoiced_conflicts` names those invoices.
* A version starting in the past, in no invoiced period, re-prices usage that is
  not invoiced yet.  :func:`price_impact` rates that usage (through the same read
  path as the Usages page and invoices) with and without the new version and
  reports the organizations, cameras and amount it changes; the admin confirms it
  and the audit event keeps it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from portal.billing import NoPriceForPeriod, Period, PriceVersion, rate_period
from portal.billing.periods import local_date, local_midnight
from portal.billing.pricing import next_version_start
from portal.billing_read import load_terms, payer_of
from portal.extensions import db
from portal.models import Invoice, InvoiceLine, Organization, Tariff, UsageInterval
from portal.usages.service import billing_scope, load_prices, load_spans, proration_mode

#: Statuses of invoices whose figures are final.
FINAL = ("issued", "paid")


@dataclass(frozen=True)
class PriceImpact:
    """What a past-dated version changes on usage not invoiced yet."""

    effective_from: date
    until: date | None
    currency: str
    organizations: tuple[str, ...] = ()
    cameras: tuple[str, ...] = ()
    before_minor: int = 0
    after_minor: int = 0
    payers: tuple[str, ...] = field(default=())

    @property
    def delta_minor(self) -> int:
        """How much the version changes the not-yet-invoiced amounts (negative: cheaper)."""
        return self.after_minor - self.before_minor

    @property
    def affects_usage(self) -> bool:
        """True when some organization has usage the version re-prices."""
        return bool(self.cameras)

    def digest(self) -> str:
        """A short fingerprint, so a confirmation applies to exactly the impact that was shown."""
        text = repr(
            (self.effective_from, self.until, self.organizations, self.cameras, self.before_minor, self.after_minor)
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def as_record(self) -> dict[str, object]:
        """The impact for the audit trail (amounts in minor units with the currency beside them)."""
        return {
            "currency": self.currency,
            "organizations": list(self.organizations),
            "cameras": len(self.cameras),
            "camera_names": list(self.cameras),
            "before_minor": self.before_minor,
            "after_minor": self.after_minor,
            "change_minor": self.delta_minor,
            "from": self.effective_from.isoformat(),
            "until": self.until.isoformat() if self.until else None,
        }


def next_version_from(tariff: Tariff, starts_on: date) -> date | None:
    """The start of the first existing version after ``starts_on`` (where the new one ends)."""
    return next_version_start(tariff.prices, starts_on)


def _users_and_payers(tariff_id: int) -> set[int]:
    """Organizations with usage of the tariff, and the organizations they are invoiced to."""
    used = set(
        db.session.scalars(select(UsageInterval.organization_id).where(UsageInterval.tariff_id == tariff_id).distinct())
    )
    ids = set(used)
    for org in db.session.scalars(select(Organization).where(Organization.id.in_(used))):
        ids.add(payer_of(org).id)  # the one payer rule (the billing read model)
    return ids


def invoiced_conflicts(tariff: Tariff, starts_on: date) -> list[Invoice]:
    """Issued/paid invoices of organizations using ``tariff`` whose period the new version would price."""
    until = next_version_from(tariff, starts_on)
    carriers = select(InvoiceLine.invoice_id).where(InvoiceLine.tariff_id == tariff.id)
    query = (
        select(Invoice)
        .where(
            Invoice.status.in_(FINAL),
            Invoice.period_end >= starts_on,
            or_(Invoice.id.in_(carriers), Invoice.organization_id.in_(_users_and_payers(tariff.id))),
        )
        .order_by(Invoice.period_start, Invoice.number)
    )
    if until is not None:
        query = query.where(Invoice.period_start < until)
    return list(db.session.scalars(query))


def is_past(starts_on: date, now: datetime) -> bool:
    """True when ``starts_on`` has begun somewhere on Earth (UTC+14) by ``now``."""
    return local_midnight(starts_on, "Etc/GMT-14") <= now


def price_impact(tariff: Tariff, amount_minor: int, starts_on: date, now: datetime) -> PriceImpact:
    """Rate the tariff's not-yet-invoiced usage from ``starts_on`` to ``now`` with and without
    the new version; only the tariff's own lines count."""
    until = next_version_from(tariff, starts_on)
    impact = PriceImpact(effective_from=starts_on, until=until, currency=tariff.currency)
    if not is_past(starts_on, now):
        return impact
    users = set(
        db.session.scalars(
            select(UsageInterval.organization_id)
            .where(
                UsageInterval.tariff_id == tariff.id,
                or_(UsageInterval.ended_at.is_(None), UsageInterval.ended_at > local_midnight(starts_on, "Etc/GMT-14")),
                UsageInterval.started_at < now,
            )
            .distinct()
        )
    )
    payers: dict[int, Organization] = {}
    for org in db.session.scalars(select(Organization).where(Organization.id.in_(users))):
        payer = payer_of(org)
        payers[payer.id] = payer
    new = PriceVersion(
        tariff_id=tariff.id, effective_from=starts_on, amount_minor=amount_minor, currency=tariff.currency
    )
    orgs: set[str] = set()
    cameras: set[str] = set()
    before = after = 0
    for payer in sorted(payers.values(), key=lambda o: o.title):
        last = local_date(now, payer.timezone)
        if until is not None:
            last = min(last, until - timedelta(days=1))
        if last < starts_on:
            continue
        period = Period(starts_on, last)
        scope = billing_scope(payer)
        spans, tariffs = load_spans(scope, period)
        prices = load_prices(sorted(t.id for t in tariffs))
        terms = load_terms(scope.ids, (t.id for t in tariffs))
        try:
            old = rate_period(scope.orgs, spans, prices, tariffs, period, now, mode=proration_mode(), terms=terms)
            before += sum(ln.amount_minor for ln in old.lines if ln.tariff_id == tariff.id)
        except NoPriceForPeriod:
            pass  # the version prices usage that had no price at all: it was worth nothing so far
        fresh = rate_period(scope.orgs, spans, [*prices, new], tariffs, period, now, mode=proration_mode(), terms=terms)
        after += sum(ln.amount_minor for ln in fresh.lines if ln.tariff_id == tariff.id)
        for charge in fresh.charges:
            if charge.tariff_id == tariff.id and charge.price_from == starts_on:
                cameras.add(charge.camera_name)
                orgs.add(scope.titles[charge.organization_id])
    return PriceImpact(
        effective_from=starts_on,
        until=until,
        currency=tariff.currency,
        organizations=tuple(sorted(orgs)),
        cameras=tuple(sorted(cameras)),
        before_minor=before,
        after_minor=after,
        payers=tuple(sorted(p.title for p in payers.values())),
    )
