"""``python -m watcher_sim``: run the Watcher-compatible server standalone."""

from __future__ import annotations

import argparse
import logging

from watcher_sim.server import build, serve


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m watcher_sim",
        description="Flussonic Watcher API v3 compatible server for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port (default 8081)")
    parser.add_argument("--data", default="instance/watcher.sqlite", help="SQLite state file")
    parser.add_argument("--demo", action="store_true", help="load demo data into an empty store")
    parser.add_argument("--quiet", action="store_true", help="no access log line per request")
    parser.add_argument("--admin-login", default="admin", help="built-in admin login")
    parser.add_argument("--admin-password", default="admin", help="built-in admin password")
    parser.add_argument(
        "--token-ttl", type=float, default=3600.0, help="access token lifetime in seconds (default 3600)"
    )
    parser.add_argument(
        "--external-auth-url", default=None, help="external authentication backend URL (GET ?login=&password=)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Build and serve."""
    opts = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sim = build(
        data=opts.data,
        admin_login=opts.admin_login,
        admin_password=opts.admin_password,
        token_ttl=opts.token_ttl,
        external_auth_url=opts.external_auth_url,
        demo=opts.demo,
    )
    print(f"watcher_sim admin account: {opts.admin_login} / {opts.admin_password}", flush=True)
    serve(opts.host, opts.port, sim, access_log=not opts.quiet)


if __name__ == "__main__":
    main()
