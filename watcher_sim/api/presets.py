"""Preset views: admin CRUD (no DELETE in v3: soft delete via ``deleted_at``), client read."""

from __future__ import annotations

from typing import Any

from watcher_sim import presets
from watcher_sim.api import args, body, caller, int_arg, route, sim
from watcher_sim.errors import not_found
from watcher_sim.organizations import get_org
from watcher_sim.paging import paginate
from watcher_sim.schema import check_query


@route("/presets", ["GET"])
def presets_list() -> Any:
    """List presets; ``organization_id`` = presets usable in that org (allowed + defaults)."""
    store = sim().store
    items = store.doc_all("presets")
    visible = presets.visible_ids(store, caller())
    if visible is not None:
        items = [p for p in items if p["id"] in visible and not p.get("deleted_at")]
    check_query(args(), "presets")
    org_id = int_arg("organization_id")
    if org_id is not None:
        get_org(store, org_id)
        allowed = presets.in_organization(store, org_id)
        items = [p for p in items if p["id"] in allowed]
    rendered = [presets.render_preset(store, p) for p in items]
    return paginate(rendered, "presets", args(), handled=("organization_id",))


@route("/presets", ["POST"], apis=("admin",))
def presets_create() -> Any:
    """Create a preset."""
    store = sim().store
    preset_id = presets.save_preset(store, body(), caller())
    return presets.render_preset(store, presets.get_preset(store, preset_id))


@route("/presets/<int:preset_id>", ["GET"])
def preset_get(preset_id: int) -> Any:
    """Read one preset."""
    store = sim().store
    visible = presets.visible_ids(store, caller())
    if visible is not None and preset_id not in visible:
        raise not_found("Preset")
    return presets.render_preset(store, presets.get_preset(store, preset_id))


@route("/presets/<int:preset_id>", ["PUT"], apis=("admin",))
def preset_save(preset_id: int) -> Any:
    """Partially update a preset (``deleted_at`` soft-deletes it)."""
    store = sim().store
    presets.save_preset(store, body(), caller(), preset_id)
    return presets.render_preset(store, presets.get_preset(store, preset_id))
