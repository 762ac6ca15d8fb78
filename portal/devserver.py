"""The development server used by ``make run``: werkzeug, with secrets kept out of the log.

Watcher's external authentication sends the password in the query string and
its URL carries the shared secret, so the access log shows only redacted paths.
(In production ``gunicorn.conf.py`` does the same.)
"""

from __future__ import annotations

import argparse
from typing import Any

from werkzeug.serving import WSGIRequestHandler, run_simple

from portal.logredact import loggable_path


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Logs ``METHOD /path`` without the query string and with secrets masked."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self.log("info", '"%s %s" %s %s', self.command, loggable_path(self.path), getattr(code, "value", code), size)


class QuietRequestHandler(WSGIRequestHandler):
    """Logs no requests (errors still reach the log)."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """Skip the access log line."""


def request_handler(access_log: bool) -> type[WSGIRequestHandler]:
    """The handler class for ``--access-log`` (redacted lines) or without it (none)."""
    return PathOnlyRequestHandler if access_log else QuietRequestHandler


def main() -> None:
    """Serve the portal on HOST:PORT."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log every request (paths redacted); off by default so e-mails and errors stand out",
    )
    args = parser.parse_args()
    from app import app

    run_simple(args.host, args.port, app, threaded=True, request_handler=request_handler(args.access_log))


if __name__ == "__main__":
    main()
