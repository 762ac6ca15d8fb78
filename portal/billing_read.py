"""The billing read model: database -> engine, set-based, the ONE way in for billing.

Everything a period's billing needs is loaded here, and nowhere else: the scope
(the payer, the subsidiaries billed to it, the hierarchy), the price versions of
the tariffs used, and the usage spans.  The Usages page, the invoice preview,
issuing, the billing run and the dashboards all read through this module and
hand the result to the pure engine (``portal.billing``), which holds the rules:
who pays (:func:`portal.billing.payer_id` / ``invoice_scope``) and which price
is in force (:func:`portal.billing.price_in_force`).

Data flows one way: read model -> engine -> writer (``portal.invoices.service``)
-> documents.  :func:`load_statement` runs a fixed number of statements whatever
the number of cameras: one for the organizations of the billing scope, one
aggregate query for the usage intervals (joined with cameras and tariffs) and
one for the price versions of the tariffs used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, aliased

from portal import settings
from portal.billing import (
    AdjustmentKind,
    BillingOrg,
    Period,
    PriceAdjustment,
    PriceVersion,
    ProrationMode,
    Statement,
    TariffInfo,
    TaxAssignment,
    TaxVersion,
    Terms,
    UsageSpan,
    invoice_scope,
    payer_id,
    price_in_force,
    rate_period,
)
from portal.extensions import db
from portal.invoices import coverage
from portal.models import (
    MAX_DEPTH,
    Camera,
    IndividualPrice,
    Organization,
    OrganizationTerms,
    Suspension,
    Tariff,
    TariffPrice,
    Tax,
    TaxRate,
    UsageInterval,
)


@dataclass(frozen=True)
class Scope:
    """The paying organization and every organization billed to it (payer first)."""

    payer: Organization
    orgs: tuple[BillingOrg, ...]
    titles: dict[int, str]
    #: The scope's organizations as loaded, when loaded together (:func:`scopes_of`): held here
    #: so that reads while the scope is rated find them in the session's identity map.
    loaded: tuple[Organization, ...] = ()

    @property
    def ids(self) -> tuple[int, ...]:
        """Organization ids in the scope, payer first."""
        return tuple(org.id for org in self.orgs)


def proration_mode() -> ProrationMode:
    """The configured proration mode (``BILLING_PRORATION``, validated once by ``create_app``)."""
    return settings.current().billing.proration


def billing_org(org: Organization) -> BillingOrg:
    """The engine's view of an organization."""
    return BillingOrg(
        id=org.id,
        title=org.title,
        timezone=org.timezone,
        currency=org.currency,
        trial_start=org.trial_start,
        trial_end=org.trial_end,
        parent_id=org.parent_id,
        invoice_to_parent=bool(org.invoice_to_parent),
    )


@cache
def _scope_query() -> Select[tuple[Organization]]:
    """The organization ``:org_id`` and its subsidiaries (any depth) billed to it.

    Built once: a statement of ``MAX_DEPTH`` aliased levels costs more to build than to run
    (every Usages and invoice page asks for a scope)."""
    levels = [select(Organization.id).where(Organization.id == bindparam("org_id", type_=Integer))]
    level = levels[0]
    for _ in range(MAX_DEPTH):
        child = aliased(Organization)
        level = select(child.id).where(child.parent_id.in_(level), child.invoice_to_parent.is_(True))
        levels.append(level)
    ids = select(Organization.id).where(or_(*(Organization.id.in_(part) for part in levels)))
    return select(Organization).where(Organization.id.in_(ids))


def billing_scope(org: Organization) -> Scope:
    """``org`` and its subsidiaries (any depth) billed to it, in one query."""
    rows = list(db.session.scalars(_scope_query(), {"org_id": org.id}))
    by_id = {row.id: row for row in rows}
    by_id[org.id] = org
    scope = invoice_scope(billing_org(org), [billing_org(row) for row in by_id.values()])
    return Scope(payer=org, orgs=scope, titles={o.id: by_id[o.id].title for o in scope})


