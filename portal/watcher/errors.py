"""Typed exceptions raised by the Watcher API client.

Every failure of a Watcher call surfaces as a :class:`WatcherError` subclass, so callers
(views, the sync job, the outbox worker) can decide what to do without parsing messages:

- :class:`WatcherUnavailable` -- connection error, timeout, or 5xx after the retries;
  ``maybe_applied`` tells whether a non-idempotent request may have taken effect.
- :class:`WatcherAuthError` -- 401 after a token refresh, or 403.
- :class:`WatcherNotFound` -- 404.
- :class:`WatcherConflict` -- 409 (e.g. a duplicate login).
- :class:`WatcherValidationError` -- 400 / 422.
- :class:`WatcherProtocolError` -- a body that is not JSON or has the wrong shape.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "WatcherError",
    "WatcherUnavailable",
    "WatcherAuthError",
    "WatcherNotFound",
    "WatcherConflict",
    "WatcherValidationError",
    "WatcherProtocolError",
    "error_from_response",
    "parse_error_body",
]


class WatcherError(Exception):
    """Base class of every error raised by the Watcher client.

    Attributes are all optional because some failures (a timeout) have no HTTP response:
    ``status`` (HTTP status), ``title``/``code``/``source`` (first JSON:API error object,
    ``source`` being its ``pointer`` or ``parameter``), ``method`` and ``path`` (no query
    string, so no secret ever lands here).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        title: str | None = None,
        code: str | None = None,
        source: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.title = title
        self.code = code
        self.source = source
        self.method = method
        self.path = path

    def __str__(self) -> str:
        where = f" [{self.method} {self.path}" if self.method and self.path else ""
        if where:
            where += f" -> {self.status}]" if self.status is not None else "]"
        return f"{self.message}{where}"


class WatcherUnavailable(WatcherError):
    """Watcher could not be reached, timed out, or kept answering 5xx / 429.

    ``maybe_applied`` is True when a non-idempotent request (POST) was sent and its outcome
    is unknown: the caller must look the object up before creating it again.
    """

    def __init__(self, message: str, *, maybe_applied: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.maybe_applied = maybe_applied


class WatcherAuthError(WatcherError):
    """Credentials were refused (401 even after a refresh) or the account lacks rights (403)."""


class WatcherNotFound(WatcherError):
    """The object does not exist in Watcher (404)."""


class WatcherConflict(WatcherError):
    """The change conflicts with existing data (409), e.g. a login already taken."""


class WatcherValidationError(WatcherError):
    """Watcher rejected the request body or parameters (400 / 422)."""


class WatcherProtocolError(WatcherError):
    """Watcher answered something this client cannot understand (bad JSON, wrong types)."""


_MAX_TEXT = 200


def _short(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def parse_error_body(body: Any) -> tuple[str | None, str | None, str | None]:
    """Return ``(title, code, source)`` from a Watcher error body, tolerating any shape.

    Understands the JSON:API form ``{"errors": [{"title", "code", "source": {"pointer" |
    "parameter"}, "detail"}]}`` (the first error wins; the others are appended to the title)
    and the deprecated ``{"error": "text"}``. Anything else yields ``(None, None, None)``.
    """
    if not isinstance(body, dict):
        return None, None, None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        title = first.get("title") or first.get("detail")
        code = first.get("code")
        src = first.get("source")
        source = None
        if isinstance(src, dict):
            source = src.get("pointer") or src.get("parameter")
        elif isinstance(src, str):
            source = src
        if len(errors) > 1:
            extra = [e.get("title") for e in errors[1:] if isinstance(e, dict) and e.get("title")]
            if extra:
                title = "; ".join([str(title or "error"), *map(str, extra)])
        return _short(title), _short(code), _short(source)
    legacy = body.get("error")
    if isinstance(legacy, str) and legacy:
        return _short(legacy), None, None
    if isinstance(legacy, dict):  # seen in the wild: {"error": {"message": ...}}
        return _short(legacy.get("message") or legacy.get("title")), _short(legacy.get("code")), None
    return None, None, None


_BY_STATUS: dict[int, type[WatcherError]] = {
    400: WatcherValidationError,
    401: WatcherAuthError,
    403: WatcherAuthError,
    404: WatcherNotFound,
    409: WatcherConflict,
    422: WatcherValidationError,
}


def error_from_response(
    status: int,
    body: Any,
    *,
    method: str,
    path: str,
    maybe_applied: bool = False,
) -> WatcherError:
    """Build the exception matching an HTTP error ``status`` and its (decoded) ``body``.

    5xx and 429 become :class:`WatcherUnavailable` (with ``maybe_applied`` passed through);
    other unexpected 4xx become a plain :class:`WatcherError`.
    """
    title, code, source = parse_error_body(body)
    if status >= 500 or status == 429:
        message = f"Watcher unavailable: {title or f'HTTP {status}'}"
        return WatcherUnavailable(
            message,
            maybe_applied=maybe_applied,
            status=status,
            title=title,
            code=code,
            source=source,
            method=method,
            path=path,
        )
    cls = _BY_STATUS.get(status, WatcherError)
    message = f"Watcher refused: {title or f'HTTP {status}'}"
    if source:
        message += f" ({source})"
    return cls(message, status=status, title=title, code=code, source=source, method=method, path=path)
