"""Organizations, their members (with permission flags) and their allowed presets."""

from __future__ import annotations

import json
from typing import Any

from watcher_sim.errors import ApiError, bad_value, not_found
from watcher_sim.schema import check_body
from watcher_sim.store import Store, now_ms

PERM_FLAGS = (
    "can_view_streams",
    "can_edit_streams",
    "can_edit_users",
    "can_view_stats",
    "can_view_persons_lists",
    "can_edit_persons_lists",
)
ALL_RIGHTS = {flag: True for flag in PERM_FLAGS}
NO_RIGHTS = {flag: False for flag in PERM_FLAGS}


def is_admin(user: dict[str, Any]) -> bool:
    """True for a Watcher administrator."""
    return user.get("access_level") == "admin"


def clean_perms(body: Any, base: dict[str, bool] | None = None) -> dict[str, bool]:
    """Permission flags from a flat ``OrganizationPermissions`` object (missing flags keep ``base``)."""
    if not isinstance(body, dict):
        raise bad_value("permissions", "permissions must be an object")
    perms = dict(base or NO_RIGHTS)
    for flag in PERM_FLAGS:
        if flag in body:
            if not isinstance(body[flag], bool):
                raise bad_value(flag, f"{flag} must be a boolean")
            perms[flag] = body[flag]
    return perms


# -- membership -----------------------------------------------------------------
def member_perms(store: Store, org_id: int, user_id: int) -> dict[str, bool] | None:
    """The member's flags, or None if not a member."""
    with store.tx() as db:
        row = db.execute("SELECT perms FROM members WHERE org_id = ? AND user_id = ?", (org_id, user_id)).fetchone()
    return None if row is None else {**NO_RIGHTS, **json.loads(row["perms"])}


def members(store: Store, org_id: int) -> list[tuple[int, dict[str, bool]]]:
    """(user_id, flags) of every member, by user id."""
    with store.tx() as db:
        rows = db.execute("SELECT user_id, perms FROM members WHERE org_id = ? ORDER BY user_id", (org_id,)).fetchall()
    return [(int(r["user_id"]), {**NO_RIGHTS, **json.loads(r["perms"])}) for r in rows]


def memberships(store: Store, user_id: int) -> list[tuple[int, dict[str, bool]]]:
    """(org_id, flags) of every organization the user belongs to."""
    with store.tx() as db:
        rows = db.execute("SELECT org_id, perms FROM members WHERE user_id = ? ORDER BY org_id", (user_id,)).fetchall()
    return [(int(r["org_id"]), {**NO_RIGHTS, **json.loads(r["perms"])}) for r in rows]


def set_member(store: Store, org_id: int, user_id: int, perms: dict[str, bool]) -> None:
    """Add or update a membership."""
    with store.tx() as db:
        db.execute(
            "INSERT OR REPLACE INTO members (org_id, user_id, perms) VALUES (?, ?, ?)",
            (org_id, user_id, json.dumps(perms)),
        )


def remove_member(store: Store, org_id: int, user_id: int) -> bool:
    """Remove a membership; True if there was one."""
    with store.tx() as db:
        cur = db.execute("DELETE FROM members WHERE org_id = ? AND user_id = ?", (org_id, user_id))
    return cur.rowcount > 0


def caller_perms(store: Store, org_id: int, user: dict[str, Any]) -> dict[str, bool] | None:
    """The caller's flags in an org: owners have all rights, members theirs, others None.

    Administrators get nothing here: the docs ("user-and-permission-management") let them
    view and edit only the general settings of an organization they do not own; the views
    grant that separately.
    """
    org = store.doc_get("organizations", org_id)
    if org is not None and org.get("owner_id") == user["id"]:
        return dict(ALL_RIGHTS)
    return member_perms(store, org_id, user["id"])


# -- allowed presets --------------------------------------------------------------
def allowed_presets(store: Store, org_id: int) -> list[int]:
    """Ids of presets explicitly allowed in the organization."""
    with store.tx() as db:
        rows = db.execute("SELECT preset_id FROM org_presets WHERE org_id = ? ORDER BY preset_id", (org_id,)).fetchall()
    return [int(r["preset_id"]) for r in rows]


def link_preset(store: Store, org_id: int, preset_id: int) -> None:
    """Allow a preset in an organization (idempotent)."""
    with store.tx() as db:
        db.execute(
            "INSERT OR IGNORE INTO org_presets (org_id, preset_id) VALUES (?, ?)",
            (org_id, preset_id),
        )


