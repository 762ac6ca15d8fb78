"""Tariff -> Watcher preset: how a tariff's services become preset settings."""
from __future__ import annotations

from portal.models import Tariff
from portal.models.tariff import KIND_ANALYTICS, KIND_CONTINUOUS, KIND_EVENT
from portal.watcher import PresetSpec

DAY = 86_400
GB = 1_000_000_000  # storage_limit is in bytes; tariffs sell decimal gigabytes


def preset_spec(tariff: Tariff) -> PresetSpec:
    """The preset a tariff maps to, always non-adjustable so subscribers cannot override it.

    Continuous archive days -> ``dvr.expiration`` (seconds); event archive days ->
    ``dvr.episodes_expiration``; event archive GB -> ``dvr.storage_limit`` (bytes);
    analytics -> ``vision.alg``.  With several services of a kind the largest wins.
    Values a tariff does not set are sent as 0 / no analytics, so a preset never
    keeps a setting the subscriber no longer pays for.
    """
    continuous = [s.archive_days or 0 for s in tariff.services if s.kind == KIND_CONTINUOUS]
    event_days = [s.archive_days or 0 for s in tariff.services if s.kind == KIND_EVENT]
    event_gb = [s.archive_gb or 0 for s in tariff.services if s.kind == KIND_EVENT]
    analytics = sorted({s.analytics for s in tariff.services if s.kind == KIND_ANALYTICS and s.analytics})
    return PresetSpec(
        title=tariff.name,
        expiration=max(continuous, default=0) * DAY,
        episodes_expiration=max(event_days, default=0) * DAY,
        storage_limit=max(event_gb, default=0) * GB,
        vision_alg=analytics[0] if analytics else "",
        is_adjustable=False,
        is_default=False,
    )