def utc_window(scope: Scope, period: Period) -> tuple[datetime, datetime]:
    """The widest UTC range the period covers in the scope's timezones."""
    bounds = [period.bounds(org.timezone) for org in scope.orgs]
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def _span_query(org_ids: Iterable[int], lower: datetime, upper: datetime) -> Select[Any]:
    """The usage intervals of ``org_ids`` overlapping ``[lower, upper)``, with camera and tariff names."""
    # PostgreSQL: the camera of each interval by its primary key (a lateral lookup; OFFSET 0
    # keeps the planner from flattening it into a join).  A batch reads a few thousand
    # intervals, and a plain join would scan every camera of the operator for each batch
    # (a million, 50 times, at 1M).  SQLite has no LATERAL and looks cameras up by key anyway.
    camera: FromClause
    name: ColumnElement[str] | InstrumentedAttribute[str]
    title: ColumnElement[str] | InstrumentedAttribute[str]
    on: ColumnElement[bool]
    if db.session.get_bind().dialect.name == "postgresql":
        camera = select(Camera.name, Camera.title).where(Camera.id == UsageInterval.camera_id).offset(0).lateral()
        name, title, on = camera.c.name, camera.c.title, true()
    else:
        camera, name, title = Camera.__table__, Camera.name, Camera.title
        on = Camera.id == UsageInterval.camera_id
    return (
        select(
            UsageInterval.camera_id,
            name,
            title,
            UsageInterval.organization_id,
            UsageInterval.tariff_id,
            Tariff.name,
            UsageInterval.started_at,
            UsageInterval.ended_at,
        )
        .select_from(UsageInterval)
        .join(camera, on)
        .join(Tariff, Tariff.id == UsageInterval.tariff_id)
        .where(
            UsageInterval.organization_id.in_(list(org_ids)),
            UsageInterval.started_at < upper,
            or_(UsageInterval.ended_at.is_(None), UsageInterval.ended_at > lower),
        )
    )


def _span(row: Any) -> tuple[UsageSpan, str]:
    """One row of :func:`_span_query` as the engine's span, and its tariff's name."""
    cam_id, name, title, org_id, tariff_id, tariff_name, started, ended = row
    span = UsageSpan(
        camera_id=cam_id,
        camera_name=name,
        camera_title=title or "",
        organization_id=org_id,
        tariff_id=tariff_id,
        started_at=started,
        ended_at=ended,
    )
    return span, tariff_name


def load_spans(scope: Scope, period: Period) -> tuple[list[UsageSpan], list[TariffInfo]]:
    """The scope's usage intervals overlapping the period, with tariff names (one query)."""
    lower, upper = utc_window(scope, period)
    query = _span_query(scope.ids, lower, upper).order_by(UsageInterval.camera_id, UsageInterval.started_at)
    spans: list[UsageSpan] = []
    tariffs: dict[int, TariffInfo] = {}
    for row in db.session.execute(query):
        span, tariff_name = _span(row)
        spans.append(span)
        tariffs[span.tariff_id] = TariffInfo(id=span.tariff_id, name=tariff_name)
    if spans and not settings.current().dunning.bill_suspended:
        spans = cut_suspensions(spans, load_suspensions(scope.ids, lower, upper))
    return spans, list(tariffs.values())


def load_suspensions(
    org_ids: Iterable[int], lower: datetime, upper: datetime
) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """Suspension windows (issue 14) of the organizations overlapping ``[lower, upper)``: one query."""
    rows = db.session.execute(
        select(Suspension.organization_id, Suspension.started_at, Suspension.ended_at).where(
            Suspension.organization_id.in_(list(org_ids)),
            Suspension.started_at < upper,
            or_(Suspension.ended_at.is_(None), Suspension.ended_at > lower),
        )
    )
    found: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for org_id, started, ended in rows:
        found.setdefault(org_id, []).append((started, ended))
    return found


