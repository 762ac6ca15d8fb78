"""Security headers and role guards."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, abort
from flask_login import current_user, login_required

F = TypeVar("F", bound=Callable[..., Any])

#: Downloads that carry a customer's data.
PRIVATE_DOCUMENTS = frozenset({"text/csv", "application/pdf"})

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def register(app: Flask) -> None:
    """Add security headers to every response."""

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        elif response.mimetype in PRIVATE_DOCUMENTS or "Content-Disposition" in response.headers:
            # invoices and usage reports: never kept by a shared cache or the browser's disk cache
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _role_required(allowed: Callable[[Any], bool], view: F) -> F:
    """``view`` for logged-in users ``allowed`` admits; others get 403 (404 would hide nothing here)."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not allowed(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def admin_required(view: F) -> F:
    """Allow only logged-in billing admins."""
    return _role_required(lambda user: user.is_admin, view)


def finance_read_required(view: F) -> F:
    """Allow billing admins and accountants (read-only finance: organizations, usages, invoices)."""
    return _role_required(lambda user: user.is_finance, view)


def finance_write_required(view: F) -> F:
    """Allow billing admins and accountants: ONLY for recording payments and credit notes.

    Every other change (organizations, users and rights, the catalog, invoices' lifecycle)
    stays behind :func:`admin_required`.  (The same people as :func:`finance_read_required`
    today; a separate name so the routes that change money stay findable.)
    """
    return _role_required(lambda user: user.is_finance, view)


def is_safe_next(target: str | None) -> bool:
    """Accept only local paths (``/x``) as a post-login redirect; never ``//host`` or a URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if len(target) > 2000 or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False  # CR/LF would split the Location header; other controls have no business here
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
