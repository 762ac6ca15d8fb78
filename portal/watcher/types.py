"""Typed Watcher API v3 payloads: frozen dataclasses, tolerant parsers, request bodies.

Each response class has ``parse(data, where)``: unknown fields are ignored, missing optional
fields get defaults, and a present value of the wrong type raises
:class:`~portal.watcher.errors.WatcherProtocolError` naming the field (for example
``streams[3].created_at: expected integer ms, got 'abc'``). Timestamps stay Unix
milliseconds (``int``) as Watcher sends them; convert with :func:`ms_to_datetime` and
:func:`datetime_to_ms`. The ``*Spec`` request bodies live in :mod:`portal.watcher.specs`; they are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .paging import Fields, Page
from .plain import plain_stream
from .specs import VISION_ALGS, OrganizationSpec, PresetSpec, UserSpec

__all__ = [
    "MEMBER_FLAGS",
    "VISION_ALGS",
    "Tokens",
    "Page",
    "Permissions",
    "Organization",
    "OrgMember",
    "UserOrganization",
    "User",
    "Preset",
    "Stream",
    "OrganizationSpec",
    "PresetSpec",
    "UserSpec",
    "ms_to_datetime",
    "datetime_to_ms",
]
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: fields of the published model ``C:OrganizationPermissions`` (member rights PUT body)
MEMBER_FLAGS = (
    "can_view_streams",
    "can_edit_streams",
    "can_edit_users",
    "can_view_stats",
    "can_view_persons_lists",
    "can_edit_persons_lists",
    "is_member",
)


def ms_to_datetime(ms: int | None) -> datetime | None:
    """Convert Unix milliseconds to an aware UTC datetime (None stays None)."""
    return None if ms is None else _EPOCH + timedelta(milliseconds=ms)


def datetime_to_ms(value: datetime) -> int:
    """Convert an aware datetime to Unix milliseconds; a naive datetime raises ValueError."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime_to_ms needs an aware datetime")
    return (value - _EPOCH) // timedelta(milliseconds=1)


@dataclass(frozen=True)
class Tokens:
    """Access and refresh tokens from ``POST .../login``; ``expires_at`` from the JWT ``exp``."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Permissions:
    """Organization-level rights of a user."""

    can_view_streams: bool = False
    can_edit_streams: bool = False
    can_edit_users: bool = False
    can_view_stats: bool = False
    is_member: bool = False

    @classmethod
    def parse(cls, f: Fields) -> Permissions:
        """Read the flags from an object such as ``permissions.organization``."""
        return cls(**{name: f.bool(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Organization:
    """A Watcher organization (client API); ``created_at`` in ms."""

    id: int
    title: str
    created_at: int | None = None
    is_default: bool = False
    owner_id: int | None = None
    owner_name: str | None = None
    stream_limit: int | None = None
    user_limit: int | None = None
    stats_streams: int | None = None
    stats_users: int | None = None
    stats_mosaics: int | None = None
    caller_is_member: bool | None = None

    @classmethod
    def parse(cls, data: Any, where: str = "organization") -> Organization:
        """Parse a client-API ``Organization`` object."""
        f = Fields(data, where)
        owner, limits, stats = f.obj("owner"), f.obj("limits"), f.obj("stats")
        return cls(
            id=f.int("id", required=True),
            title=f.str("title", required=True),
            created_at=f.ms("created_at"),
            is_default=f.bool("is_default"),
            owner_id=owner.int("id") if "owner" in f.data else f.int("owner_id"),
            owner_name=owner.str("name"),
            stream_limit=limits.int("streams"),
            user_limit=limits.int("users"),
            stats_streams=stats.int("streams"),
            stats_users=stats.int("users"),
            stats_mosaics=stats.int("mosaics"),
            caller_is_member=(f.obj("user_permissions").bool("is_member") if "user_permissions" in f.data else None),
        )


@dataclass(frozen=True)
class OrgMember:
    """A user's membership and rights in one organization."""

    id: int
    name: str | None = None
    email: str | None = None
    can_view_streams: bool = False
    can_edit_streams: bool = False
    can_edit_users: bool = False
    can_view_stats: bool = False
    is_member: bool = False

    @classmethod
    def parse(cls, data: Any, where: str = "user") -> OrgMember:
        """Parse an organization member; rights from ``permissions.organization``.

        Flat forms (flags in ``permissions`` or at the top level) are accepted too.
        """
        f = Fields(data, where)
        perms = f.obj("permissions")
        flat = any(k in perms.data for k in Permissions.__dataclass_fields__)
        rights = perms.obj("organization") if "organization" in perms.data else perms if flat else f
        return cls(
            id=f.int("id", required=True),
            name=f.str("name"),
            email=f.str("email"),
            **Permissions.parse(rights).__dict__,
        )


