"""Figures both dashboards share: current cameras, prices in force, expected monthly cost.

Prices come from the billing read model (:func:`portal.billing_read.load_tariff_prices`) and the
price in force from the engine's one rule (:func:`portal.billing.price_in_force`).

"Current cameras" are cameras Watcher still reports (``missing_since IS NULL``) with an
open usage interval; the interval's organization and tariff are what they are billed
under.  The expected monthly cost of one camera is its tariff's price version in force
on the organization's local today, or zero while the organization is in trial.

Everything is integer minor units; nothing here is a float.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, func, select

from portal.billing_read import TariffPrices
from portal.extensions import db
from portal.models import Camera, UsageInterval


def local_today(now: datetime, tz: str) -> date:
    """The calendar date of ``now`` in timezone ``tz`` (UTC when ``tz`` is unknown)."""
    try:
        zone: ZoneInfo | timezone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        zone = timezone.utc
    return now.astimezone(zone).date()


def in_trial(day: date, trial_start: date | None, trial_end: date | None) -> bool:
    """True when ``day`` lies in the trial, both ends inclusive (as ``Organization.is_in_trial``)."""
    return trial_start is not None and trial_end is not None and trial_start <= day <= trial_end


@dataclass(frozen=True)
class CameraCount:
    """How many current cameras one organization has on one tariff."""

    organization_id: int
    tariff_id: int
    cameras: int


def current_camera_counts(organization_ids: Select[tuple[int]] | None = None) -> list[CameraCount]:
    """Current cameras grouped by (organization, tariff): one aggregate query.

    ``organization_ids`` (a SELECT of ids) narrows it to those organizations.
    """
    stmt = (
        select(UsageInterval.organization_id, UsageInterval.tariff_id, func.count())
        .join(Camera, Camera.id == UsageInterval.camera_id)
        .where(UsageInterval.ended_at.is_(None), Camera.missing_since.is_(None))
        .group_by(UsageInterval.organization_id, UsageInterval.tariff_id)
    )
    if organization_ids is not None:
        stmt = stmt.where(UsageInterval.organization_id.in_(organization_ids))
    return [CameraCount(org_id, tariff_id, int(n)) for org_id, tariff_id, n in db.session.execute(stmt)]


@dataclass(frozen=True)
class CostLine:
    """One tariff's current cameras in one organization and what they cost per month.

    ``unit_price_minor`` is None when the tariff has no price in force today;
    ``monthly_minor`` is 0 during the trial (``free`` is then True) or without a price.
    """

    tariff_id: int
    tariff_name: str
    cameras: int
    unit_price_minor: int | None
    currency: str
    monthly_minor: int
    free: bool


@dataclass(frozen=True)
class MoneyAmount:
    """An amount in integer minor units of one currency."""

    currency: str
    amount_minor: int


def cost_lines(
    counts: Iterable[CameraCount], tariffs: dict[int, TariffPrices], day: date, trial: bool
) -> list[CostLine]:
    """Cost lines of one organization's counts on its local ``day``, by tariff name."""
    lines = []
    for count in counts:
        info = tariffs.get(count.tariff_id) or TariffPrices(count.tariff_id, f"#{count.tariff_id}", "")
        price = info.price_on(day)
        unit = price.amount_minor if price else None
        currency = price.currency if price else info.currency
        monthly = 0 if trial or unit is None else unit * count.cameras
        lines.append(CostLine(count.tariff_id, info.name, count.cameras, unit, currency, monthly, trial))
    return sorted(lines, key=lambda line: (line.tariff_name, line.tariff_id))


def totals_by_currency(lines: Iterable[CostLine]) -> list[MoneyAmount]:
    """Sum the monthly amounts per currency (priced lines only), by currency code."""
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        if line.unit_price_minor is not None and line.currency:
            sums[line.currency] += line.monthly_minor
    return [MoneyAmount(currency, amount) for currency, amount in sorted(sums.items())]
