"""Stream views: list (cursor paging, filters, select, sort), read, upsert, delete."""

from __future__ import annotations

import time
from typing import Any

from watcher_sim import organizations as orgs
from watcher_sim import streams
from watcher_sim.api import args, body, caller, is_admin_api, route, sim
from watcher_sim.errors import forbidden, not_found
from watcher_sim.paging import decode_cursor, encode_cursor, page_limit, paginate, select_fields
from watcher_sim.schema import check_body


def _sees_all() -> bool:
    """Admin API, administrator: "can list all streams within the Watcher" (published)."""
    return is_admin_api() and orgs.is_admin(caller())


def _viewable(stream: dict[str, Any]) -> bool:
    if _sees_all():
        return True
    perms = orgs.caller_perms(sim().store, stream.get("organization_id") or 0, caller())
    return bool(perms and perms.get("can_view_streams"))


def _viewable_orgs() -> set[int] | None:
    """Organizations whose streams the caller may list (None = all)."""
    if _sees_all():
        return None
    store, user = sim().store, caller()
    return {
        o["id"]
        for o in store.doc_all("organizations")
        if (orgs.caller_perms(store, o["id"], user) or {}).get("can_view_streams")
    }


@route("/streams", ["GET"])
def streams_list() -> Any:
    """All streams (admin API) or those of orgs where the caller may view streams.

    The default order (by name, no filters) pages straight from the store's index, so a page
    costs the same at 100k streams as at 100; ``sort`` or field filters use the general path.
    """
    store, query = sim().store, args()
    cursor = decode_cursor(query["cursor"]) if query.get("cursor") else None
    if set(query) <= {"limit", "cursor", "select"} and (cursor is None or cursor.get("s") == "name"):
        return _fast_page(query, cursor)
    items = [s for s in store.stream_all() if _viewable(s)]
    return paginate(streams.render_streams(store, items), "streams", query, tiebreak="name")


def _fast_page(query: dict[str, str], cursor: dict[str, Any] | None) -> dict[str, Any]:
    started = time.perf_counter()
    store, limit = sim().store, page_limit(query)
    key = str(cursor["k"][0]) if cursor and cursor["k"] else None
    after = key if cursor and cursor["d"] == "next" else None
    before = key if cursor and cursor["d"] == "prev" else None
    items, total, more_after, more_before = store.stream_page(after, before, limit, _viewable_orgs())
    rendered = streams.render_streams(store, items)
    selected = query.get("select")
    out = [select_fields(r, selected) if selected else r for r in rendered]
    return {
        "streams": out,
        "estimated_count": total,
        "next": encode_cursor({"d": "next", "s": "name", "k": [items[-1]["name"]]}) if items and more_after else None,
        "prev": encode_cursor({"d": "prev", "s": "name", "k": [items[0]["name"]]}) if items and more_before else None,
        "timing": {"total": round((time.perf_counter() - started) * 1000, 3)},
    }


@route("/streams/<name>", ["GET"])
def stream_get(name: str) -> Any:
    """One stream."""
    store = sim().store
    stream = streams.get_stream(store, name)
    if not _viewable(stream):
        raise not_found("Stream")
    return streams.render_streams(store, [stream])[0]


@route("/streams/<name>", ["PUT"])
def stream_save(name: str) -> Any:
    """Create or merge a stream (DVR fields ignored under a non-adjustable preset)."""
    store = sim().store
    streams.upsert(store, name, check_body(body(), "A:StreamConfig"), caller(), _sees_all())
    return streams.render_streams(store, [streams.get_stream(store, name)])[0]


@route("/streams/<name>", ["DELETE"])
def stream_delete(name: str) -> Any:
    """Delete a stream (needs can_edit_streams in its organization)."""
    store = sim().store
    stream = streams.get_stream(store, name)
    if not _viewable(stream):
        raise not_found("Stream")
    perms = orgs.caller_perms(store, stream.get("organization_id") or 0, caller()) or {}
    if not _sees_all() and not perms.get("can_edit_streams"):
        raise forbidden("Permission can_edit_streams required")
    store.stream_delete(name)
    return {}
