"""A gunicorn access logger that never writes query strings or the external-auth secret.

Used by ``gunicorn.conf.py`` (``logger_class``); imports gunicorn, so nothing else imports it.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from portal.logredact import RedactFilter, loggable_path


class RedactingLogger(Logger):
    """Access-log atoms with the path redacted and the query string dropped; the error log
    (``Error handling request /account/reset/<token>``) goes through the same filter."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, RedactFilter) for f in handler.filters):
                    handler.addFilter(RedactFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(atoms.get("U", "") or "")
        atoms["U"] = path
        atoms["q"] = ""
        atoms["r"] = f"{atoms.get('m', '-')} {path} {atoms.get('H', '-')}"
        return atoms
