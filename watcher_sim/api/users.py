"""User views (admin and client API): collection key ``users_list``."""

from __future__ import annotations

from typing import Any

from watcher_sim import users
from watcher_sim.api import args, body, caller, int_arg, route, sim
from watcher_sim.errors import forbidden, not_found
from watcher_sim.organizations import is_admin, members
from watcher_sim.paging import paginate
from watcher_sim.schema import check_query


def _admin_only() -> None:
    if not is_admin(caller()):
        raise forbidden("Only an administrator may change users")


@route("/users", ["GET"])
def users_list() -> Any:
    """List users; ``organization_id`` keeps members of that organization."""
    store = sim().store
    check_query(args(), "users")
    items = store.user_all()
    visible = users.visible_ids(store, caller())
    if visible is not None:
        items = [u for u in items if u["id"] in visible]
    org_id = int_arg("organization_id")
    if org_id is not None:
        member_ids = {uid for uid, _ in members(store, org_id)}
        items = [u for u in items if u["id"] in member_ids]
    rendered = [users.render_user(store, u) for u in items]
    return paginate(rendered, "users_list", args(), handled=("organization_id",))


@route("/users", ["POST"])
def user_create() -> Any:
    """Create a user (409 ``already_exists`` on a duplicate ``name``)."""
    _admin_only()
    store = sim().store
    user_id = users.save_user(store, body())
    return users.render_user(store, users.get_user(store, user_id))


@route("/users/<int:user_id>", ["GET"])
def user_get(user_id: int) -> Any:
    """Read one user."""
    store = sim().store
    visible = users.visible_ids(store, caller())
    if visible is not None and user_id not in visible:
        raise not_found("User")
    return users.render_user(store, users.get_user(store, user_id))


@route("/users/<int:user_id>", ["PUT"])
def user_save(user_id: int) -> Any:
    """Partially update a user (``password`` is write-only)."""
    _admin_only()
    store = sim().store
    users.save_user(store, body(), user_id)
    return users.render_user(store, users.get_user(store, user_id))


@route("/users/<int:user_id>", ["DELETE"])
def user_delete(user_id: int) -> Any:
    """Delete a user."""
    _admin_only()
    users.delete_user(sim().store, user_id, caller(), sim().admin_id)
    return {}
