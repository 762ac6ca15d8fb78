"""What logs may show of a request line: the path, never the query string nor secrets.

Secret-bearing paths: Watcher's external authentication sends passwords in the
query string and its URL carries the shared secret as a path segment
(``/watcher/auth/<secret>``); activation and reset links carry a single-use
token (``/account/activate/<token>``, ``/account/reset/<token>``).  Every access
log the project configures (werkzeug's in ``portal.devserver``, gunicorn's in
``portal.gunicorn_logging``) and every log record through :class:`RedactFilter`
masks them.
"""

from __future__ import annotations

import logging
import re

#: The path prefixes whose next segment is a secret.
SECRET_PREFIXES = ("/watcher/auth/", "/account/activate/", "/account/reset/")
_SECRET_SEGMENT = re.compile(r"(/watcher/auth/|/account/activate/|/account/reset/)[^/?#\s\"']+")


def loggable_path(target: str) -> str:
    """``/watcher/auth/s3cret?login=a&password=b`` -> ``/watcher/auth/***``; same for link tokens."""
    path = target.split("?", 1)[0]
    return _SECRET_SEGMENT.sub(r"\1***", path)


_QUERY_SECRET = re.compile(r"(?i)\b(password|passwd|token|secret)=[^&\s]+")


class RedactFilter(logging.Filter):
    """Masks the external-auth secret and password-like query values in any log message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _QUERY_SECRET.sub(r"\1=***", _SECRET_SEGMENT.sub(r"\1***", message))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (the root logger by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(RedactFilter())
