"""The transport under :class:`portal.watcher.client.WatcherClient`: one path for every HTTP call.

:meth:`Transport._request` always sets a timeout, logs method, path, status and elapsed time
(never credentials, tokens or query strings), attaches the bearer token (logging in per API on
first use, refreshing ahead of the JWT ``exp`` and once on 401), retries idempotent methods on
429/5xx/connection errors with exponential backoff, and maps failures to
:mod:`portal.watcher.errors`. A POST is retried only when it surely was not applied (429,
connection refused, connect timeout); after a 5xx, read timeout or dropped response it raises
``WatcherUnavailable(maybe_applied=True)`` instead.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from typing import Any

import requests

from .auth import TokenAuth, TokenState
from .errors import WatcherProtocolError, WatcherUnavailable, error_from_response

log = logging.getLogger("portal.watcher.client")
PREFIXES = {"admin": "/watcher/admin-api/v3", "client": "/watcher/client-api/v3"}
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def _retry_after(value: str | None, cap: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(cap, seconds))


def _not_sent(exc: requests.RequestException) -> bool:
    """True when a connection error proves the request never reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason: Any = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return type(reason).__name__ == "NewConnectionError"


class Transport(TokenAuth):
    """Holds the connection settings and tokens; sends calls (see the module docstring)."""

    def __init__(
        self,
        base_url: str,
        login: str,
        password: str,
        *,
        api: str = "admin",
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if api not in PREFIXES:
            raise ValueError(f"api must be one of {sorted(PREFIXES)}, not {api!r}")
        if timeout is None or timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.base_url = base_url.rstrip("/")
        self.login = login
        self._password = password
        self.api = api
        self.timeout, self.retries, self.backoff, self.max_backoff = timeout, retries, backoff, max_backoff
        self.session = session or requests.Session()
        self._sleep = sleep
        self._tokens = {name: TokenState(clock) for name in PREFIXES}

    def _request(
        self,
        method: str,
        api: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        authenticate: bool = True,
        basic: bool = False,
        bearer: str | None = None,
        retry_safe: bool | None = None,
    ) -> Any:
        """Send one API call and return the decoded JSON body (``{}`` when empty)."""
        full_path = PREFIXES[api] + path
        url = self.base_url + full_path
        safe = method in IDEMPOTENT if retry_safe is None else retry_safe
        where = {"method": method, "path": full_path}
        attempt, refreshed = 0, False
        while True:
            headers = {"Accept": "application/json"}
            if authenticate:
                token = self._access_token(api)
                headers["Authorization"] = f"Bearer {token}"
            elif bearer:
                headers["Authorization"] = f"Bearer {bearer}"
            started = time.monotonic()
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=self.timeout,
                    auth=(self.login, self._password) if basic else None,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                elapsed = (time.monotonic() - started) * 1000
                kind = "timeout" if isinstance(exc, requests.Timeout) else "connection error"
                log.info("watcher %s %s -> %s after %d ms", method, full_path, kind, elapsed)
                not_sent = _not_sent(exc)
                if (safe or not_sent) and attempt < self.retries:
                    self._sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise WatcherUnavailable(
                    f"Watcher unavailable: {kind}", maybe_applied=not safe and not not_sent, **where
                ) from None
            elapsed = (time.monotonic() - started) * 1000
            status = resp.status_code
            log.log(
                logging.DEBUG if status < 400 else logging.INFO,
                "watcher %s %s -> %s in %d ms",
                method,
                full_path,
                status,
                elapsed,
            )
            if status == 401 and authenticate and not refreshed:
                refreshed = True
                self._refresh(api, rejected=token)
                continue
            if (status == 429 or (status >= 500 and safe)) and attempt < self.retries:
                self._sleep(self._delay(attempt, resp.headers.get("Retry-After") if status == 429 else None))
                attempt += 1
                continue
            if status >= 400:
                raise error_from_response(
                    status, self._decode(resp, lenient=True), maybe_applied=not safe and status != 429, **where
                )
            if 300 <= status < 400:
                raise WatcherProtocolError(f"unexpected redirect (HTTP {status})", status=status, **where)
            return self._decode(resp, lenient=False, where=where)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        wait = _retry_after(retry_after, self.max_backoff)
        return wait if wait is not None else min(self.max_backoff, self.backoff * 2**attempt)

    @staticmethod
    def _decode(resp: requests.Response, *, lenient: bool, where: dict[str, str] | None = None) -> Any:
        if not resp.content or not resp.content.strip():
            return {}
        try:
            return resp.json()
        except ValueError:
            if lenient:
                return None
            raise WatcherProtocolError(
                "Watcher sent a body that is not JSON", status=resp.status_code, **(where or {})
            ) from None
