"""Watcher's external authentication backend (WATCHER_API.md, "External identity").

Watcher calls ``GET <url>?login=...&password=...`` on each login and expects
200 (allow), 403 (wrong password) or 404 (unknown user).  Configure Watcher
with ``https://<portal>/watcher/auth/<EXTERNAL_AUTH_SECRET>``; alternatively
(or additionally) restrict callers with ``EXTERNAL_AUTH_ALLOWED_IPS``.  A caller
failing that protection gets 401, which Watcher treats as "backend unavailable"
and so falls back to its own store instead of locking anyone out.

The password check costs the same for known and unknown logins, the endpoint
is rate limited, every call is audited (never with the password), and the
query string is kept out of access logs by :mod:`portal.devserver` and
``gunicorn.conf.py``.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, request

from portal.audit import service as audit
from portal.auth.service import authenticate
from portal.extensions import csrf, limiter

bp = Blueprint("extauth", __name__, url_prefix="/watcher/auth")
csrf.exempt(bp)

VERDICTS = {"ok": 200, "wrong": 403, "disabled": 403, "unknown": 404}


def _limit() -> str:
    return str(current_app.config.get("EXTERNAL_AUTH_RATE_LIMIT", "120 per minute"))


def _allowed(secret: str | None) -> bool:
    config = current_app.config
    expected = config.get("EXTERNAL_AUTH_SECRET") or ""
    allow = {ip.strip() for ip in (config.get("EXTERNAL_AUTH_ALLOWED_IPS") or "").split(",") if ip.strip()}
    if not expected and not allow:
        return False  # not configured: the endpoint is off
    if expected and not hmac.compare_digest((secret or "").encode(), expected.encode()):
        return False
    return not allow or (request.remote_addr or "") in allow


@bp.route("", methods=["GET", "POST"], defaults={"secret": None})
@bp.route("/<secret>", methods=["GET", "POST"])
@limiter.limit(_limit)
def check(secret: str | None) -> tuple[str, int]:
    """Answer Watcher: 200 allow / 403 wrong password / 404 unknown user (401 if the caller is not allowed)."""
    if not _allowed(secret):
        abort(401)
    values = request.values
    login, password = values.get("login", ""), values.get("password", "")
    if not login:
        return "", 404
    user, outcome = authenticate(login, password)
    if user is not None and user.is_admin and not user.memberships:
        outcome = "unknown"  # billing staff are not Watcher users
    audit.record("watcher.external_auth", "user", user.id if user else None,
                 summary=f"{outcome}: {login[:254]}", actor=user)
    return "", VERDICTS[outcome]