def cut_suspensions(
    spans: list[UsageSpan], windows: dict[int, list[tuple[datetime, datetime | None]]]
) -> list[UsageSpan]:
    """The spans without the instants their organization was suspended (``DUNNING_BILL_SUSPENDED`` off).

    What a suspended camera is billed is this one rule, applied here for the Usages page, the
    preview, the invoice and the billing run alike: nothing while its organization is suspended.
    The windows of an organization are merged first, so an instant is cut once however many
    suspend/restore cycles covered it, and a span is only ever shortened or split, never
    lengthened: nothing outside a window changes.
    """
    if not windows:
        return spans
    merged = {org_id: _merge(found) for org_id, found in windows.items()}
    result: list[UsageSpan] = []
    for span in spans:
        pieces: list[tuple[datetime, datetime | None]] = [(span.started_at, span.ended_at)]
        for cut_start, cut_end in merged.get(span.organization_id, []):
            pieces = [part for piece in pieces for part in _minus(piece, cut_start, cut_end)]
        result.extend(replace(span, started_at=start, ended_at=end) for start, end in pieces)
    return result


def _merge(windows: list[tuple[datetime, datetime | None]]) -> list[tuple[datetime, datetime | None]]:
    """Overlapping or touching windows as one (an open end is +infinity)."""
    merged: list[tuple[datetime, datetime | None]] = []
    for start, end in sorted(windows, key=lambda w: w[0]):
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, None if end is None or last_end is None else max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def _minus(
    piece: tuple[datetime, datetime | None], cut_start: datetime, cut_end: datetime | None
) -> list[tuple[datetime, datetime | None]]:
    """``piece`` without ``[cut_start, cut_end)``: zero, one or two pieces."""
    start, end = piece
    out: list[tuple[datetime, datetime | None]] = []
    if cut_start > start:
        out.append((start, cut_start if end is None else min(end, cut_start)))
    if cut_end is not None and (end is None or cut_end < end):
        out.append((max(start, cut_end), end))
    return [(s, e) for s, e in out if e is None or e > s]


def load_prices(tariff_ids: list[int]) -> list[PriceVersion]:
    """Every price version of the given tariffs (one query; none when no tariff is used)."""
    if not tariff_ids:
        return []
    rows = db.session.execute(
        select(TariffPrice.tariff_id, TariffPrice.effective_from, TariffPrice.amount_minor, TariffPrice.currency).where(
            TariffPrice.tariff_id.in_(tariff_ids)
        )
    )
    return [PriceVersion(tariff_id=t, effective_from=d, amount_minor=a, currency=c) for t, d, a, c in rows]


def load_terms(organization_ids: Iterable[int], tariff_ids: Iterable[int]) -> Terms:
    """The organizations' individual prices of the given tariffs and their taxes with all rates.

    One query whatever the number of organizations (none when there is nothing to load):
    individual prices and tax rates of assigned taxes, as one ``UNION ALL``.  Who wins
    between a subsidiary and its parent is the engine's rule (:mod:`portal.billing.terms`).
    """
    orgs, tariffs = sorted(set(organization_ids)), sorted(set(tariff_ids))
    if not orgs:
        return Terms()
    prices = select(
        literal("price").label("row"),
        IndividualPrice.organization_id,
        IndividualPrice.tariff_id.label("ref"),
        IndividualPrice.effective_from,
        IndividualPrice.kind.label("text"),
        IndividualPrice.value,
    ).where(IndividualPrice.organization_id.in_(orgs), IndividualPrice.tariff_id.in_(tariffs or [-1]))
    rates = (
        select(
            literal("tax").label("row"),
            OrganizationTerms.organization_id,
            OrganizationTerms.tax_id.label("ref"),
            TaxRate.effective_from,
            Tax.name.label("text"),
            cast(TaxRate.rate_bp, BigInteger).label("value"),
        )
        .join(Tax, Tax.id == OrganizationTerms.tax_id)
        .outerjoin(TaxRate, TaxRate.tax_id == Tax.id)
        .where(OrganizationTerms.organization_id.in_(orgs))
    )
    adjustments: list[PriceAdjustment] = []
    assignments: set[TaxAssignment] = set()
    taxes: set[TaxVersion] = set()
    for row, org_id, ref, day, text, value in db.session.execute(union_all(prices, rates)):
        if row == "price":
            adjustments.append(
                PriceAdjustment(
                    organization_id=org_id,
                    tariff_id=ref,
                    effective_from=day,
                    kind=AdjustmentKind(text),
                    value=int(value),
                )
            )
            continue
        assignments.add(TaxAssignment(organization_id=org_id, tax_id=ref))
        if day is not None:  # a tax without any rate: the engine refuses its usage (NoTaxForPeriod)
            taxes.add(TaxVersion(tax_id=ref, name=text, effective_from=day, rate_bp=int(value)))
    return Terms(adjustments=tuple(adjustments), taxes=tuple(taxes), assignments=tuple(assignments))


