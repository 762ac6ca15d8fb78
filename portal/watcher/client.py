"""HTTP client for the Flussonic Watcher API v3 (admin and client APIs). No Flask state.

One method per operation the portal uses; every call goes through the transport
(:mod:`portal.watcher.transport`): timeouts, logging without secrets, tokens, safe retries and
typed errors live there.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from .paging import iterate_pages, parse_page
from .transport import Transport
from .types import (
    MEMBER_FLAGS,
    Organization,
    OrganizationSpec,
    OrgMember,
    Page,
    Preset,
    PresetSpec,
    Stream,
    User,
    UserSpec,
)


class WatcherClient(Transport):
    """Watcher API v3 client; see the module docstring for transport behaviour.

    ``api`` ("admin" or "client") chooses the API for operations both offer (users, presets
    read, streams); organizations and their members/presets always use the client API and
    preset writes the admin API. A token is held per API. ``max_backoff`` caps every wait,
    including ``Retry-After``. ``sleep`` and ``clock`` (when tokens are due for refresh) can be
    replaced, e.g. by tests.
    """

    def __repr__(self) -> str:
        return f"WatcherClient({self.base_url!r}, login={self.login!r}, api={self.api!r})"

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

    def put_org_member(
        self,
        org_id: int,
        user_id: int,
        *,
        can_view_streams: bool = True,
        can_edit_streams: bool = False,
        can_edit_users: bool = False,
        can_view_stats: bool = False,
        **more: bool,
    ) -> OrgMember:
        """Add a user to an organization or set their rights (idempotent PUT). The body is the flat
        model ``C:OrganizationPermissions`` (``more``: its other flags); the response nests them."""
        body = {
            "can_view_streams": can_view_streams,
            "can_edit_streams": can_edit_streams,
            "can_edit_users": can_edit_users,
            "can_view_stats": can_view_stats,
            **more,
        }
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
        body = self._request("PUT", "admin", f"/organizations/{_seg(org_id)}/presets", json={"preset_id": preset_id})
        return Preset.parse(body) if body else None

    def disallow_preset(self, org_id: int, preset_id: int) -> None:
        """Withdraw a preset from an organization (admin API)."""
        self._request("DELETE", "admin", f"/organizations/{_seg(org_id)}/presets/{_seg(preset_id)}")

    # ----------------------------------------------------------------------- users
    def list_users(
        self,
        *,
        organization_id: int | None = None,
        select: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[User]:
        """One page of users (key ``users_list``); published filters: ``organization_id`` only."""
        params = _params(organization_id=organization_id, select=select, limit=limit, cursor=cursor)
        return parse_page(self._request("GET", self.api, "/users", params=params), "users_list", User.parse)

    def iter_users(
        self, *, organization_id: int | None = None, select: str | None = None, limit: int | None = None
    ) -> Iterator[User]:
        """Every user (optionally of one organization), following cursors."""
        return iterate_pages(
            lambda c: self.list_users(organization_id=organization_id, select=select, limit=limit, cursor=c)
        )

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
    def list_presets(
        self, *, organization_id: int | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Page[Preset]:
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
    def list_streams(
        self,
        *,
        select: str | Iterable[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        sort: str | None = None,
    ) -> Page[Stream]:
        """One page of streams; ``select`` limits the fields (``name`` is always added)."""
        body = self.list_streams_body(select=select, limit=limit, cursor=cursor, sort=sort)
        return parse_page(body, "streams", Stream.parse)

    def list_streams_body(
        self,
        *,
        select: str | Iterable[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        sort: str | None = None,
    ) -> Any:
        """One page of streams as the decoded JSON body, not yet parsed: a reader that pages
        on one thread reads only its ``next`` (:func:`~.paging.next_cursor`) and leaves
        :func:`~.paging.parse_page` to another, so the next request is not kept waiting."""
        if select is not None:
            fields = [s.strip() for s in (select.split(",") if isinstance(select, str) else select)]
            select = ",".join(dict.fromkeys(["name", *filter(None, fields)]))
        params = _params(select=select, limit=limit, cursor=cursor, sort=sort)
        return self._request("GET", self.api, "/streams", params=params)

    def iter_streams(
        self, *, select: str | Iterable[str] | None = None, limit: int | None = None, sort: str | None = None
    ) -> Iterator[Stream]:
        """Every stream, following cursors."""
        return iterate_pages(lambda c: self.list_streams(select=select, limit=limit, cursor=c, sort=sort))

    def get_stream(self, name: str) -> Stream:
        """One stream by name."""
        return Stream.parse(self._request("GET", self.api, f"/streams/{_seg(name)}"))

    def set_stream_preset(self, name: str, preset_id: int) -> Stream:
        """Put an existing stream on a preset (admin ``StreamSave``: a partial ``StreamConfig``
        updates only the fields it names; ``preset: {id}`` rather than the deprecated ``preset_id``)."""
        body = {"preset": {"id": preset_id}}
        return Stream.parse(self._request("PUT", "admin", f"/streams/{_seg(name)}", json=body))


def _seg(value: Any) -> str:
    """One URL path segment, fully escaped."""
    return quote(str(value), safe="")


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the None ones; booleans as ``true``/``false``."""
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in values.items() if v is not None}
