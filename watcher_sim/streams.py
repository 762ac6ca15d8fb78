"""Streams (cameras): the v3 ``StreamConfig`` subset, non-adjustable preset semantics."""

from __future__ import annotations

import re
from typing import Any

from watcher_sim import organizations as orgs
from watcher_sim.errors import ApiError, bad_value, forbidden, not_found
from watcher_sim.presets import clean_dvr, clean_vision
from watcher_sim.store import Store, now_ms

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")
BYTES_PER_SECOND = 125_000  # a 1 Mbit/s camera, for stats.dvr_info.bytes


def get_stream(store: Store, name: str) -> dict[str, Any]:
    """The stored stream or a 404."""
    stream = store.stream_get(name)
    if stream is None:
        raise not_found("Stream")
    return stream


def _ref_id(body: dict[str, Any], obj: str) -> int | None | object:
    """Id from ``obj: {id}`` or deprecated ``obj_id``; ``_ABSENT`` when neither is sent."""
    if isinstance(body.get(obj), dict) and "id" in body[obj]:
        raw = body[obj]["id"]
    elif f"{obj}_id" in body:
        raw = body[f"{obj}_id"]
    else:
        return _ABSENT
    if raw is not None and (not isinstance(raw, int) or isinstance(raw, bool)):
        raise bad_value(f"{obj}.id", f"{obj}.id must be an integer")
    return raw


_ABSENT = object()


def preset_allowed(store: Store, org_id: int, preset_id: int) -> bool:
    """A live preset that is default or linked to the organization."""
    preset = store.doc_get("presets", preset_id)
    if preset is None or preset.get("deleted_at"):
        return False
    return bool(preset.get("is_default")) or preset_id in orgs.allowed_presets(store, org_id)


def upsert(store: Store, name: str, body: Any, caller: dict[str, Any], sees_all: bool = False) -> bool:
    """``PUT /streams/{name}``: create or merge; returns True when created.

    ``sees_all``: an administrator on the admin API, which manages every stream.
    """
    if not isinstance(body, dict):
        raise ApiError(400, "Body must be a JSON object", "bad_request")
    current = store.stream_get(name)
    if current is None and not NAME_RE.match(name):
        raise bad_value("name", "invalid stream name")
    data = dict(
        current
        or {
            "title": name,
            "comment": "",
            "disabled": False,
            "static": True,
            "organization_id": None,
            "preset_id": None,
            "dvr": {},
            "vision": None,
            "created_at": now_ms(),
        }
    )
    org_id = _ref_id(body, "organization")
    if org_id is not _ABSENT and org_id != data["organization_id"]:
        if current is not None and not sees_all:
            owner = store.doc_get("organizations", data["organization_id"] or 0) or {}
            if owner.get("owner_id") != caller["id"]:
                raise forbidden("Only the organization owner may move a stream")
        data["organization_id"] = org_id
    if data["organization_id"] is None or store.doc_get("organizations", data["organization_id"]) is None:
        raise ApiError(
            422, "organization is required and must exist", "organization_not_found", pointer="/organization/id"
        )
    if not sees_all and not (orgs.caller_perms(store, data["organization_id"], caller) or {}).get("can_edit_streams"):
        raise forbidden("Permission can_edit_streams required")
    preset_id = _ref_id(body, "preset")
    if preset_id is not _ABSENT:
        data["preset_id"] = preset_id
    if data["preset_id"] is None:
        defaults = [p["id"] for p in store.doc_all("presets") if p.get("is_default") and not p.get("deleted_at")]
        data["preset_id"] = defaults[0] if defaults else None
    if data["preset_id"] is None or not preset_allowed(store, data["organization_id"], data["preset_id"]):
        raise ApiError(422, "Preset is not allowed in this organization", "preset_not_allowed", pointer="/preset/id")
    for field, kind in (("title", str), ("comment", str), ("disabled", bool), ("static", bool)):
        if field in body:
            if not isinstance(body[field], kind):
                raise bad_value(field, f"{field} has a wrong type")
            data[field] = body[field]
    preset = store.doc_get("presets", data["preset_id"]) or {}
    if preset.get("is_adjustable", True):  # non-adjustable presets ignore DVR/vision
        if "dvr" in body:
            data["dvr"] = clean_dvr(body["dvr"] or {}, data.get("dvr") or {})
        if "vision" in body:
            data["vision"] = clean_vision(body["vision"])
    data["last_change"] = {"created_at": now_ms(), "user": caller["name"]}
    store.stream_put(name, data)
    return current is None


