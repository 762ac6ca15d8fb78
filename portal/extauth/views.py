"""Watcher's external authentication backend (answers: see :mod:`portal.extauth.policy`).

Watcher calls ``GET <url>?login=...&password=...`` on each login.  Configure Watcher
with ``https://<portal>/watcher/auth/<EXTERNAL_AUTH_SECRET>``; alternatively
(or additionally) restrict callers with ``EXTERNAL_AUTH_ALLOWED_IPS``.  A caller
failing that protection gets 401.

The answer for each case, and what Watcher does with it, is the table in
:mod:`portal.extauth.policy`: only an enabled subscriber with a membership and the right
password gets 200, a wrong password gets 403, and everything the portal does not decide
(logins it does not manage, disabled users, failures, rate limiting) gets the documented
"backend out of reach" answer so that Watcher never resets a password it holds.

The password check costs the same for known and unknown logins, the endpoint
is rate limited, every call is audited (never with the password), and the
query string is kept out of access logs by :mod:`portal.devserver` and
``gunicorn.conf.py``.
"""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Response, abort, current_app, request

from portal import unit_of_work
from portal.audit import service as audit
from portal.auth.service import authenticate, find_user
from portal.extauth.policy import FALLBACK, STATUS, Verdict, decide
from portal.extensions import csrf, limiter

log = logging.getLogger(__name__)
bp = Blueprint("extauth", __name__, url_prefix="/watcher/auth")
csrf.exempt(bp)


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


def fallback_response(*, late: bool = True) -> Response:
    """The "backend out of reach" answer: 503, sent only after Watcher's 2 s wait has passed
    (``late=False``: at once, for rate limiting, see :mod:`portal.extauth.policy`)."""
    delay = float(current_app.config.get("EXTERNAL_AUTH_FALLBACK_DELAY", 2.5))
    if late and delay > 0:
        time.sleep(delay)
    return Response("", status=STATUS[FALLBACK], headers={"Retry-After": "1", "Cache-Control": "no-store"})


def _rate_limited(_limit_info: object) -> None:
    """Rate limit exceeded: log it; the 429 is turned into the fallback answer below."""
    log.warning("external authentication rate limit exceeded")


@bp.errorhandler(429)
def _too_many(_error: Exception) -> Response:
    """Rate limited: never a decline (no password reset), and answered at once."""
    return fallback_response(late=False)


@bp.route("", methods=["GET", "POST"], defaults={"secret": None})
@bp.route("/<secret>", methods=["GET", "POST"])
@limiter.limit(_limit, on_breach=_rate_limited)
def check(secret: str | None) -> Response:
    """Answer Watcher per the table in :mod:`portal.extauth.policy` (401 if the caller is not allowed)."""
    if not _allowed(secret):
        abort(401)
    values = request.values
    login, password = values.get("login", ""), values.get("password", "")
    try:
        _, outcome = authenticate(login, password) if login else (None, "unknown")
        user = find_user(login) if login else None
        verdict = decide(user, outcome, login, str(current_app.config.get("WATCHER_LOGIN") or ""))
        audit.record(
            "watcher.external_auth",
            "user",
            user.id if user else None,
            summary=f"{verdict.answer}: {verdict.reason}: {login[:200]}",
            actor=user,
        )
    except Exception:  # a failing check must never look like a decline to Watcher
        log.exception("external authentication check failed; answering 'out of reach'")
        unit_of_work.fail()
        verdict = Verdict(FALLBACK, "check failed")
    if verdict.answer == FALLBACK:
        unit_of_work.end_early()  # hold no transaction, lock or pooled connection while answering late
        return fallback_response()
    return Response("", status=verdict.status, headers={"Cache-Control": "no-store"})
