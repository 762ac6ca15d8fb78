"""``POST .../login``: HTTP Basic -> new session; Bearer refresh token -> new access token."""

from __future__ import annotations

from typing import Any

from flask import request

from watcher_sim.api import is_admin_api, route, sim
from watcher_sim.errors import forbidden
from watcher_sim.organizations import is_admin


@route("/login", ["POST"])
def login() -> Any:
    """Issue tokens; the admin API refuses non-administrators with 403."""
    tokens = sim().auth.login(request.headers.get("Authorization"))
    if is_admin_api():
        user = sim().auth.current_user("Bearer " + tokens["access_token"])
        if not is_admin(user):
            raise forbidden("Admin API requires an administrator")
    return tokens