def unlink_preset(store: Store, org_id: int, preset_id: int) -> bool:
    """Disallow a preset; True if it was allowed."""
    with store.tx() as db:
        cur = db.execute("DELETE FROM org_presets WHERE org_id = ? AND preset_id = ?", (org_id, preset_id))
    return cur.rowcount > 0


# -- organizations ------------------------------------------------------------------
def get_org(store: Store, org_id: int) -> dict[str, Any]:
    """The stored organization or a 404."""
    org = store.doc_get("organizations", org_id)
    if org is None:
        raise not_found("Organization")
    return org


def _owner_id(store: Store, body: dict[str, Any]) -> int | None | object:
    """Owner id from ``owner: {id}``; a sentinel when absent."""
    if "owner" not in body:
        return _ABSENT
    owner = body["owner"]
    raw = owner.get("id") if isinstance(owner, dict) else None
    field = "owner.id"
    if raw is None:
        return None
    if not isinstance(raw, int) or isinstance(raw, bool) or store.user_get(raw) is None:
        raise ApiError(422, "Owner user does not exist", "owner_not_found", pointer="/" + field.replace(".", "/"))
    return raw


_ABSENT = object()


def _limits(body: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    limits = dict(base)
    raw = body.get("limits", {})
    if not isinstance(raw, dict):
        raise bad_value("limits", "limits must be an object")
    for key in ("streams", "users"):
        if key in raw:
            value = raw[key]
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise bad_value(f"limits.{key}", f"limits.{key} must be a non-negative integer")
            limits[key] = value
    return limits


def save_org(store: Store, body: Any, caller: dict[str, Any], org_id: int | None = None) -> int:
    """Create (``org_id`` None) or update an organization from a request body."""
    if not isinstance(body, dict):
        raise ApiError(400, "Body must be a JSON object", "bad_request")
    check_body(body, "C:Organization")
    current = (
        get_org(store, org_id)
        if org_id is not None
        else {
            "title": None,
            "created_at": now_ms(),
            "is_default": False,
            "owner_id": caller["id"],
            "limits": {"streams": None, "users": None},
        }
    )
    title = body.get("title", current["title"])
    if not isinstance(title, str) or not title.strip():
        raise bad_value("title", "title is required")
    is_default = body.get("is_default", current["is_default"])
    if not isinstance(is_default, bool):
        raise bad_value("is_default", "is_default must be a boolean")
    owner = _owner_id(store, body)
    data = {**current, "title": title.strip(), "is_default": is_default, "limits": _limits(body, current["limits"])}
    if owner is not _ABSENT:
        data["owner_id"] = owner
    with store.tx():
        if org_id is None:
            org_id = store.doc_insert("organizations", data)
        else:
            store.doc_put("organizations", org_id, data)
        if data["owner_id"] is not None:
            set_member(store, org_id, int(data["owner_id"]), dict(ALL_RIGHTS))
    return org_id


def delete_org(store: Store, org_id: int) -> None:
    """Delete an organization with its memberships, preset links and streams."""
    get_org(store, org_id)
    with store.tx() as db:
        db.execute("DELETE FROM streams WHERE json_extract(data, '$.organization_id') = ?", (org_id,))
        store.doc_delete("organizations", org_id)


def render_org(store: Store, org: dict[str, Any], caller: dict[str, Any]) -> dict[str, Any]:
    """The v3 ``Organization`` JSON."""
    owner = store.user_get(org["owner_id"]) if org.get("owner_id") else None
    streams = store.stream_count("organization_id", org["id"])
    perms = caller_perms(store, org["id"], caller)
    return {
        "id": org["id"],
        "title": org["title"],
        "created_at": org["created_at"],
        "is_default": org["is_default"],
        "owner": {"id": owner["id"], "name": owner["name"]} if owner else None,
        "limits": dict(org["limits"]),
        "stats": {"streams": streams, "users": len(members(store, org["id"])), "mosaics": 0},
        "user_permissions": {
            **(perms or NO_RIGHTS),
            "is_member": member_perms(store, org["id"], caller["id"]) is not None,
        },
    }


def render_member(user: dict[str, Any], perms: dict[str, bool]) -> dict[str, Any]:
    """The v3 ``OrganizationUser`` JSON."""
    return {
        "id": user["id"],
        "name": user["name"],
        "email": user.get("email"),
        "permissions": {"organization": {**perms, "is_member": True}, "folders": []},
    }
