"""Assemble the simulator (store, settings, auth, faults, WSGI app) and serve it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from watcher_sim.auth import Authenticator, hash_password
from watcher_sim.config import SimConfig
from watcher_sim.faults import FaultInjector, FaultMiddleware
from watcher_sim.store import Store, now_ms


@dataclass
class Sim:
    """Everything one running simulator owns."""

    store: Store
    config: SimConfig
    auth: Authenticator
    faults: FaultInjector = field(default_factory=FaultInjector)
    admin_id: int = 0
    wsgi: Any = None

    def ensure_admin(self) -> None:
        """Create or refresh the built-in admin from the start options."""
        login, password = self.config.admin_login, self.config.admin_password
        user = self.store.user_by_name(login)
        if user is None:
            data = {
                "email": None,
                "fullname": "Administrator",
                "phone": None,
                "locale": "en",
                "note": None,
                "access_level": "admin",
                "disabled": False,
                "readonly": False,
                "max_sessions": None,
                "created_at": now_ms(),
            }
            self.admin_id = self.store.user_insert(login, hash_password(password), data)
        else:
            data = {k: v for k, v in user.items() if k not in ("id", "name", "password_hash")}
            data.update(access_level="admin", disabled=False)
            self.store.user_update(user["id"], login, data, hash_password(password))
            self.admin_id = int(user["id"])

    def reset(self) -> None:
        """Wipe all but the admin, clear faults and restore start settings."""
        self.faults.clear()
        self.config.restore()
        self.store.wipe(self.admin_id)
        self.ensure_admin()

    def load_demo(self) -> bool:
        """Load demo data if the store is empty; True when loaded."""
        from watcher_sim.demo import load_demo

        return load_demo(self.store, now_ms())


def build(
    data: str | Path = "instance/watcher.sqlite",
    admin_login: str = "admin",
    admin_password: str = "admin",
    token_ttl: float = 3600.0,
    external_auth_url: str | None = None,
    demo: bool = False,
) -> Sim:
    """Open the store and build a ready-to-serve ``Sim`` (``sim.wsgi`` is the app)."""
    from watcher_sim.app import create_app

    store = Store(data)
    config = SimConfig(
        admin_login=admin_login, admin_password=admin_password, token_ttl=token_ttl, external_auth_url=external_auth_url
    )
    sim = Sim(store=store, config=config, auth=Authenticator(store, config))
    sim.ensure_admin()
    if demo:
        sim.load_demo()
    sim.wsgi = FaultMiddleware(create_app(sim), sim.faults)
    return sim


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not log every request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Skip access logging."""


def serve(host: str, port: int, sim: Sim, access_log: bool = True) -> None:
    """Serve forever with werkzeug's threaded server (``access_log=False``: no line per request)."""
    server = make_server(
        host, port, sim.wsgi, threaded=True, request_handler=WSGIRequestHandler if access_log else _QuietHandler
    )
    print(f"watcher_sim listening on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sim.store.close()
