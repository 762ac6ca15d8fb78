"""Tariff operations: save, price versions, archive and delete (add and flush; the view commits).

Rules kept here:

* A name is unique regardless of case.
* Every service of a tariff is priced in the tariff's currency; the currency is fixed at
  creation (the price versions are stored in it).
* A tariff priced as the sum of its services needs at least one service.
* Prices are effective-dated :class:`TariffPrice` versions.  Creating a tariff creates its
  first version; afterwards a price changes **only** through :func:`set_price`.  Saving a
  tariff never rewrites a price, not even in "sum" mode when its services change: the sum of
  the services is then only the suggested amount for the next version.
* :func:`set_price` accepts a date not already taken by a version of that tariff, unless
  the version would price a day of a period that an issued (or paid) invoice already billed
  for an organization using the tariff (the error names those invoices).  A version that
  starts in the past and re-prices usage not invoiced yet is saved only once the admin has
  confirmed its impact (organizations, cameras, amount: :mod:`portal.tariffs.impact`), and
  the audit event keeps that impact.
* A tariff in use (usage intervals, cameras, invoice lines, or allowed to an organization)
  is archived, never deleted.  Archived tariffs are left out of :func:`active_tariffs`, so
  they cannot be newly allowed; organizations that already allow one keep it.  Archiving
  also withdraws the "offered by default" flag.

Each public function that changes a tariff is small, records one audit event and returns
the tariff, so the Watcher preset push can be added to it in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit import service as audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Camera,
    Invoice,
    InvoiceLine,
    Organization,
    Service,
    Tariff,
    TariffPrice,
    UsageInterval,
    User,
    organization_tariffs,
    utcnow,
)
from portal.sync import outbox
from portal.tariffs.impact import PriceImpact, invoiced_conflicts, price_impact
from portal.templating import money

FIELDS = ("name", "note", "currency", "price_mode", "is_default_offer", "is_archived")
PRICE_MODES = ("sum", "override")


@dataclass(frozen=True)
class TariffValues:
    """Validated form input for :func:`save_tariff`."""

    name: str
    note: str
    currency: str
    price_mode: str
    is_default_offer: bool
    service_ids: Sequence[int]


@dataclass(frozen=True)
class PriceRow:
    """One line of the price history."""

    version: TariffPrice
    set_by: str
    in_force: bool


def active_tariffs(currency: str | None = None) -> list[Tariff]:
    """Tariffs that may be newly allowed to an organization (not archived), by name."""
    query = select(Tariff).where(Tariff.is_archived.is_(False)).order_by(func.lower(Tariff.name))
    if currency is not None:
        query = query.where(Tariff.currency == currency)
    return list(db.session.scalars(query))


def default_offer_tariffs(currency: str | None = None) -> list[Tariff]:
    """Active tariffs flagged "offered to new organizations by default"."""
    return [t for t in active_tariffs(currency) if t.is_default_offer]


def services_sum(tariff: Tariff) -> int:
    """The sum of the tariff's services' monthly prices, in minor units."""
    return sum(service.monthly_price_minor for service in tariff.services)


def suggested_price(tariff: Tariff, today: date) -> int:
    """The amount to pre-fill a new version with: the services' sum, or the current price."""
    current = tariff.price_on(today)
    if tariff.price_mode == "sum" or current is None:
        return services_sum(tariff)
    return current.amount_minor


def usage_counts(tariff: Tariff) -> dict[str, int]:
    """How many rows refer to the tariff, by kind; any non-zero count means "in use"."""

    def count(query: Any) -> int:
        return int(db.session.scalar(query) or 0)

    return {
        "organizations": count(
            select(func.count()).select_from(organization_tariffs).where(organization_tariffs.c.tariff_id == tariff.id)
        ),
        "cameras": count(select(func.count(Camera.id)).where(Camera.tariff_id == tariff.id)),
        "usage_intervals": count(select(func.count(UsageInterval.id)).where(UsageInterval.tariff_id == tariff.id)),
        "invoice_lines": count(select(func.count(InvoiceLine.id)).where(InvoiceLine.tariff_id == tariff.id)),
    }


def is_used(tariff: Tariff) -> bool:
    """True when anything refers to the tariff, so it may only be archived."""
    return any(usage_counts(tariff).values())


def organizations_allowing(tariff: Tariff) -> list[Organization]:
    """Organizations that allow the tariff, by title."""
    return list(
        db.session.scalars(
            select(Organization)
            .join(organization_tariffs)
            .where(organization_tariffs.c.tariff_id == tariff.id)
            .order_by(Organization.title)
        )
    )


def price_history(tariff: Tariff, today: date) -> list[PriceRow]:
    """All price versions, newest first, with who set them and the one in force ``today``."""
    current = tariff.price_on(today)
    rows = db.session.execute(
        select(TariffPrice, User.email)
        .outerjoin(User, User.id == TariffPrice.created_by_id)
        .where(TariffPrice.tariff_id == tariff.id)
        .order_by(TariffPrice.effective_from.desc())
    ).all()
    return [
        PriceRow(version=version, set_by=email or "system", in_force=current is not None and version.id == current.id)
        for version, email in rows
    ]


