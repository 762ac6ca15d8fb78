"""Presets (camera-settings templates = tariffs), with soft delete via ``deleted_at``."""

from __future__ import annotations

from typing import Any

from watcher_sim import organizations as orgs
from watcher_sim.errors import bad_value, not_found
from watcher_sim.schema import check_body
from watcher_sim.store import Store, now_ms

DVR_FIELDS = (
    "expiration",
    "episodes_expiration",
    "storage_limit",
    "disk_usage_limit",
    "redundancy_factor",
)
VISION_ALGS = ("faces", "plates")


def get_preset(store: Store, preset_id: int) -> dict[str, Any]:
    """The stored preset or a 404."""
    preset = store.doc_get("presets", preset_id)
    if preset is None:
        raise not_found("Preset")
    return preset


def clean_dvr(raw: Any, base: dict[str, Any], prefix: str = "dvr") -> dict[str, Any]:
    """Merge validated DVR fields (non-negative integers or null) over ``base``."""
    if not isinstance(raw, dict):
        raise bad_value(prefix, f"{prefix} must be an object")
    dvr = dict(base)
    for field in DVR_FIELDS:
        if field in raw:
            value = raw[field]
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0):
                raise bad_value(f"{prefix}.{field}", f"{prefix}.{field} must be >= 0 or null")
            dvr[field] = value
    return dvr


def clean_vision(raw: Any, prefix: str = "vision") -> dict[str, Any] | None:
    """``{alg: faces|plates}`` (the only published values: null is a 400) or None for ``{}``."""
    if raw == {}:
        return None
    if not isinstance(raw, dict) or raw.get("alg") not in VISION_ALGS:
        raise bad_value(f"{prefix}.alg", "vision.alg must be faces or plates")
    return {"alg": raw["alg"]}


def save_preset(store: Store, body: Any, caller: dict[str, Any], preset_id: int | None = None) -> int:
    """Create (``preset_id`` None) or partially update a preset."""
    check_body(body, "A:Preset")
    current = (
        get_preset(store, preset_id)
        if preset_id is not None
        else {
            "title": None,
            "dvr": {f: None for f in DVR_FIELDS},
            "vision": None,
            "is_adjustable": True,
            "is_default": False,
            "deleted_at": None,
            "layout_rules": {"required_zones": [], "preferred_zones": []},
        }
    )
    title = body.get("title", current["title"])
    if not isinstance(title, str) or not title.strip():
        raise bad_value("title", "title is required")
    data = {**current, "title": title.strip()}
    if "dvr" in body:
        data["dvr"] = clean_dvr(body["dvr"] or {}, current["dvr"])
    if "vision" in body:
        data["vision"] = clean_vision(body["vision"])
    for flag in ("is_adjustable", "is_default"):
        if flag in body:
            if not isinstance(body[flag], bool):
                raise bad_value(flag, f"{flag} must be a boolean")
            data[flag] = body[flag]
    if "deleted_at" in body:
        value = body["deleted_at"]
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise bad_value("deleted_at", "deleted_at must be ms since epoch or null")
        data["deleted_at"] = value
    data["last_change"] = {"updated_at": now_ms(), "user": caller["name"]}
    if preset_id is None:
        return store.doc_insert("presets", data)
    store.doc_put("presets", preset_id, data)
    return preset_id


def in_organization(store: Store, org_id: int) -> set[int]:
    """Presets usable in an organization: the ones allowed there plus every live default preset
    ("a Default preset ... is available in all orgs", docs "presets-management")."""
    ids = set(orgs.allowed_presets(store, org_id))
    ids.update(p["id"] for p in store.doc_all("presets") if p.get("is_default") and not p.get("deleted_at"))
    return ids


def visible_ids(store: Store, caller: dict[str, Any]) -> set[int] | None:
    """Presets a caller may use: None = all (admin); else defaults + org-allowed ones."""
    if orgs.is_admin(caller):
        return None
    ids = {p["id"] for p in store.doc_all("presets") if p.get("is_default")}
    for org_id, _ in orgs.memberships(store, caller["id"]):
        ids.update(orgs.allowed_presets(store, org_id))
    return ids


def render_preset(store: Store, preset: dict[str, Any]) -> dict[str, Any]:
    """The v3 ``Preset`` JSON with live stats."""
    with store.tx() as db:
        org_count = db.execute("SELECT COUNT(*) FROM org_presets WHERE preset_id = ?", (preset["id"],)).fetchone()[0]
    streams = store.stream_count("preset_id", preset["id"])
    return {
        "id": preset["id"],
        "title": preset["title"],
        "dvr": {k: v for k, v in preset["dvr"].items() if v is not None},
        "vision": preset.get("vision"),
        "is_adjustable": preset["is_adjustable"],
        "is_default": preset["is_default"],
        "deleted_at": preset.get("deleted_at"),
        "layout_rules": preset.get("layout_rules"),
        "last_change": preset.get("last_change"),
        "stats": {"organizations_count": int(org_count), "streams_count": streams},
    }
