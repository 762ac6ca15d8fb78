"""JSON:API-style error bodies, as Watcher v3 returns them."""

from __future__ import annotations

import uuid
from typing import Any

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable_entity",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error that becomes a JSON:API ``{"errors": [...]}`` response."""

    def __init__(
        self,
        status: int,
        title: str,
        code: str | None = None,
        pointer: str | None = None,
        parameter: str | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.code = code or _CODES.get(status, "error")
        self.pointer = pointer
        self.parameter = parameter

    def body(self) -> dict[str, Any]:
        """Return the JSON body for this error."""
        return error_body(self.status, self.title, self.code, self.pointer, self.parameter)


def error_body(
    status: int,
    title: str,
    code: str | None = None,
    pointer: str | None = None,
    parameter: str | None = None,
) -> dict[str, Any]:
    """Build ``{"errors": [{id, status, code, title, source, meta}]}``."""
    source: dict[str, str] = {}
    if pointer is not None:
        source["pointer"] = pointer
    if parameter is not None:
        source["parameter"] = parameter
    return {
        "errors": [
            {
                "id": str(uuid.uuid4()),
                "status": str(status),
                "code": code or _CODES.get(status, "error"),
                "title": title,
                "source": source,
                "meta": {},
            }
        ]
    }


def not_found(what: str) -> ApiError:
    """A 404 for a missing object."""
    return ApiError(404, f"{what} not found", "not_found")


def bad_value(field: str, title: str) -> ApiError:
    """A 400 validation error pointing at a body field (dots become slashes)."""
    return ApiError(400, title, "invalid_value", pointer="/" + field.replace(".", "/"))


def forbidden(title: str = "Permission denied") -> ApiError:
    """A 403 for an authenticated caller lacking a right."""
    return ApiError(403, title, "forbidden")