def rate_scope(
    org: Organization, period: Period, now: datetime, mode: ProrationMode | None = None
) -> tuple[Scope, Statement]:
    """:func:`load_statement` that also returns the scope (organization titles).

    Each organization is rated over its coverage window (:mod:`portal.invoices.coverage`):
    the period in its zone, except that after a time-zone change the first period not
    yet invoiced starts where the last invoiced one ended.
    """
    scope = billing_scope(org)
    found = coverage.windows([(o.id, o.timezone) for o in scope.orgs], period)
    rated = coverage.engine_period(period, found)
    spans, tariffs = load_spans(scope, rated)
    prices = load_prices(sorted(t.id for t in tariffs))
    return scope, rate_loaded(scope, found, spans, prices, tariffs, period, now, mode)


def rate_loaded(
    scope: Scope,
    found: dict[int, coverage.Window],
    spans: list[UsageSpan],
    prices: list[PriceVersion],
    tariffs: list[TariffInfo],
    period: Period,
    now: datetime,
    mode: ProrationMode | None = None,
    terms: Terms | None = None,
) -> Statement:
    """Rate a scope from what was loaded for it: each organization over its coverage window.

    ``found`` are the scope's windows (:func:`portal.invoices.coverage.windows`); ``spans``
    may hold other scopes' usage too (the engine skips it), already cut at suspensions
    (:func:`cut_suspensions`).  ``terms`` may hold other scopes' terms too (the engine
    reads the scope's own); None loads the scope's (:func:`load_terms`).
    :func:`rate_scope` and the billing run (many scopes loaded at once) both rate through here.
    """
    rated = coverage.engine_period(period, found)  # a day earlier after a westward zone change
    statement = rate_period(
        scope.orgs,
        # unshifted windows are the period's own bounds, where the engine cuts anyway
        coverage.clip(spans, found) if any(w.shifted for w in found.values()) else spans,
        prices,
        tariffs,
        rated,
        now,
        mode=mode if mode is not None else proration_mode(),
        terms=terms if terms is not None else (load_terms(scope.ids, (t.id for t in tariffs)) if spans else Terms()),
    )
    return statement if rated == period else replace(statement, period=period)


def load_statement(org: Organization, period: Period, now: datetime, mode: ProrationMode | None = None) -> Statement:
    """Rate ``org`` (with subsidiaries billed to it) over ``period`` as seen at ``now``.

    The only way from the database to the engine.  Raises the engine's
    ``BillingError`` subclasses (mixed currency, missing price...) untouched.
    """
    return rate_scope(org, period, now, mode)[1]


def _all_billing_orgs() -> dict[int, BillingOrg]:
    """Every organization as the engine sees it (one query)."""
    rows = db.session.scalars(select(Organization))
    return {row.id: billing_org(row) for row in rows}


def organizations_with_usage(period: Period) -> list[Organization]:
    """Organizations that pay for usage in ``period``: the payer of every user of it.

    A subsidiary with ``invoice_to_parent`` is replaced by the organization it is
    billed to (:func:`portal.billing.payer_id`).  Two statements whatever the
    number of organizations.
    """
    lower, upper = _month_reach(period)
    used = set(
        db.session.scalars(
            select(UsageInterval.organization_id)
            .where(
                UsageInterval.started_at < upper, or_(UsageInterval.ended_at.is_(None), UsageInterval.ended_at > lower)
            )
            .distinct()
        )
    )
    if not used:
        return []
    orgs = {o.id: o for o in db.session.scalars(select(Organization))}
    hierarchy = {org_id: billing_org(org) for org_id, org in orgs.items()}
    payers = {orgs[payer_id(org_id, hierarchy)] for org_id in used}
    return sorted(payers, key=lambda o: o.title)