@dataclass(frozen=True)
class UserOrganization:
    """An organization as listed inside a :class:`User`."""

    id: int
    title: str | None = None
    owner_id: int | None = None
    owner_name: str | None = None
    permissions: Permissions = Permissions()


@dataclass(frozen=True)
class User:
    """A Watcher user (admin API). The password is write-only and never read back."""

    id: int
    name: str
    email: str | None = None
    fullname: str | None = None
    phone: str | None = None
    locale: str | None = None
    note: str | None = None
    access_level: str | None = None
    disabled: bool = False
    created_at: int | None = None
    organizations: tuple[UserOrganization, ...] = ()

    @classmethod
    def parse(cls, data: Any, where: str = "user") -> User:
        """Parse a ``User`` object (the ``password`` field, if echoed, is ignored)."""
        f = Fields(data, where)
        orgs = []
        for i, item in enumerate(f.list("organizations")):
            o = Fields(item, f"{where}.organizations[{i}]")
            owner = o.obj("owner")
            orgs.append(
                UserOrganization(
                    id=o.int("id", required=True),
                    title=o.str("title"),
                    owner_id=owner.int("id"),
                    owner_name=owner.str("name"),
                    permissions=Permissions.parse(o.obj("permissions")),
                )
            )
        return cls(
            id=f.int("id", required=True),
            name=f.str("name", required=True),
            email=f.str("email"),
            fullname=f.str("fullname"),
            phone=f.str("phone"),
            locale=f.str("locale"),
            note=f.str("note"),
            access_level=f.str("access_level"),
            disabled=f.bool("disabled"),
            created_at=f.ms("created_at"),
            organizations=tuple(orgs),
        )


@dataclass(frozen=True)
class Preset:
    """A camera-settings preset (= tariff). Durations in seconds, storage in bytes."""

    id: int
    title: str
    expiration: int | None = None
    episodes_expiration: int | None = None
    storage_limit: int | None = None
    vision_alg: str | None = None
    is_adjustable: bool = False
    is_default: bool = False
    deleted_at: int | None = None

    @classmethod
    def parse(cls, data: Any, where: str = "preset") -> Preset:
        """Parse a ``Preset`` object (``dvr`` and ``vision`` nested)."""
        f = Fields(data, where)
        dvr = f.obj("dvr")
        return cls(
            id=f.int("id", required=True),
            title=f.str("title", required=True),
            expiration=dvr.int("expiration"),
            episodes_expiration=dvr.int("episodes_expiration"),
            storage_limit=dvr.int("storage_limit"),
            vision_alg=f.obj("vision").str("alg"),
            is_adjustable=f.bool("is_adjustable"),
            is_default=f.bool("is_default"),
            deleted_at=f.ms("deleted_at"),
        )


@dataclass(frozen=True)
class Stream:
    """A camera as seen by the admin API (the fields billing needs); times in ms."""

    name: str
    title: str | None = None
    disabled: bool = False
    organization_id: int | None = None
    organization_title: str | None = None
    preset_id: int | None = None
    preset_title: str | None = None
    created_at: int | None = None
    last_change_at: int | None = None
    last_change_user: str | None = None

    @classmethod
    def parse(cls, data: Any, where: str = "stream") -> Stream:
        """Parse a ``StreamConfig``; ``organization``/``preset`` objects win over the
        deprecated ``organization_id``/``preset_id``, and any of them may be missing.

        A sync reads every stream of the operator, so a stream whose fields all have
        exactly their expected JSON types is read directly; anything else (an integral
        float, a wrong type, a missing name) goes through :meth:`parse_checked`, which
        accepts or refuses it with the field's path.  Both give the same streams.
        """
        found = plain_stream(data, cls)
        return found if found is not None else cls.parse_checked(data, where)

    @classmethod
    def parse_checked(cls, data: Any, where: str = "stream") -> Stream:
        """:meth:`parse`, every field read through :class:`Fields`."""
        f = Fields(data, where)
        org, preset, change = f.obj("organization"), f.obj("preset"), f.obj("last_change")
        org_id, preset_id = org.int("id"), preset.int("id")
        return cls(
            name=f.str("name", required=True),
            title=f.str("title"),
            disabled=f.bool("disabled"),
            organization_id=f.int("organization_id") if org_id is None else org_id,
            organization_title=org.str("title"),
            preset_id=f.int("preset_id") if preset_id is None else preset_id,
            preset_title=preset.str("title"),
            created_at=f.ms("created_at"),
            last_change_at=change.ms("created_at"),
            last_change_user=change.str("user"),
        )
