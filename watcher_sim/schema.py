"""Published request models: a body field the published API does not have is a 400.

Field names are those of Flussonic's published models (Go SDK ``flussonic/go-flussonic`` at
commit 2a60e0988e2b59112732489131d88e20c29a7461, MIT, Copyright (c) Flussonic); the
project's tests compare this table with the published model files.  Nested objects name the
model they are checked against.  Read-only fields of a model (``id``, ``stats``...) are
accepted and ignored, as they belong to the published model.
"""

from __future__ import annotations

from typing import Any

from watcher_sim.errors import ApiError

#: model -> {field: nested model or None}
MODELS: dict[str, dict[str, str | None]] = {
    "C:OrganizationPermissions": dict.fromkeys(
        (
            "can_edit_persons_lists",
            "can_edit_streams",
            "can_edit_users",
            "can_view_persons_lists",
            "can_view_stats",
            "can_view_streams",
            "is_member",
        )
    ),
    "C:OrganizationPreset": {"preset_id": None},
    "C:Organization": {
        **dict.fromkeys(("created_at", "id", "is_default", "pickpoint", "stats", "title", "user_permissions")),
        "owner": "C:OrganizationOwner",
        "limits": "C:OrganizationLimits",
    },
    "C:OrganizationOwner": {"id": None, "name": None},
    "C:OrganizationLimits": {"streams": None, "users": None},
    "A:Preset": {
        **dict.fromkeys(
            ("deleted_at", "id", "is_adjustable", "is_default", "last_change", "layout_rules", "stats", "title")
        ),
        "dvr": "A:StreamDvrSpec",
        "vision": "A:VisionSpecPresets",
    },
    "A:StreamDvrSpec": dict.fromkeys(
        ("disk_usage_limit", "episodes_expiration", "expiration", "redundancy_factor", "storage_limit")
    ),
    "A:VisionSpecPresets": {"alg": None},
    "A:User": dict.fromkeys(
        (
            "access_level",
            "created_at",
            "disabled",
            "email",
            "fullname",
            "id",
            "locale",
            "max_sessions",
            "name",
            "note",
            "organizations",
            "password",
            "phone",
            "readonly",
        )
    ),
    "A:UserCreate": dict.fromkeys(
        (
            "access_level",
            "created_at",
            "disabled",
            "email",
            "fullname",
            "id",
            "locale",
            "max_sessions",
            "name",
            "note",
            "organization_id",
            "organizations",
            "password",
            "phone",
            "readonly",
        )
    ),
    "A:StreamConfig": {
        **dict.fromkeys(
            (
                "audio",
                "can_publish",
                "comment",
                "coordinates",
                "created_at",
                "disabled",
                "domain",
                "firmware_update_duration",
                "folder_id",
                "inputs",
                "is_favourite",
                "labels",
                "last_change",
                "last_episode_at",
                "layout",
                "layout_rules",
                "map_coordinates",
                "name",
                "notifications_enabled",
                "onvif",
                "organization",
                "organization_id",
                "path",
                "postal_address",
                "preset",
                "preset_id",
                "pushes",
                "static",
                "stats",
                "title",
            )
        ),
        "dvr": "A:StreamDvrSpec",
        "vision": None,
    },  # union of the admin and client StreamConfig
}
#: (method, path template) -> request body model, for the operations served here
BODIES: dict[tuple[str, str], str] = {
    ("PUT", "/organizations/<id>/users/<id>"): "C:OrganizationPermissions",
    ("PUT", "/organizations/<id>/presets"): "C:OrganizationPreset",
    ("POST", "/organizations"): "C:Organization",
    ("PUT", "/organizations/<id>"): "C:Organization",
    ("POST", "/presets"): "A:Preset",
    ("PUT", "/presets/<id>"): "A:Preset",
    ("POST", "/users"): "A:UserCreate",
    ("PUT", "/users/<id>"): "A:User",
    ("PUT", "/streams/<name>"): "A:StreamConfig",
}
#: published query parameters of the collections served here (UsersListQuery etc.)
QUERY: dict[str, frozenset[str]] = {
    "users": frozenset({"cursor", "limit", "organization_id", "select", "sort"}),
    "presets": frozenset({"cursor", "limit", "organization_id", "select", "sort"}),
    "organizations": frozenset({"cursor", "limit", "select", "sort"}),
    "organization_users": frozenset({"cursor", "limit", "select", "sort"}),
}


def check_body(body: Any, model: str, pointer: str = "") -> dict[str, Any]:
    """The body as a dict; a 400 naming the first field ``model`` does not publish."""
    if not isinstance(body, dict):
        raise ApiError(400, "Body must be a JSON object", "bad_request", pointer=pointer or "/")
    fields = MODELS[model]
    for key, value in body.items():
        if key not in fields:
            raise ApiError(
                400, f"{key!r} is not a field of {model.split(':')[1]}", "unknown_field", pointer=f"{pointer}/{key}"
            )
        nested = fields[key]
        if nested is not None and value is not None:
            check_body(value, nested, f"{pointer}/{key}")
    return body


def check_query(args: dict[str, str], collection: str) -> None:
    """A 400 for a query parameter the collection does not publish (e.g. ``name`` on users)."""
    for key in args:
        if key not in QUERY[collection]:
            raise ApiError(400, f"unknown query parameter {key!r}", "unknown_parameter", parameter=key)