def sim_add(store: Store, body: dict[str, Any]) -> str:
    """``POST /_sim/streams``: add a camera without permission checks."""
    name = body.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise bad_value("name", "a valid name is required")
    if store.stream_get(name) is not None:
        raise ApiError(409, "Stream already exists", "already_exists", pointer="/name")
    created = int(body.get("created_at") or now_ms())
    data = {
        "title": body.get("title") or name,
        "comment": body.get("comment", ""),
        "disabled": bool(body.get("disabled", False)),
        "static": True,
        "organization_id": None,
        "preset_id": None,
        "dvr": {},
        "vision": None,
        "created_at": created,
        "last_change": {"created_at": created, "user": body.get("user", "sim")},
    }
    _sim_refs(store, body, data)
    store.stream_put(name, data)
    return name


def sim_update(store: Store, name: str, body: dict[str, Any]) -> None:
    """``PUT /_sim/streams/{name}``: change fields and stamp ``last_change``."""
    data = get_stream(store, name)
    for field in ("title", "disabled", "comment"):
        if field in body:
            data[field] = body[field]
    _sim_refs(store, body, data)
    at = int(body.get("at") or now_ms())
    data["last_change"] = {"created_at": at, "user": body.get("user", "sim")}
    store.stream_put(name, data)


def _sim_refs(store: Store, body: dict[str, Any], data: dict[str, Any]) -> None:
    for obj, table in (("organization", "organizations"), ("preset", "presets")):
        ref = _ref_id(body, obj)
        if ref is _ABSENT:
            continue
        if ref is None or store.doc_get(table, ref) is None:
            raise ApiError(422, f"{obj} does not exist", f"{obj}_not_found", pointer=f"/{obj}_id")
        data[f"{obj}_id"] = ref


def render_streams(store: Store, streams: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The v3 stream JSON for many streams (one lookup of orgs and presets)."""
    org_map = {o["id"]: o for o in store.doc_all("organizations")}
    preset_map = {p["id"]: p for p in store.doc_all("presets")}
    now = now_ms()
    return [_render(s, org_map, preset_map, now) for s in streams]


def _render(s: dict[str, Any], org_map: dict[int, Any], preset_map: dict[int, Any], now: int) -> dict[str, Any]:
    org = org_map.get(s.get("organization_id") or 0)
    preset = preset_map.get(s.get("preset_id") or 0)
    own_dvr = {k: v for k, v in (s.get("dvr") or {}).items() if v is not None}
    if preset is None:
        dvr, vision = own_dvr, s.get("vision")
    elif not preset["is_adjustable"]:
        dvr = {k: v for k, v in preset["dvr"].items() if v is not None}
        vision = preset.get("vision")
    else:
        dvr = {**{k: v for k, v in preset["dvr"].items() if v is not None}, **own_dvr}
        vision = s.get("vision") or preset.get("vision")
    alive = not s.get("disabled")
    age = max(0, (now - int(s["created_at"])) // 1000)
    depth = min(age, int(dvr.get("expiration") or 0))
    return {
        "name": s["name"],
        "title": s.get("title"),
        "comment": s.get("comment", ""),
        "disabled": bool(s.get("disabled")),
        "static": bool(s.get("static", True)),
        "organization": {"id": org["id"], "title": org["title"]} if org else None,
        "organization_id": org["id"] if org else None,
        "preset": (
            {"id": preset["id"], "title": preset["title"], "is_adjustable": preset["is_adjustable"]} if preset else None
        ),
        "preset_id": preset["id"] if preset else None,
        "dvr": dvr,
        "vision": vision,
        "created_at": s["created_at"],
        "last_change": s.get("last_change"),
        "stats": {
            "alive": alive,
            "status": "running" if alive else "stopped",
            "bitrate": 1000 if alive else 0,
            "lifetime": age * 1000 if alive else 0,
            "dvr_info": {
                "bytes": depth * BYTES_PER_SECOND,
                "depth": depth,
                "duration": depth,
                "from": now // 1000 - depth,
            },
        },
    }
