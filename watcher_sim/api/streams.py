"""Stream views: list (cursor paging, filters, select, sort), read, upsert, delete."""

from __future__ import annotations

from typing import Any

from watcher_sim import organizations as orgs
from watcher_sim import streams
from watcher_sim.api import args, body, caller, route, sim
from watcher_sim.errors import forbidden, not_found
from watcher_sim.paging import paginate


def _viewable(stream: dict[str, Any]) -> bool:
    perms = orgs.caller_perms(sim().store, stream.get("organization_id") or 0, caller())
    return bool(perms and perms.get("can_view_streams"))


@route("/streams", ["GET"])
def streams_list() -> Any:
    """All streams (admin) or those of orgs where the caller may view streams."""
    store = sim().store
    items = [s for s in store.stream_all() if _viewable(s)]
    return paginate(streams.render_streams(store, items), "streams", args(), tiebreak="name")


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
    streams.upsert(store, name, body(), caller())
    return streams.render_streams(store, [streams.get_stream(store, name)])[0]


@route("/streams/<name>", ["DELETE"])
def stream_delete(name: str) -> Any:
    """Delete a stream (needs can_edit_streams in its organization)."""
    store = sim().store
    stream = streams.get_stream(store, name)
    if not _viewable(stream):
        raise not_found("Stream")
    perms = orgs.caller_perms(store, stream.get("organization_id") or 0, caller()) or {}
    if not perms.get("can_edit_streams"):
        raise forbidden("Permission can_edit_streams required")
    store.stream_delete(name)
    return {}
