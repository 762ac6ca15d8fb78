"""Flask application factory: API views, control surface, JSON:API error handling."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from watcher_sim import ADMIN_PREFIX, CLIENT_PREFIX, api, control
from watcher_sim.errors import ApiError, error_body, forbidden
from watcher_sim.organizations import is_admin

log = logging.getLogger("watcher_sim")


def create_app(sim: Any) -> Flask:
    """Build the Flask app serving ``sim`` (a ``server.Sim`` bundle)."""
    app = Flask("watcher_sim")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["watcher_sim"] = sim
    api.register(app)
    app.register_blueprint(control.bp)
    started_at = int(time.time())

    @app.get(ADMIN_PREFIX + "/monitoring/<any(liveness, readiness):probe>")
    def monitoring(probe: str) -> Any:
        """Liveness and readiness probes (the published ``ServerStatsWhoami`` shape)."""
        return {"now": int(time.time() * 1000), "server_version": "watcher_sim", "started_at": started_at}

    @app.before_request
    def authenticate() -> None:
        path = request.path
        if not path.startswith((ADMIN_PREFIX, CLIENT_PREFIX)) or path.endswith("/login"):
            return
        if path.startswith(ADMIN_PREFIX + "/monitoring/"):
            return  # probes answer without credentials, as for Kubernetes
        if request.routing_exception is not None:
            return  # unknown path / method: answer 404/405 without asking for credentials
        user = sim.auth.current_user(request.headers.get("Authorization"))
        if path.startswith(ADMIN_PREFIX) and not is_admin(user):
            raise forbidden("Admin API requires an administrator")
        g.watcher_user = user

    @app.after_request
    def trace(resp: Response) -> Response:
        resp.headers["X-Trace-Id"] = request.headers.get("X-Trace-Id") or uuid.uuid4().hex
        return resp

    @app.errorhandler(ApiError)
    def api_error(err: ApiError) -> tuple[Response, int]:
        resp = jsonify(err.body())
        if err.status == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer realm="watcher"'
        return resp, err.status

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> tuple[Response, int]:
        status = err.code or 500
        title = {404: "Not found", 405: "Method not allowed"}.get(status, err.name)
        return jsonify(error_body(status, title)), status

    @app.errorhandler(Exception)
    def crash(err: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return jsonify(error_body(500, f"Internal error: {type(err).__name__}")), 500

    return app
