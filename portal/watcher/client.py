"""HTTP client for the Flussonic Watcher API v3 (admin and client APIs). No Flask state.

Every call goes through :meth:`WatcherClient._request`, which always sets a timeout, logs
method, path, status and elapsed time (never credentials, tokens or query strings), attaches
the bearer token (logging in per API on first use, refreshing ahead of the JWT ``exp`` and
once on 401), retries idempotent methods on 429/5xx/connection errors with exponential
backoff, and maps failures to :mod:`portal.watcher.errors`. A POST is retried only when it
surely was not applied (429, connection refused, connect timeout); after a 5xx, read timeout
or dropped response it raises ``WatcherUnavailable(maybe_applied=True)`` instead.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

import requests

from .auth import TokenAuth, TokenState
from .errors import WatcherProtocolError, WatcherUnavailable, error_from_response
from .paging import iterate_pages, parse_page
from .types import (MEMBER_FLAGS, Organization, OrganizationSpec, OrgMember, Page, Preset, PresetSpec,
                    Stream, User, UserSpec)

log = logging.getLogger(__name__)
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


class WatcherClient(TokenAuth):
    """Watcher API v3 client; see the module docstring for transport behaviour.

    ``api`` ("admin" or "client") chooses the API for operations both offer (users, presets
    read, streams); organizations and their members/presets always use the client API and
    preset writes the admin API. A token is held per API. ``max_backoff`` caps every wait,
    including ``Retry-After``. ``sleep`` and ``clock`` (when tokens are due for refresh) can be
    replaced, e.g. by tests.
    """

    def __init__(self, base_url: str, login: str, password: str, *, api: str = "admin",
                 timeout: float = 10.0, retries: int = 3, backoff: float = 0.5,
                 max_backoff: float = 30.0, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
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

    def __repr__(self) -> str:
        return f"WatcherClient({self.base_url!r}, login={self.login!r}, api={self.api!r})"

    # ----------------------------------------------------------------- transport
    def _request(self, method: str, api: str, path: str, *, params: dict[str, Any] | None = None,
                 json: Any = None, authenticate: bool = True, basic: bool = False,
                 bearer: str | None = None, retry_safe: bool | None = None) -> Any:
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
                    method, url, params=params, json=json, headers=headers, timeout=self.timeout,
                    auth=(self.login, self._password) if basic else None, allow_redirects=False)
            except (requests.ConnectionError, requests.Timeout) as exc:
                elapsed = (time.monotonic() - started) * 1000
                kind = "timeout" if isinstance(exc, requests.Timeout) else "connection error"
                log.info("watcher %s %s -> %s after %d ms", method, full_path, kind, elapsed)
                not_sent = _not_sent(exc)
                if (safe or not_sent) and attempt < self.retries:
                    self._sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise WatcherUnavailable(f"Watcher unavailable: {kind}",
                                         maybe_applied=not safe and not not_sent, **where) from None
            elapsed = (time.monotonic() - started) * 1000
            status = resp.status_code
            log.log(logging.DEBUG if status < 400 else logging.INFO,
                    "watcher %s %s -> %s in %d ms", method, full_path, status, elapsed)
            if status == 401 and authenticate and not refreshed:
                refreshed = True
                self._refresh(api, rejected=token)
                continue
            if (status == 429 or (status >= 500 and safe)) and attempt < self.retries:
                self._sleep(self._delay(attempt, resp.headers.get("Retry-After") if status == 429 else None))
                attempt += 1
                continue
            if status >= 400:
                raise error_from_response(status, self._decode(resp, lenient=True),
                                          maybe_applied=not safe and status != 429, **where)
            if 300 <= status < 400:
                raise WatcherProtocolError(f"unexpected redirect (HTTP {status})", status=status, **where)
            return self._decode(resp, lenient=False, where=where)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        wait = _retry_after(retry_after, self.max_backoff)
        return wait if wait is not None else min(self.max_backoff, self.backoff * 2 ** attempt)

    @staticmethod
    def _decode(resp: requests.Response, *, lenient: bool, where: dict[str, str] | None = None) -> Any:
        if not resp.content or not resp.content.strip():
            return {}
        try:
            return resp.json()
        except ValueError:
            if lenient:
                return None
            raise WatcherProtocolError("Watcher sent a body that is not JSON",
                                       status=resp.status_code, **(where or {})) from None

    # --------------------------------------------------------------- organizations
    def list_organizations(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Organization]:
        """One page of organizations visible to the account (client API)."""
        body = self._request("GET", "client", "/organizations", params=_params(limit=limit, cursor=cursor))
        return parse_page(body, "organizations", Organization.parse)

    def iter_organizations(self, *, limit: int | None = None) -> Iterator[Organization]:
        """Every organization, following cursors."""
        return iterate_pages(lambda c: self.list_organizations(limit=limit, cursor=c))

    def get_organization(self, org_id: int) -> Organization:
        """One organization by id."""
        return Organization.parse(self._request("GET", "client", f"/organizations/{_seg(org_id)}"))

    def create_organization(self, spec: OrganizationSpec) -> Organization:
        """Create an organization (POST: may raise WatcherUnavailable with maybe_applied)."""
        return Organization.parse(self._request("POST", "client", "/organizations", json=spec.to_payload()))

    def update_organization(self, org_id: int, spec: OrganizationSpec) -> Organization:
        """Update the given fields of an organization."""
        body = self._request("PUT", "client", f"/organizations/{_seg(org_id)}", json=spec.to_payload())
        return Organization.parse(body)

    def delete_organization(self, org_id: int) -> None:
        """Delete an organization."""
        self._request("DELETE", "client", f"/organizations/{_seg(org_id)}")

    def list_org_members(self, org_id: int, *, limit: int | None = None) -> list[OrgMember]:
        """All members of an organization with their rights (all pages)."""
        path = f"/organizations/{_seg(org_id)}/users"

        def fetch(cursor: str | None) -> Page[OrgMember]:
            body = self._request("GET", "client", path, params=_params(limit=limit, cursor=cursor))
            return parse_page(body, "users", OrgMember.parse)

        return list(iterate_pages(fetch))

    def get_org_member(self, org_id: int, user_id: int) -> OrgMember:
        """One member's rights in an organization."""
        return OrgMember.parse(self._request("GET", "client", f"/organizations/{_seg(org_id)}/users/{_seg(user_id)}"))

    def put_org_member(self, org_id: int, user_id: int, *, can_view_streams: bool = True,
                       can_edit_streams: bool = False, can_edit_users: bool = False,
                       can_view_stats: bool = False, **more: bool) -> OrgMember:
        """Add a user to an organization or set their rights (idempotent PUT). The body is the flat
        model ``C:OrganizationPermissions`` (``more``: its other flags); the response nests them."""
        body = {"can_view_streams": can_view_streams, "can_edit_streams": can_edit_streams,
                "can_edit_users": can_edit_users, "can_view_stats": can_view_stats, **more}
        unknown = set(body) - set(MEMBER_FLAGS)
        if unknown:
            raise ValueError(f"not a published organization permission: {sorted(unknown)}")
        path = f"/organizations/{_seg(org_id)}/users/{_seg(user_id)}"
        return OrgMember.parse(self._request("PUT", "client", path, json={k: bool(v) for k, v in body.items()}))

    def delete_org_member(self, org_id: int, user_id: int) -> None:
        """Remove a user from an organization."""
        self._request("DELETE", "client", f"/organizations/{_seg(org_id)}/users/{_seg(user_id)}")

    def allow_preset(self, org_id: int, preset_id: int) -> Preset | None:
        """Make a preset available in an organization (admin API: no membership needed)."""
        body = self._request("PUT", "admin", f"/organizations/{_seg(org_id)}/presets",
                             json={"preset_id": preset_id})
        return Preset.parse(body) if body else None

    def disallow_preset(self, org_id: int, preset_id: int) -> None:
        """Withdraw a preset from an organization (admin API)."""
        self._request("DELETE", "admin", f"/organizations/{_seg(org_id)}/presets/{_seg(preset_id)}")

    # ----------------------------------------------------------------------- users
    def list_users(self, *, organization_id: int | None = None, select: str | None = None,
                   limit: int | None = None, cursor: str | None = None) -> Page[User]:
        """One page of users (key ``users_list``); published filters: ``organization_id`` only."""
        params = _params(organization_id=organization_id, select=select, limit=limit, cursor=cursor)
        return parse_page(self._request("GET", self.api, "/users", params=params), "users_list", User.parse)

    def iter_users(self, *, organization_id: int | None = None, select: str | None = None,
                   limit: int | None = None) -> Iterator[User]:
        """Every user (optionally of one organization), following cursors."""
        return iterate_pages(lambda c: self.list_users(organization_id=organization_id, select=select,
                                                       limit=limit, cursor=c))

    def find_user_by_login(self, login: str) -> User | None:
        """The user whose ``name`` is ``login``, or None: pages through ``id,name`` of all users
        (no published login filter), so use it only when no Watcher id is stored."""
        return next((u for u in self.iter_users(select="id,name", limit=1000) if u.name == login), None)

    def get_user(self, user_id: int) -> User:
        """One user by id."""
        return User.parse(self._request("GET", self.api, f"/users/{_seg(user_id)}"))

    def create_user(self, spec: UserSpec) -> User:
        """Create a user (POST: on WatcherUnavailable(maybe_applied) look up by login first)."""
        return User.parse(self._request("POST", self.api, "/users", json=spec.to_payload()))

    def update_user(self, user_id: int, spec: UserSpec) -> User:
        """Update the given fields of a user (a password is sent, never read back)."""
        return User.parse(self._request("PUT", self.api, f"/users/{_seg(user_id)}", json=spec.to_payload()))

    def delete_user(self, user_id: int) -> None:
        """Delete a user."""
        self._request("DELETE", self.api, f"/users/{_seg(user_id)}")

    # --------------------------------------------------------------------- presets
    def list_presets(self, *, organization_id: int | None = None, limit: int | None = None,
                     cursor: str | None = None) -> Page[Preset]:
        """One page of presets, optionally only those allowed in an organization."""
        params = _params(organization_id=organization_id, limit=limit, cursor=cursor)
        return parse_page(self._request("GET", self.api, "/presets", params=params), "presets", Preset.parse)

    def iter_presets(self, *, organization_id: int | None = None, limit: int | None = None) -> Iterator[Preset]:
        """Every preset, following cursors."""
        return iterate_pages(lambda c: self.list_presets(organization_id=organization_id, limit=limit, cursor=c))

    def get_preset(self, preset_id: int) -> Preset:
        """One preset by id."""
        return Preset.parse(self._request("GET", self.api, f"/presets/{_seg(preset_id)}"))

    def create_preset(self, spec: PresetSpec) -> Preset:
        """Create a preset (admin API; POST: may raise WatcherUnavailable with maybe_applied)."""
        return Preset.parse(self._request("POST", "admin", "/presets", json=spec.to_payload()))

    def update_preset(self, preset_id: int, spec: PresetSpec) -> Preset:
        """Update the given fields of a preset (admin API)."""
        return Preset.parse(self._request("PUT", "admin", f"/presets/{_seg(preset_id)}", json=spec.to_payload()))

    def retire_preset(self, preset_id: int) -> Preset:
        """Soft-delete a preset (``deleted_at`` now): v3 publishes no preset DELETE."""
        body = {"deleted_at": int(time.time() * 1000)}
        return Preset.parse(self._request("PUT", "admin", f"/presets/{_seg(preset_id)}", json=body))

    # --------------------------------------------------------------------- streams
    def list_streams(self, *, select: str | Iterable[str] | None = None, limit: int | None = None,
                     cursor: str | None = None, sort: str | None = None) -> Page[Stream]:
        """One page of streams; ``select`` limits the fields (``name`` is always added)."""
        if select is not None:
            fields = [s.strip() for s in (select.split(",") if isinstance(select, str) else select)]
            select = ",".join(dict.fromkeys(["name", *filter(None, fields)]))
        params = _params(select=select, limit=limit, cursor=cursor, sort=sort)
        return parse_page(self._request("GET", self.api, "/streams", params=params), "streams", Stream.parse)

    def iter_streams(self, *, select: str | Iterable[str] | None = None, limit: int | None = None,
                     sort: str | None = None) -> Iterator[Stream]:
        """Every stream, following cursors."""
        return iterate_pages(lambda c: self.list_streams(select=select, limit=limit, cursor=c, sort=sort))

    def get_stream(self, name: str) -> Stream:
        """One stream by name."""
        return Stream.parse(self._request("GET", self.api, f"/streams/{_seg(name)}"))


def _seg(value: Any) -> str:
    """One URL path segment, fully escaped."""
    return quote(str(value), safe="")


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the None ones; booleans as ``true``/``false``."""
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in values.items() if v is not None}
