"""Client for the Flussonic Watcher API v3 (no Flask): see :mod:`portal.watcher.client`."""

from .client import WatcherClient
from .errors import (
    WatcherAuthError,
    WatcherConflict,
    WatcherError,
    WatcherNotFound,
    WatcherProtocolError,
    WatcherUnavailable,
    WatcherValidationError,
)
from .types import (
    MEMBER_FLAGS,
    VISION_ALGS,
    Organization,
    OrganizationSpec,
    OrgMember,
    Page,
    Preset,
    PresetSpec,
    Stream,
    Tokens,
    User,
    UserSpec,
    datetime_to_ms,
    ms_to_datetime,
)

__all__ = [
    "WatcherClient",
    "WatcherError",
    "WatcherUnavailable",
    "WatcherAuthError",
    "WatcherNotFound",
    "WatcherConflict",
    "WatcherValidationError",
    "WatcherProtocolError",
    "Organization",
    "OrganizationSpec",
    "OrgMember",
    "Page",
    "Preset",
    "PresetSpec",
    "Stream",
    "Tokens",
    "User",
    "UserSpec",
    "datetime_to_ms",
    "ms_to_datetime",
    "MEMBER_FLAGS",
    "VISION_ALGS",
]
