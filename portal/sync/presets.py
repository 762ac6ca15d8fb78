"""Tariff -> Watcher preset: how a tariff's services become preset settings."""

from __future__ import annotations

from portal.models import Tariff
from portal.models.tariff import KIND_ANALYTICS, KIND_CONTINUOUS, KIND_EVENT, KIND_SPACE
from portal.watcher import PresetSpec

DAY = 86_400
GB = 1_000_000_000  # storage_limit is in bytes; tariffs sell decimal gigabytes


def preset_spec(tariff: Tariff) -> PresetSpec:
    """The preset a tariff maps to, always non-adjustable so subscribers cannot override it.

    Each service kind is one Watcher preset field: continuous archive days ->
    ``dvr.expiration`` (seconds); event archive days -> ``dvr.episodes_expiration`` (the
    extra time event episodes are kept); archive space cap GB -> ``dvr.storage_limit``
    (bytes, the camera's *whole* archive); analytics -> ``vision.alg``.  With several services of a kind the largest wins
    (analytics: ``faces`` before ``plates``).  A setting the tariff does not have is left
    out of the body: the published API has no "off" value for them (0 is not documented
    as "unlimited" or "none", ``vision.alg`` takes only ``faces``/``plates``).  So a
    preset keeps a setting a tariff later drops; reconciliation reports that as drift.
    """
    continuous = [s.archive_days or 0 for s in tariff.services if s.kind == KIND_CONTINUOUS]
    event_days = [s.archive_days or 0 for s in tariff.services if s.kind == KIND_EVENT]
    space_gb = [s.archive_gb or 0 for s in tariff.services if s.kind == KIND_SPACE]
    analytics = sorted({s.analytics for s in tariff.services if s.kind == KIND_ANALYTICS and s.analytics})
    return PresetSpec(
        title=tariff.name,
        expiration=_positive(continuous, DAY),
        episodes_expiration=_positive(event_days, DAY),
        storage_limit=_positive(space_gb, GB),
        vision_alg=analytics[0] if analytics else None,
        is_adjustable=False,
        is_default=False,
    )


def _positive(values: list[int], unit: int) -> int | None:
    """The largest value times ``unit``, or None when no service sets one."""
    best = max(values, default=0)
    return best * unit if best > 0 else None
