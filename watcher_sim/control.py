"""The ``/_sim/`` control surface used by tests and demos (never faulted)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request

from watcher_sim import streams
from watcher_sim.errors import ApiError, bad_value
from watcher_sim.faults import MODES, Fault

bp = Blueprint("sim", __name__, url_prefix="/_sim")


def _sim() -> Any:
    return current_app.extensions["watcher_sim"]


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.get_data() else {}
    if not isinstance(data, dict):
        raise ApiError(400, "Body must be a JSON object", "bad_request")
    return data


def _stream(name: str) -> dict[str, Any]:
    store = _sim().store
    return streams.render_streams(store, [streams.get_stream(store, name)])[0]


@bp.post("/streams")
def add_stream() -> Any:
    """Add a camera: {name, title, organization_id, preset_id, created_at?, disabled?}."""
    name = streams.sim_add(_sim().store, _body())
    return _stream(name), 201


@bp.put("/streams/<name>")
def update_stream(name: str) -> Any:
    """Change preset_id / organization_id / disabled / title; ``at`` = change time (ms)."""
    streams.sim_update(_sim().store, name, _body())
    return _stream(name)


@bp.delete("/streams/<name>")
def delete_stream(name: str) -> Any:
    """Remove a camera (404 when unknown)."""
    streams.get_stream(_sim().store, name)
    _sim().store.stream_delete(name)
    return {}


@bp.post("/faults")
def add_fault() -> Any:
    """Arm a fault: {mode: error|hang|drop, status, count, delay, path, method}."""
    data = _body()
    if data.get("mode") not in MODES:
        raise bad_value("mode", "mode must be error, hang or drop")
    fault = Fault(
        mode=data["mode"],
        count=int(data.get("count") or 1),
        status=int(data.get("status") or 503),
        delay=float(data.get("delay") if data.get("delay") is not None else 3.0),
        path=data.get("path") or None,
        method=data.get("method") or None,
    )
    if fault.mode == "error" and not 400 <= fault.status <= 599:
        raise bad_value("status", "status must be an HTTP error status")
    _sim().faults.add(fault)
    return {"faults": _sim().faults.pending()}, 201


@bp.delete("/faults")
def clear_faults() -> Any:
    """Disarm every fault."""
    _sim().faults.clear()
    return {}


@bp.put("/config")
def set_config() -> Any:
    """Change {token_ttl (s), external_auth_url (str|null), external_auth_timeout (s)} at runtime."""
    data = _body()
    if "token_ttl" in data and not (isinstance(data["token_ttl"], (int, float)) and data["token_ttl"] > 0):
        raise bad_value("token_ttl", "token_ttl must be a positive number of seconds")
    _sim().config.update(
        **{k: v for k, v in data.items() if k in ("token_ttl", "external_auth_url", "external_auth_timeout")}
    )
    return _sim().config.as_dict()


@bp.post("/reset")
def reset() -> Any:
    """Wipe everything but the built-in admin; clear faults; restore start settings."""
    _sim().reset()
    return {}


@bp.post("/demo")
def demo() -> Any:
    """Load the demo data set (only when the store is empty)."""
    return {"loaded": _sim().load_demo()}


@bp.get("/state")
def state() -> Any:
    """Dump the store, faults and settings (no password hashes)."""
    return {**_sim().store.dump(), "faults": _sim().faults.pending(), "config": _sim().config.as_dict()}
