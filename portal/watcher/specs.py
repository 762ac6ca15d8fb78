"""Request bodies for Watcher API v3 writes: the ``*Spec`` classes build create/update bodies.

``None`` fields are left out of the body, so a spec updates only what it names. Re-exported by
:mod:`portal.watcher.types`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["VISION_ALGS", "OrganizationSpec", "PresetSpec", "UserSpec"]

#: published values of ``vision.alg`` (no null, no empty string)
VISION_ALGS = ("faces", "plates")


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class PresetSpec:
    """Preset fields to create or update; None fields are left out of the body. Only published
    values: ``vision.alg`` is ``faces`` or ``plates`` (no analytics = no ``vision``), no 0s."""

    title: str | None = None
    expiration: int | None = None
    episodes_expiration: int | None = None
    storage_limit: int | None = None
    vision_alg: str | None = None
    is_adjustable: bool | None = None
    is_default: bool | None = None

    def __post_init__(self) -> None:
        if self.vision_alg is not None and self.vision_alg not in VISION_ALGS:
            raise ValueError(f"vision.alg must be one of {VISION_ALGS}, not {self.vision_alg!r}")

    def to_payload(self) -> dict[str, Any]:
        """Body for ``POST /presets`` or ``PUT /presets/{id}`` (published model ``Preset``)."""
        body = _drop_none({"title": self.title, "is_adjustable": self.is_adjustable, "is_default": self.is_default})
        dvr = _drop_none(
            {
                "expiration": self.expiration,
                "storage_limit": self.storage_limit,
                "episodes_expiration": self.episodes_expiration,
            }
        )
        if dvr:
            body["dvr"] = dvr
        if self.vision_alg is not None:
            body["vision"] = {"alg": self.vision_alg}
        return body


@dataclass(frozen=True)
class OrganizationSpec:
    """Organization fields to create or update; None fields are left out of the body."""

    title: str | None = None
    owner_id: int | None = None
    stream_limit: int | None = None
    user_limit: int | None = None

    def to_payload(self) -> dict[str, Any]:
        """Body for ``POST /organizations`` or ``PUT /organizations/{id}``."""
        body = _drop_none({"title": self.title})
        if self.owner_id is not None:
            body["owner"] = {"id": self.owner_id}
        limits = _drop_none({"streams": self.stream_limit, "users": self.user_limit})
        if limits:
            body["limits"] = limits
        return body


@dataclass(frozen=True)
class UserSpec:
    """User fields to create or update; None fields are left out of the body.

    ``password`` is write-only: it is sent, never read back, and hidden from ``repr``.
    """

    name: str | None = None
    password: str | None = field(default=None, repr=False)
    email: str | None = None
    fullname: str | None = None
    phone: str | None = None
    note: str | None = None
    access_level: str | None = None
    disabled: bool | None = None

    def to_payload(self) -> dict[str, Any]:
        """Body for ``POST /users`` or ``PUT /users/{id}``."""
        return _drop_none({k: getattr(self, k) for k in self.__dataclass_fields__})
