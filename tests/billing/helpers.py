"""Small builders for billing tests (plain functions, no fixtures)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from portal.billing import BillingOrg, PriceVersion, TariffInfo, UsageSpan

UTC = timezone.utc
FAR_PAST = date(2000, 1, 1)
LATER = datetime(2100, 1, 1, tzinfo=UTC)  # a `now` after everything


def org(oid: int = 1, tz: str = "UTC", currency: str = "EUR", **extra: object) -> BillingOrg:
    """An organization with sensible defaults."""
    return BillingOrg(id=oid, title=f"Org {oid}", timezone=tz, currency=currency, **extra)


def local(tz: str, *parts: int) -> datetime:
    """An aware datetime at local wall time ``parts`` in ``tz``."""
    return datetime(*parts, tzinfo=ZoneInfo(tz))


def span(camera: int, start: datetime, end: datetime | None, *, org_id: int = 1, tariff: int = 1) -> UsageSpan:
    """A usage interval of camera ``camera``."""
    return UsageSpan(
        camera_id=camera,
        camera_name=f"cam-{camera}",
        camera_title=f"Camera {camera}",
        organization_id=org_id,
        tariff_id=tariff,
        started_at=start,
        ended_at=end,
    )


def price(amount: int, tariff: int = 1, since: date = FAR_PAST, currency: str = "EUR") -> PriceVersion:
    """A price version of ``amount`` minor units from ``since``."""
    return PriceVersion(tariff_id=tariff, effective_from=since, amount_minor=amount, currency=currency)


def tariffs(*ids: int) -> list[TariffInfo]:
    """Tariff display names ``T<id>``."""
    return [TariffInfo(i, f"T{i}") for i in (ids or (1,))]