def _month_reach(period: Period) -> tuple[datetime, datetime]:
    """The UTC instants ``period`` can cover in any zone (UTC+14 .. UTC-12)."""
    return period.bounds("Etc/GMT-14")[0], period.bounds("Etc/GMT+12")[1]


def usage_per_payer(period: Period) -> tuple[dict[int, BillingOrg], dict[int, int]]:
    """Every organization by id (:func:`hierarchy`), and ``{payer id: usage intervals in period}``
    (two statements).

    The billing run's plan: who pays for usage in ``period`` (the same rule as
    :func:`organizations_with_usage`) and how many intervals each payer's invoice
    rates, to cut the run into bounded batches.
    """
    lower, upper = _month_reach(period)
    counts = db.session.execute(
        select(UsageInterval.organization_id, func.count())
        .where(UsageInterval.started_at < upper, or_(UsageInterval.ended_at.is_(None), UsageInterval.ended_at > lower))
        .group_by(UsageInterval.organization_id)
    ).all()
    orgs = hierarchy()
    per_payer: dict[int, int] = {}
    for org_id, count in counts:
        payer = payer_id(org_id, orgs)
        per_payer[payer] = per_payer.get(payer, 0) + count
    return orgs, per_payer


def hierarchy() -> dict[int, BillingOrg]:
    """Every organization as the engine sees it (:func:`billing_org`), read as plain columns
    in one statement: the billing run's batches need the whole tree, not its ORM objects."""
    rows = db.session.execute(
        select(
            Organization.id,
            Organization.title,
            Organization.timezone,
            Organization.currency,
            Organization.trial_start,
            Organization.trial_end,
            Organization.parent_id,
            Organization.invoice_to_parent,
        )
    )
    return {
        org_id: BillingOrg(
            id=org_id,
            title=title,
            timezone=zone,
            currency=currency,
            trial_start=trial_start,
            trial_end=trial_end,
            parent_id=parent_id,
            invoice_to_parent=bool(to_parent),
        )
        for org_id, title, zone, currency, trial_start, trial_end, parent_id, to_parent in rows
    }


def scopes_of(payer_ids: Iterable[int], orgs: dict[int, BillingOrg]) -> dict[int, Scope]:
    """The scope of each payer (:func:`billing_scope`'s rule), the tree given as :func:`hierarchy`.

    The organizations of every scope are loaded in one statement (so later reads, such
    as :func:`portal.invoices.coverage.windows`, find them in the session).
    """
    children: dict[int, list[BillingOrg]] = {}
    for org in orgs.values():
        if org.parent_id is not None:
            children.setdefault(org.parent_id, []).append(org)
    families = {}
    for payer in payer_ids:
        family, stack, seen = [orgs[payer]], [payer], {payer}
        while stack:  # the payer's descendants: the engine's rule picks those billed to it
            for child in children.get(stack.pop(), []):
                if child.id not in seen:
                    seen.add(child.id)
                    family.append(child)
                    stack.append(child.id)
        families[payer] = invoice_scope(orgs[payer], family)
    wanted = sorted({o.id for scope in families.values() for o in scope})
    loaded = {o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(wanted)))}
    return {
        payer: Scope(
            payer=loaded[payer],
            orgs=scope,
            titles={o.id: o.title for o in scope},
            loaded=tuple(loaded[o.id] for o in scope),
        )
        for payer, scope in families.items()
    }


