"""Organization views (client API), members (key ``users``) and allowed presets.

Rights follow the published docs ("user-and-permission-management"; OrganizationsList summary):

* the list holds only "organizations of which the user is member" (owners are members),
  administrators included;
* an administrator may read and edit the general settings (title, limits, owner, default flag)
  of every organization, and change its owner;
* members and their rights are managed by the owner or a member with ``can_edit_users`` -
  an administrator who is neither gets 403;
* presets are linked by the owner (client API) or by an administrator (admin API).
"""

from __future__ import annotations

from typing import Any

from watcher_sim import organizations as orgs
from watcher_sim.api import args, body, caller, is_admin_api, route, sim
from watcher_sim.errors import ApiError, forbidden, not_found
from watcher_sim.paging import paginate
from watcher_sim.presets import get_preset, render_preset
from watcher_sim.schema import check_body, check_query
from watcher_sim.users import get_user


def _visible_org(org_id: int) -> dict[str, Any]:
    """The org if the caller is an administrator, its owner or a member; else 404."""
    org = orgs.get_org(sim().store, org_id)
    if not orgs.is_admin(caller()) and orgs.caller_perms(sim().store, org_id, caller()) is None:
        raise not_found("Organization")
    return org


def _require(org_id: int, flag: str | None) -> None:
    """403 unless the caller owns the org or (``flag`` given) is a member with ``flag``."""
    _visible_org(org_id)
    store, user = sim().store, caller()
    org = orgs.get_org(store, org_id)
    if org.get("owner_id") == user["id"]:
        return
    if flag is None or not (orgs.member_perms(store, org_id, user["id"]) or {}).get(flag):
        raise forbidden(f"Permission {flag or 'owner'} required")


def _require_member(org_id: int) -> None:
    """403 unless the caller is the owner or a member (administrators included)."""
    _visible_org(org_id)
    if orgs.caller_perms(sim().store, org_id, caller()) is None:
        raise forbidden("Only members of the organization may do this")


@route("/organizations", ["GET"], apis=("client",))
def organizations_list() -> Any:
    """Organizations of which the caller is a member (administrators included)."""
    store, user = sim().store, caller()
    check_query(args(), "organizations")
    items = [o for o in store.doc_all("organizations") if orgs.caller_perms(store, o["id"], user) is not None]
    rendered = [orgs.render_org(store, o, user) for o in items]
    return paginate(rendered, "organizations", args())


@route("/organizations", ["POST"], apis=("client",))
def organization_create() -> Any:
    """Create an organization; ``owner: {id}`` (default: the caller) becomes a full member."""
    if not orgs.is_admin(caller()):
        raise forbidden("Only an administrator may create organizations")
    store = sim().store
    org_id = orgs.save_org(store, body(), caller())
    return orgs.render_org(store, orgs.get_org(store, org_id), caller())


@route("/organizations/<int:org_id>", ["GET"], apis=("client",))
def organization_get(org_id: int) -> Any:
    """Read one organization."""
    return orgs.render_org(sim().store, _visible_org(org_id), caller())


@route("/organizations/<int:org_id>", ["PUT"], apis=("client",))
def organization_save(org_id: int) -> Any:
    """Update title, owner, limits, is_default (its owner, or any administrator)."""
    if not orgs.is_admin(caller()):
        _require(org_id, None)
    store = sim().store
    orgs.save_org(store, body(), caller(), org_id)
    return orgs.render_org(store, orgs.get_org(store, org_id), caller())


@route("/organizations/<int:org_id>", ["DELETE"], apis=("client",))
def organization_delete(org_id: int) -> Any:
    """Delete an organization with its streams (administrator only)."""
    if not orgs.is_admin(caller()):
        _visible_org(org_id)
        raise forbidden("Only an administrator may delete organizations")
    orgs.delete_org(sim().store, org_id)
    return {}


@route("/organizations/<int:org_id>/users", ["GET"], apis=("client",))
def members_list(org_id: int) -> Any:
    """Members with their permission flags (members only)."""
    _require_member(org_id)
    check_query(args(), "organization_users")
    store = sim().store
    items = []
    for user_id, perms in orgs.members(store, org_id):
        user = store.user_get(user_id)
        if user is not None:
            items.append(orgs.render_member(user, perms))
    return paginate(items, "users", args())


@route("/organizations/<int:org_id>/users/<int:user_id>", ["GET"], apis=("client",))
def member_get(org_id: int, user_id: int) -> Any:
    """One member (members only)."""
    _require_member(org_id)
    perms = orgs.member_perms(sim().store, org_id, user_id)
    if perms is None:
        raise not_found("Organization member")
    return orgs.render_member(get_user(sim().store, user_id), perms)


@route("/organizations/<int:org_id>/users/<int:user_id>", ["PUT"], apis=("client",))
def member_save(org_id: int, user_id: int) -> Any:
    """Set a member's flags (flat ``OrganizationPermissions``); adds the user when not a member.

    A new member needs a free seat: ``limits.users`` counts every member, owner included.
    """
    _require(org_id, "can_edit_users")
    store = sim().store
    user = get_user(store, user_id)
    data = check_body(body(), "C:OrganizationPermissions")
    data = {k: v for k, v in data.items() if k != "is_member"}
    current = orgs.member_perms(store, org_id, user_id)
    if current is None:
        limit = (orgs.get_org(store, org_id).get("limits") or {}).get("users")
        if limit is not None and len(orgs.members(store, org_id)) >= limit:
            raise ApiError(
                422, "The organization's user limit is reached", "user_limit_reached", pointer="/limits/users"
            )
    perms = orgs.clean_perms(data, current)
    orgs.set_member(store, org_id, user_id, perms)
    return orgs.render_member(user, perms)


@route("/organizations/<int:org_id>/users/<int:user_id>", ["DELETE"], apis=("client",))
def member_delete(org_id: int, user_id: int) -> Any:
    """Remove a member (the owner cannot be removed)."""
    _require(org_id, "can_edit_users")
    store = sim().store
    if orgs.get_org(store, org_id).get("owner_id") == user_id:
        raise ApiError(409, "The owner cannot leave the organization", "owner_cannot_leave")
    if not orgs.remove_member(store, org_id, user_id):
        raise not_found("Organization member")
    return {}


@route("/organizations/<int:org_id>/presets", ["PUT"])
def org_preset_add(org_id: int) -> Any:
    """Allow a preset in the org: body ``{"preset_id": n}``; returns the preset."""
    _org_presets_right(org_id)
    store = sim().store
    data = check_body(body(), "C:OrganizationPreset")
    preset_id = data.get("preset_id")
    if not isinstance(preset_id, int) or isinstance(preset_id, bool):
        raise ApiError(400, "preset_id is required", "invalid_value", pointer="/preset_id")
    preset = get_preset(store, preset_id)
    orgs.link_preset(store, org_id, preset_id)
    return render_preset(store, preset)


@route("/organizations/<int:org_id>/presets/<int:preset_id>", ["DELETE"])
def org_preset_remove(org_id: int, preset_id: int) -> Any:
    """Disallow a preset in the org (404 when it was not allowed)."""
    _org_presets_right(org_id)
    if not orgs.unlink_preset(sim().store, org_id, preset_id):
        raise not_found("Organization preset")
    return {}


def _org_presets_right(org_id: int) -> None:
    """Admin API: any administrator; client API: the owner."""
    if is_admin_api() and orgs.is_admin(caller()):
        orgs.get_org(sim().store, org_id)
        return
    _require(org_id, None)