def _snapshot(tariff: Tariff) -> dict[str, Any]:
    return {**audit.snapshot(tariff, FIELDS), "services": sorted(s.name for s in tariff.services)}


def _mark_for_sync(tariff: Tariff, *, organizations_too: bool = False) -> None:
    """Queue the tariff's Watcher preset for a push (call after the flush that gives it an id).

    Archiving changes which presets organizations may use, so it also queues
    the organizations that allow the tariff.
    """
    tariff.sync_error = None
    outbox.enqueue(tariff)
    if organizations_too:
        for org in organizations_allowing(tariff):
            outbox.enqueue(org)


def _flush(message: str, field: str) -> None:
    """Flush, turning a unique-constraint race into a readable error."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise DomainError(message, field=field) from exc


def _check_name(name: str, tariff_id: int | None) -> None:
    existing = db.session.scalar(select(Tariff.id).where(func.lower(Tariff.name) == name.strip().lower()))
    if existing is not None and existing != tariff_id:
        raise DomainError(_("A tariff with this name already exists."), field="name")


def _load_services(values: TariffValues) -> list[Service]:
    ids = list(dict.fromkeys(values.service_ids))
    services = list(db.session.scalars(select(Service).where(Service.id.in_(ids)).order_by(Service.name)))
    if len(services) != len(ids):
        raise DomainError(_("A chosen service no longer exists; choose again."), field="services")
    foreign = [s for s in services if s.currency != values.currency]
    if foreign:
        names = ", ".join(f"{s.name} ({s.currency})" for s in foreign)
        raise DomainError(
            _("All services must be priced in %(currency)s; not so: %(names)s.", currency=values.currency, names=names),
            field="services",
        )
    if values.price_mode == "sum" and not services:
        raise DomainError(_("Choose at least one service, or give the tariff a price of its own."), field="services")
    return services


def save_tariff(
    tariff: Tariff,
    values: TariffValues,
    *,
    first_price: int | None = None,
    effective_from: date | None = None,
    by: User | None = None,
) -> Tariff:
    """Create (``tariff.id is None``) or update a tariff from validated values.

    On create the first price version starts on ``effective_from``: ``first_price`` in
    "override" mode, the sum of the services in "sum" mode.  On update no price changes.
    """
    creating = tariff.id is None
    before = None if creating else _snapshot(tariff)
    if values.price_mode not in PRICE_MODES:
        raise DomainError(_("Choose how the price is set."), field="price_mode")
    _check_name(values.name, tariff.id)
    if not creating and values.currency != tariff.currency:
        raise DomainError(_("The currency of a tariff cannot change; create a new tariff instead."), field="currency")
    services = _load_services(values)
    if values.is_default_offer and tariff.is_archived:
        raise DomainError(
            _("An archived tariff cannot be offered by default; un-archive it first."), field="is_default_offer"
        )
    if creating:
        if effective_from is None:
            raise DomainError(_("Enter the date the first price is effective from."), field="effective_from")
        if values.price_mode == "override" and first_price is None:
            raise DomainError(_("Enter the override price, or choose the sum of services."), field="override_price")
    tariff.name = values.name.strip()
    tariff.note = values.note.strip()
    tariff.currency = values.currency
    tariff.price_mode = values.price_mode
    tariff.is_default_offer = values.is_default_offer
    tariff.services = services
    if creating:
        assert effective_from is not None
        amount = first_price if values.price_mode == "override" and first_price is not None else services_sum(tariff)
        tariff.prices.append(
            TariffPrice(
                effective_from=effective_from,
                amount_minor=amount,
                currency=tariff.currency,
                created_by_id=by.id if by is not None else None,
            )
        )
    db.session.add(tariff)
    _flush("A tariff with this name already exists.", "name")
    _mark_for_sync(tariff)
    after = _snapshot(tariff)
    if creating:
        first = tariff.prices[0]
        after["price"] = {"effective_from": first.effective_from, "amount_minor": first.amount_minor}
        audit.record("tariff.create", "tariff", tariff.id, summary=tariff.name, after=after, actor=by)
    else:
        audit.record("tariff.update", "tariff", tariff.id, summary=tariff.name, before=before, after=after, actor=by)
    return tariff


class PriceInInvoicedPeriod(DomainError):
    """The version would price a period an issued invoice already billed; names the invoices."""

    def __init__(self, effective_from: date, invoices: list[Invoice]) -> None:
        names = "; ".join(
            f"{inv.number} ({inv.organization.title}, {inv.period_start.isoformat()} – {inv.period_end.isoformat()})"
            for inv in invoices
        )
        super().__init__(
            _(
                "A price from %(date)s would change issued invoices: %(names)s. "
                "Choose a date after their periods (or void them first).",
                date=effective_from.isoformat(),
                names=names,
            ),
            field="effective_from",
        )
        self.invoices = invoices


class PriceImpactToConfirm(DomainError):
    """A past-dated version re-prices usage not invoiced yet: the admin must confirm its impact."""

    def __init__(self, impact: PriceImpact) -> None:
        super().__init__(
            _("This price starts in the past and changes usage not invoiced yet: check its impact below and confirm."),
            field="effective_from",
        )
        self.impact = impact


def set_price(
    tariff: Tariff,
    amount_minor: int,
    effective_from: date,
    *,
    by: User | None = None,
    now: datetime | None = None,
    confirmed: str | None = None,
) -> Tariff:
    """Add a price version from ``effective_from`` (any date the tariff has no version on yet).

    Refused (:class:`PriceInInvoicedPeriod`) when the version would price a day of a period
    already billed by an issued or paid invoice of an organization using the tariff.  A version
    that starts in the past and re-prices usage not invoiced yet needs ``confirmed`` equal to
    the digest of its :class:`PriceImpact` (else :class:`PriceImpactToConfirm` carries the
    impact to show); the audit event records that impact.
    Prices are not part of the Watcher preset, so this does not mark the tariff for sync.
    """
    now = now or utcnow()
    if amount_minor < 0:
        raise DomainError(_("The amount cannot be negative."), field="amount")
    if any(version.effective_from == effective_from for version in tariff.prices):
        raise DomainError(
            _("A price from %(date)s already exists; choose another date.", date=effective_from.isoformat()),
            field="effective_from",
        )
    conflicts = invoiced_conflicts(tariff, effective_from)
    if conflicts:
        raise PriceInInvoicedPeriod(effective_from, conflicts)
    impact = price_impact(tariff, amount_minor, effective_from, now)
    if impact.affects_usage and confirmed != impact.digest():
        raise PriceImpactToConfirm(impact)
    previous = tariff.price_on(effective_from)
    version = TariffPrice(
        effective_from=effective_from,
        amount_minor=amount_minor,
        currency=tariff.currency,
        created_by_id=by.id if by is not None else None,
    )
    tariff.prices.append(version)
    tariff.prices.sort(key=lambda v: v.effective_from)  # price_on() relies on the order
    _flush(
        _("A price from %(date)s already exists; choose another date.", date=effective_from.isoformat()),
        "effective_from",
    )
    before = None
    if previous is not None:
        before = {"effective_from": previous.effective_from, "amount_minor": previous.amount_minor}
    after: dict[str, Any] = {
        "effective_from": effective_from,
        "amount_minor": amount_minor,
        "currency": tariff.currency,
    }
    summary = f"{tariff.name}: new price {money(amount_minor, tariff.currency)} from {effective_from}"
    if impact.affects_usage:
        after["impact"] = impact.as_record()
        change = money(abs(impact.delta_minor), tariff.currency)
        summary += (
            f" (past-dated; confirmed impact: {len(impact.organizations)} organization(s), "
            f"{len(impact.cameras)} camera(s), {'+' if impact.delta_minor >= 0 else '-'}{change} "
            "on usage not invoiced yet)"
        )
    audit.record(
        "tariff.price_set",
        "tariff",
        tariff.id,
        summary=summary,
        before=before,
        after=after,
        actor=by,
        only_changes=False,
    )
    return tariff


def archive_tariff(tariff: Tariff, *, by: User | None = None) -> Tariff:
    """Archive: hide from the default list and from new allowances; withdraw the default offer."""
    if tariff.is_archived:
        raise DomainError(_("The tariff is already archived."))
    before = _snapshot(tariff)
    tariff.is_archived = True
    tariff.archived_at = utcnow()
    tariff.is_default_offer = False
    db.session.flush()
    _mark_for_sync(tariff, organizations_too=True)
    audit.record(
        "tariff.archive", "tariff", tariff.id, summary=tariff.name, before=before, after=_snapshot(tariff), actor=by
    )
    return tariff


def unarchive_tariff(tariff: Tariff, *, by: User | None = None) -> Tariff:
    """Bring an archived tariff back into use."""
    if not tariff.is_archived:
        raise DomainError(_("The tariff is not archived."))
    before = _snapshot(tariff)
    tariff.is_archived = False
    tariff.archived_at = None
    db.session.flush()
    _mark_for_sync(tariff, organizations_too=True)
    audit.record(
        "tariff.unarchive", "tariff", tariff.id, summary=tariff.name, before=before, after=_snapshot(tariff), actor=by
    )
    return tariff


def delete_tariff(tariff: Tariff, *, by: User | None = None) -> Tariff:
    """Delete a never-used tariff; a tariff in use is refused (archive it instead)."""
    counts = usage_counts(tariff)
    if any(counts.values()):
        used = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items() if n)
        raise DomainError(
            _("“%(name)s” is in use (%(used)s) and cannot be deleted; archive it instead.", name=tariff.name, used=used)
        )
    before = {
        **_snapshot(tariff),
        "prices": [{"effective_from": p.effective_from, "amount_minor": p.amount_minor} for p in tariff.prices],
    }
    tariff_id = tariff.id
    db.session.delete(tariff)
    db.session.flush()
    audit.record("tariff.delete", "tariff", tariff_id, summary=tariff.name, before=before, actor=by)
    return tariff
