"""A gunicorn access logger that never writes query strings or the external-auth secret.

Used by ``gunicorn.conf.py`` (``logger_class``); imports gunicorn, so nothing else imports it.
"""
from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from portal.logredact import loggable_path


class RedactingLogger(Logger):
    """Access-log atoms with the path redacted and the query string dropped."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(atoms.get("U", "") or "")
        atoms["U"] = path
        atoms["q"] = ""
        atoms["r"] = f"{atoms.get('m', '-')} {path} {atoms.get('H', '-')}"
        return atoms