def stream_spans(
    org_ids: Iterable[int], lower: datetime, upper: datetime, batch: int = 10_000
) -> Iterator[tuple[UsageSpan, str]]:
    """The usage intervals of ``org_ids`` overlapping ``[lower, upper)`` with tariff names.

    One statement, read in chunks of ``batch`` rows (a server-side cursor on PostgreSQL),
    so memory holds what the caller keeps, not the whole result.
    """
    query = _span_query(sorted(set(org_ids)), lower, upper).execution_options(yield_per=batch)
    for row in db.session.execute(query):
        yield _span(row)


@cache
def _ancestors_query() -> Select[tuple[Organization]]:
    """The organization ``:org_id`` and its ancestors (at most ``MAX_DEPTH`` levels up); built once."""
    org_id = bindparam("org_id", type_=Integer)
    levels = [select(Organization.parent_id).where(Organization.id == org_id)]
    for _ in range(MAX_DEPTH - 1):
        parent = aliased(Organization)
        levels.append(select(parent.parent_id).where(parent.id.in_(levels[-1])))
    return select(Organization).where(or_(Organization.id == org_id, *(Organization.id.in_(level) for level in levels)))


def _ancestors(org: Organization) -> dict[int, BillingOrg]:
    """``org`` and its ancestors (at most ``MAX_DEPTH`` levels up) as the engine sees them: one query."""
    rows = db.session.scalars(_ancestors_query(), {"org_id": org.id})
    found = {row.id: billing_org(row) for row in rows}
    found[org.id] = billing_org(org)
    return found


def payer_of(org: Organization) -> Organization:
    """The organization whose invoice carries ``org``'s usage (``org`` itself when it pays)."""
    paying = payer_id(org.id, _ancestors(org))
    return org if paying == org.id else db.session.get(Organization, paying) or org


def billed_to(org: Organization) -> Organization | None:
    """The organization whose invoice carries ``org``'s usage, or None if it pays itself."""
    payer = payer_of(org)
    return None if payer.id == org.id else payer


@dataclass(frozen=True)
class TariffPrices:
    """A tariff's name, currency and price versions (the dashboards' catalog view)."""

    id: int
    name: str
    currency: str
    versions: tuple[PriceVersion, ...] = ()

    def price_on(self, day: date) -> PriceVersion | None:
        """The version in force on local ``day`` (:func:`portal.billing.price_in_force`)."""
        return price_in_force(self.versions, day)


def load_tariff_prices(tariff_ids: Iterable[int]) -> dict[int, TariffPrices]:
    """Names, currencies and all price versions of the given tariffs: one query (none when no ids)."""
    ids = sorted(set(tariff_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Tariff.id,
            Tariff.name,
            Tariff.currency,
            TariffPrice.effective_from,
            TariffPrice.amount_minor,
            TariffPrice.currency,
        )
        .outerjoin(TariffPrice, TariffPrice.tariff_id == Tariff.id)
        .where(Tariff.id.in_(ids))
        .order_by(Tariff.id, TariffPrice.effective_from)
    )
    names: dict[int, tuple[str, str]] = {}
    versions: dict[int, list[PriceVersion]] = {}
    for tariff_id, name, currency, effective_from, amount, price_currency in rows:
        names.setdefault(tariff_id, (name, currency))
        found = versions.setdefault(tariff_id, [])
        if effective_from is not None:
            found.append(
                PriceVersion(
                    tariff_id=tariff_id,
                    effective_from=effective_from,
                    amount_minor=int(amount),
                    currency=price_currency,
                )
            )
    return {
        tariff_id: TariffPrices(tariff_id, name, currency, tuple(versions[tariff_id]))
        for tariff_id, (name, currency) in names.items()
    }


__all__ = [
    "Scope",
    "TariffPrices",
    "billed_to",
    "billing_org",
    "billing_scope",
    "cut_suspensions",
    "hierarchy",
    "load_prices",
    "load_spans",
    "load_statement",
    "load_suspensions",
    "load_terms",
    "load_tariff_prices",
    "organizations_with_usage",
    "payer_of",
    "proration_mode",
    "rate_loaded",
    "rate_scope",
    "scopes_of",
    "stream_spans",
    "usage_per_payer",
    "hierarchy",
    "utc_window",
]
