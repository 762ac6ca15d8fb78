"""Fault injection for API calls: error statuses, hangs, and dropped connections.

``FaultInjector`` keeps a queue of armed faults; ``FaultMiddleware`` wraps the Flask
app. A matching API call consumes one shot of the first matching fault:

- ``error``: answer ``status`` with a JSON:API body, without touching state;
- ``hang``: sleep ``delay`` seconds, then handle the request normally;
- ``drop``: handle the request (the change IS applied), then shut the socket down and
  tell werkzeug the connection was lost, so the client gets no response at all.

Paths under ``/_sim/`` are never faulted.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from watcher_sim.errors import error_body

MODES = ("error", "hang", "drop")
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Fault:
    """One armed fault."""

    mode: str
    count: int = 1
    status: int = 503
    delay: float = 3.0
    path: str | None = None
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        """True when this fault applies to the request."""
        if self.method and self.method.upper() != method.upper():
            return False
        return not self.path or path.startswith(self.path)


class FaultInjector:
    """Thread-safe list of armed faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Arm a fault (validated by the caller)."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Disarm all faults."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one shot of the first matching fault, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        """Armed faults, for ``GET /_sim/state``."""
        with self._lock:
            return [asdict(f) for f in self._faults]


class FaultMiddleware:
    """WSGI middleware applying ``FaultInjector`` shots to non-control requests."""

    def __init__(self, app: WSGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        fault = None
        if not path.startswith("/_sim"):
            fault = self.injector.take(environ.get("REQUEST_METHOD", "GET"), path)
        if fault is None:
            return self.app(environ, start_response)
        if fault.mode == "error":
            payload = json.dumps(error_body(fault.status, "Injected fault", "injected_fault"))
            start_response(f"{fault.status} Injected Fault", [("Content-Type", "application/json")])
            return [payload.encode()]
        if fault.mode == "hang":
            time.sleep(fault.delay)
            return self.app(environ, start_response)
        return self._drop(environ)

    def _drop(self, environ: dict[str, Any]) -> Any:
        """Run the request to completion, discard the answer and kill the connection."""
        result = self.app(environ, lambda *a, **k: lambda data: None)
        try:
            for _ in result:
                pass
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        # werkzeug treats ConnectionError as "client went away" and writes nothing.
        raise ConnectionAbortedError("watcher_sim: injected dropped response")
