"""Users: validation, create/update/delete and the v3 ``User`` JSON (password write-only)."""

from __future__ import annotations

import sqlite3
from typing import Any

from watcher_sim import organizations as orgs
from watcher_sim.auth import hash_password
from watcher_sim.errors import ApiError, bad_value, forbidden, not_found
from watcher_sim.schema import check_body
from watcher_sim.store import Store, now_ms

TEXT_FIELDS = ("email", "fullname", "phone", "locale", "note")
ACCESS_LEVELS = ("generic", "admin")


def get_user(store: Store, user_id: int) -> dict[str, Any]:
    """The stored user or a 404."""
    user = store.user_get(user_id)
    if user is None:
        raise not_found("User")
    return user


def _check(body: dict[str, Any]) -> None:
    for field in TEXT_FIELDS:
        if field in body and body[field] is not None and not isinstance(body[field], str):
            raise bad_value(field, f"{field} must be a string")
    if "access_level" in body and body["access_level"] not in ACCESS_LEVELS:
        raise bad_value("access_level", "access_level must be generic or admin")
    for field in ("disabled", "readonly"):
        if field in body and not isinstance(body[field], bool):
            raise bad_value(field, f"{field} must be a boolean")
    if "password" in body and body["password"] is not None and not isinstance(body["password"], str):
        raise bad_value("password", "password must be a string")
    if (
        "max_sessions" in body
        and body["max_sessions"] is not None
        and (not isinstance(body["max_sessions"], int) or isinstance(body["max_sessions"], bool))
    ):
        raise bad_value("max_sessions", "max_sessions must be an integer")


def _org_list(store: Store, raw: Any) -> list[tuple[int, dict[str, bool]]]:
    """``organizations: [{id, permissions?}]`` -> [(org_id, flags)]."""
    if not isinstance(raw, list):
        raise bad_value("organizations", "organizations must be a list")
    out = []
    for index, entry in enumerate(raw):
        org_id = entry.get("id") if isinstance(entry, dict) else entry
        if not isinstance(org_id, int) or store.doc_get("organizations", org_id) is None:
            raise ApiError(
                422, "Organization does not exist", "organization_not_found", pointer=f"/organizations/{index}/id"
            )
        perms = entry.get("permissions", {}) if isinstance(entry, dict) else {}
        out.append((org_id, orgs.clean_perms(perms or {})))
    return out


def save_user(store: Store, body: Any, user_id: int | None = None) -> int:
    """Create (``user_id`` None) or partially update a user from a request body."""
    check_body(body, "A:UserCreate" if user_id is None else "A:User")
    _check(body)
    current = get_user(store, user_id) if user_id is not None else None
    name = body.get("name", current["name"] if current else None)
    if not isinstance(name, str) or not name.strip():
        raise bad_value("name", "name (login) is required")
    name = name.strip()
    data: dict[str, Any] = {k: v for k, v in (current or {}).items() if k not in ("id", "name", "password_hash")} or {
        "email": None,
        "fullname": None,
        "phone": None,
        "locale": "en",
        "note": None,
        "access_level": "generic",
        "disabled": False,
        "readonly": False,
        "max_sessions": None,
        "created_at": now_ms(),
    }
    for field in (*TEXT_FIELDS, "access_level", "disabled", "readonly", "max_sessions"):
        if field in body:
            data[field] = body[field]
    password = body.get("password") or None
    wanted = _org_list(store, body["organizations"]) if "organizations" in body else None
    other = store.user_by_name(name)
    if other is not None and other["id"] != user_id:
        raise ApiError(409, f"User with name {name!r} already exists", "already_exists", pointer="/name")
    hashed = hash_password(password) if password else None
    try:
        with store.tx():
            if user_id is None:
                user_id = store.user_insert(name, hashed, data)
            else:
                store.user_update(user_id, name, data, hashed)
            if wanted is not None:
                _sync_orgs(store, user_id, wanted)
    except sqlite3.IntegrityError:
        raise ApiError(409, f"User with name {name!r} already exists", "already_exists", pointer="/name") from None
    return user_id


def _sync_orgs(store: Store, user_id: int, wanted: list[tuple[int, dict[str, bool]]]) -> None:
    keep = {org_id for org_id, _ in wanted}
    for org_id, _ in orgs.memberships(store, user_id):
        if org_id not in keep:
            orgs.remove_member(store, org_id, user_id)
    for org_id, perms in wanted:
        orgs.set_member(store, org_id, user_id, perms)


def delete_user(store: Store, user_id: int, caller: dict[str, Any], admin_id: int | None) -> None:
    """Delete a user (not yourself, not the built-in admin); owned orgs lose their owner."""
    get_user(store, user_id)
    if user_id in (caller["id"], admin_id):
        raise forbidden("This user cannot be deleted")
    with store.tx():
        for org in store.doc_all("organizations"):
            if org.get("owner_id") == user_id:
                store.doc_put("organizations", org["id"], {**org, "owner_id": None})
        store.user_delete(user_id)


def visible_ids(store: Store, caller: dict[str, Any]) -> set[int] | None:
    """Users a caller may see: None = all (admin); else self + users of orgs they manage."""
    if orgs.is_admin(caller):
        return None
    seen = {caller["id"]}
    for org_id, _ in orgs.memberships(store, caller["id"]):
        if (orgs.caller_perms(store, org_id, caller) or {}).get("can_edit_users"):
            seen.update(uid for uid, _ in orgs.members(store, org_id))
    return seen


def render_user(store: Store, user: dict[str, Any]) -> dict[str, Any]:
    """The v3 ``User`` JSON; never contains the password or its hash."""
    organizations = []
    for org_id, perms in orgs.memberships(store, user["id"]):
        org = store.doc_get("organizations", org_id)
        if org is None:
            continue
        owner = store.user_get(org["owner_id"]) if org.get("owner_id") else None
        organizations.append(
            {
                "id": org_id,
                "title": org["title"],
                "owner": {"id": owner["id"], "name": owner["name"]} if owner else None,
                "permissions": {**perms, "is_member": True},
            }
        )
    out = {"id": user["id"], "name": user["name"]}
    for field in (*TEXT_FIELDS, "access_level", "disabled", "readonly", "max_sessions", "created_at"):
        out[field] = user.get(field)
    out["organizations"] = organizations
    return out
