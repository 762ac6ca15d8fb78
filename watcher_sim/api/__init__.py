"""API v3 views, registered under both the admin and the client prefix as listed.

Each view declares which API(s) serve it; ``register`` mounts it under
``/watcher/admin-api/v3`` and/or ``/watcher/client-api/v3``. The caller is resolved
before the view runs (see ``watcher_sim.app``) and is available as ``caller()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request

from watcher_sim import ADMIN_PREFIX, CLIENT_PREFIX
from watcher_sim.errors import ApiError

PREFIXES = {"admin": ADMIN_PREFIX, "client": CLIENT_PREFIX}
_ROUTES: list[tuple[str, list[str], tuple[str, ...], Callable[..., Any]]] = []


def route(rule: str, methods: list[str], apis: tuple[str, ...] = ("admin", "client")) -> Any:
    """Declare a view for ``rule`` on the given APIs."""

    def deco(view: Callable[..., Any]) -> Callable[..., Any]:
        _ROUTES.append((rule, methods, apis, view))
        return view

    return deco


def register(app: Flask) -> None:
    """Mount every declared view on the app."""
    from watcher_sim.api import login, organizations, presets, streams, users  # noqa: F401

    for rule, methods, apis, view in _ROUTES:
        for api in apis:
            app.add_url_rule(
                PREFIXES[api] + rule,
                endpoint=f"{api}.{view.__module__.rsplit('.', 1)[-1]}.{view.__name__}",
                view_func=view,
                methods=methods,
            )


def sim() -> Any:
    """The ``Sim`` bundle (store, config, auth, faults) of the running app."""
    return current_app.extensions["watcher_sim"]


def caller() -> dict[str, Any]:
    """The authenticated user of this request."""
    return g.watcher_user  # type: ignore[no-any-return]


def is_admin_api() -> bool:
    """True when the request came in under the admin API prefix."""
    return request.path.startswith(ADMIN_PREFIX)


def body() -> Any:
    """The JSON request body ({} when empty); a 400 when it is not valid JSON."""
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "Request body is not valid JSON", "bad_request")
    return data


def args() -> dict[str, str]:
    """Query parameters as a plain dict (last value wins)."""
    return {k: v for k, v in request.args.items()}


def int_arg(name: str) -> int | None:
    """An integer query parameter or None; a 400 when malformed."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer", "invalid_value", parameter=name) from None
