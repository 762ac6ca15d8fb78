"""Token bookkeeping for the Watcher client: reading the JWT ``exp``, deciding when to refresh.

The access token is a JWT; the client only needs its ``exp`` claim to refresh ahead of expiry,
so the payload is base64-decoded **without verifying the signature** (the client is not the
audience that must trust it; Watcher verifies its own tokens). A token that is not a JWT or
carries no ``exp`` (like Flussonic's published example) is accepted and simply refreshed when
Watcher answers 401. Tokens never appear in ``repr``, logs or exception messages.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .errors import WatcherAuthError, WatcherError, WatcherProtocolError
from .paging import Fields
from .types import Tokens

log = logging.getLogger("portal.watcher.client")

__all__ = ["jwt_claims", "token_expiry", "parse_tokens", "TokenState", "TokenAuth"]

#: Refresh this long before ``exp`` at most; shorter for short-lived tokens (10 % of lifetime).
MAX_LEEWAY_SECONDS = 30.0


def jwt_claims(token: str) -> dict[str, Any]:
    """Return the JWT payload claims of ``token`` without verifying it; ``{}`` if not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def token_expiry(token: str) -> datetime | None:
    """Return the ``exp`` claim of a JWT as an aware UTC datetime, or None if absent/invalid."""
    exp = jwt_claims(token).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(exp, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def parse_tokens(data: Any, previous: Tokens | None = None, where: str = "login") -> Tokens:
    """Parse a ``POST .../login`` response into :class:`Tokens`.

    A refresh response without a new ``refresh_token`` keeps the ``previous`` one.
    """
    f = Fields(data, where)
    access = f.str("access_token", required=True)
    refresh = f.str("refresh_token") or (previous.refresh_token if previous else None)
    return Tokens(access_token=access, refresh_token=refresh, expires_at=token_expiry(access))


class TokenState:
    """Current tokens of one API (admin or client) plus the lock that serialises refreshes."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self.tokens: Tokens | None = None
        self._clock = clock
        self._refresh_at: float | None = None

    def set(self, tokens: Tokens) -> None:
        """Store fresh tokens and compute when to refresh them ahead of ``exp``."""
        self.tokens = tokens
        if tokens.expires_at is None:
            self._refresh_at = None
            return
        now = self._clock()
        exp = tokens.expires_at.timestamp()
        leeway = min(MAX_LEEWAY_SECONDS, max(0.0, (exp - now) * 0.1))
        self._refresh_at = exp - leeway

    def clear(self) -> None:
        """Forget the tokens (next call logs in again)."""
        self.tokens = None
        self._refresh_at = None

    def expiring(self) -> bool:
        """True when the access token is at or past its refresh time (never without ``exp``)."""
        return self._refresh_at is not None and self._clock() >= self._refresh_at


class TokenAuth:
    """Login and refresh logic mixed into the client; relies on its ``_request``.

    Needs ``self._tokens`` (api -> :class:`TokenState`) and ``self.api``.
    """

    _tokens: dict[str, TokenState]
    api: str
    _request: Callable[..., Any]

    def _access_token(self, api: str) -> str:
        state = self._tokens[api]
        with state.lock:
            if state.tokens is None:
                self._password_login(api)
            elif state.expiring():
                self._refresh(api, rejected=None)
            assert state.tokens is not None
            return state.tokens.access_token

    def _password_login(self, api: str) -> None:
        body = self._request("POST", api, "/login", authenticate=False, basic=True, retry_safe=True)
        self._tokens[api].set(parse_tokens(body))

    def _refresh(self, api: str, rejected: str | None) -> None:
        """Renew the token with the refresh token, falling back to a password login.

        ``rejected`` is the access token Watcher just refused; if another thread already
        replaced it, nothing is done.
        """
        state = self._tokens[api]
        with state.lock:
            current = state.tokens
            if rejected is not None and current is not None and current.access_token != rejected:
                return
            if current is not None and current.refresh_token:
                try:
                    body = self._request(
                        "POST", api, "/login", authenticate=False, bearer=current.refresh_token, retry_safe=True
                    )
                    state.set(parse_tokens(body, previous=current))
                    return
                except (WatcherAuthError, WatcherProtocolError) as exc:
                    log.info("watcher %s refresh token refused (%s); logging in again", api, exc.status)
                except WatcherError as exc:
                    if not 400 <= (exc.status or 0) < 500:
                        raise
            state.clear()
            self._password_login(api)

    def login_now(self, api: str | None = None) -> None:
        """Log in to ``api`` (default: the client's API) now, e.g. to check credentials."""
        self._tokens[api or self.api].clear()
        self._access_token(api or self.api)
