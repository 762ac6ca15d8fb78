"""CRUD of users, organizations (members, presets) and presets, with their JSON shapes."""

from __future__ import annotations

from tests.watcher_sim.helpers import Api, assert_error
from watcher_sim.testing import SimHandle

PERMS = {"can_view_streams": True, "can_edit_streams": False, "can_edit_users": False, "can_view_stats": True}


def test_user_crud_and_write_only_password(watcher: SimHandle) -> None:
    admin = Api(watcher)
    created = admin.ok(
        "POST",
        "/users",
        json={
            "name": "ann@example.com",
            "password": "s3cret",
            "email": "ann@example.com",
            "fullname": "Ann",
            "phone": "+1",
            "locale": "de",
            "note": "n",
        },
    )
    assert "password" not in created and "password_hash" not in created
    assert created["access_level"] == "generic" and created["disabled"] is False
    assert isinstance(created["created_at"], int) and created["created_at"] > 10**12
    uid = created["id"]
    assert admin.ok("GET", f"/users/{uid}")["fullname"] == "Ann"
    listed = admin.ok("GET", "/users")
    assert "users_list" in listed and uid in [u["id"] for u in listed["users_list"]]
    assert all("password" not in u for u in listed["users_list"])
    updated = admin.ok("PUT", f"/users/{uid}", json={"password": "new-pw", "note": "m"})
    assert updated["note"] == "m" and updated["fullname"] == "Ann" and "password" not in updated
    Api(watcher, "client", "ann@example.com", "new-pw")  # new password works
    assert "s3cret" not in str(watcher.control("GET", "state"))
    assert admin.ok("DELETE", f"/users/{uid}") == {}
    assert_error(admin.call("GET", f"/users/{uid}"), 404, "not_found")


def test_user_duplicate_name_is_409_and_validation_is_400(watcher: SimHandle) -> None:
    admin = Api(watcher)
    admin.ok("POST", "/users", json={"name": "dup", "password": "x"})
    err = assert_error(admin.call("POST", "/users", json={"name": "dup"}), 409, "already_exists")
    assert err["source"]["pointer"] == "/name"
    other = admin.ok("POST", "/users", json={"name": "other"})
    assert_error(admin.call("PUT", f"/users/{other['id']}", json={"name": "dup"}), 409)
    assert_error(admin.call("POST", "/users", json={"password": "x"}), 400)
    assert_error(admin.call("POST", "/users", json={"name": "z", "access_level": "root"}), 400)
    assert_error(admin.call("POST", "/users", data="{not json", headers={"Content-Type": "application/json"}), 400)


def _org(watcher: SimHandle, title: str = "Acme") -> tuple[Api, int, int]:
    """An organization owned by ``owner-<title>`` whose members include the admin (full rights).

    That is how the portal sets organizations up (portal/sync/push.py): created with the admin
    as owner, then handed to the subscriber; the admin stays a member.
    """
    admin, client = Api(watcher), Api(watcher, "client")
    owner = admin.ok("POST", "/users", json={"name": f"owner-{title}", "password": "pw"})
    org = client.ok("POST", "/organizations", json={"title": title, "limits": {"streams": 5, "users": 3}})
    client.ok("PUT", f"/organizations/{org['id']}", json={"owner": {"id": owner["id"]}})
    return client, int(org["id"]), int(owner["id"])


def test_organization_crud_owner_and_shape(watcher: SimHandle) -> None:
    client, org_id, owner_id = _org(watcher)
    org = client.ok("GET", f"/organizations/{org_id}")
    assert org["owner"] == {"id": owner_id, "name": "owner-Acme"}
    assert org["limits"] == {"streams": 5, "users": 3}
    assert org["stats"] == {"streams": 0, "users": 2, "mosaics": 0}  # owner + admin
    assert set(org) >= {"id", "title", "created_at", "is_default", "user_permissions"}
    owner_view = Api(watcher, "client", "owner-Acme", "pw").ok("GET", f"/organizations/{org_id}")
    assert owner_view["user_permissions"]["can_edit_users"] is True
    saved = client.ok("PUT", f"/organizations/{org_id}", json={"title": "Acme 2"})
    assert saved["title"] == "Acme 2" and saved["owner"]["id"] == owner_id
    via_owner = client.ok("POST", "/organizations", json={"title": "B", "owner": {"id": owner_id}})
    assert via_owner["owner"]["id"] == owner_id
    # unpublished field: a 400 naming it
    err = assert_error(client.call("POST", "/organizations", json={"title": "D", "owner_id": owner_id}), 400)
    assert err["source"]["pointer"] == "/owner_id"
    assert_error(client.call("POST", "/organizations", json={"title": ""}), 400)
    assert_error(client.call("POST", "/organizations", json={"title": "C", "owner": {"id": 999}}), 422)
    assert client.ok("DELETE", f"/organizations/{org_id}") == {}
    assert_error(client.call("GET", f"/organizations/{org_id}"), 404)
    assert_error(Api(watcher).call("GET", "/organizations"), 404)  # client API only


def test_members_put_adds_updates_and_delete_removes(watcher: SimHandle) -> None:
    client, org_id, owner_id = _org(watcher)
    user = Api(watcher).ok("POST", "/users", json={"name": "member", "password": "pw"})
    saved = client.ok("PUT", f"/organizations/{org_id}/users/{user['id']}", json=PERMS)
    assert saved["id"] == user["id"] and saved["name"] == "member"
    assert saved["permissions"]["organization"] == {
        **PERMS,
        "can_view_persons_lists": False,
        "can_edit_persons_lists": False,
        "is_member": True,
    }
    listed = client.ok("GET", f"/organizations/{org_id}/users")
    admin_id = Api(watcher).ok("GET", "/users?limit=1")["users_list"][0]["id"]
    assert sorted(m["id"] for m in listed["users"]) == sorted([admin_id, owner_id, user["id"]])
    # the response shape (permissions.organization) is not the request model: 400
    assert_error(
        client.call(
            "PUT",
            f"/organizations/{org_id}/users/{user['id']}",
            json={"permissions": {"organization": {"can_edit_streams": True}}},
        ),
        400,
    )
    again = client.ok("PUT", f"/organizations/{org_id}/users/{user['id']}", json={"can_edit_streams": True})
    assert again["permissions"]["organization"]["can_edit_streams"] is True
    assert again["permissions"]["organization"]["can_view_stats"] is True
    in_user = Api(watcher).ok("GET", f"/users/{user['id']}")["organizations"]
    assert in_user[0]["id"] == org_id and in_user[0]["owner"]["id"] == owner_id
    filtered = Api(watcher).ok("GET", f"/users?organization_id={org_id}")["users_list"]
    assert {u["id"] for u in filtered} == {admin_id, owner_id, user["id"]}
    member = Api(watcher, "client", "member", "pw")
    assert_error(member.call("PUT", f"/organizations/{org_id}/users/{owner_id}", json={}), 403)
    assert client.ok("DELETE", f"/organizations/{org_id}/users/{user['id']}") == {}
    assert_error(client.call("GET", f"/organizations/{org_id}/users/{user['id']}"), 404)
    assert_error(client.call("DELETE", f"/organizations/{org_id}/users/{owner_id}"), 409)


def test_preset_crud_soft_delete_and_org_links(watcher: SimHandle) -> None:
    admin = Api(watcher)
    client, org_id, _ = _org(watcher)
    preset = admin.ok(
        "POST",
        "/presets",
        json={
            "title": "Gold",
            "dvr": {"expiration": 2592000, "episodes_expiration": 86400},
            "vision": {"alg": "faces"},
            "is_adjustable": False,
        },
    )
    pid = preset["id"]
    assert preset["dvr"] == {"expiration": 2592000, "episodes_expiration": 86400}
    assert preset["vision"] == {"alg": "faces"} and preset["deleted_at"] is None
    assert preset["stats"] == {"organizations_count": 0, "streams_count": 0}
    linked = admin.ok("PUT", f"/organizations/{org_id}/presets", json={"preset_id": pid})
    assert linked["id"] == pid and linked["stats"]["organizations_count"] == 1
    admin.ok("PUT", f"/organizations/{org_id}/presets", json={"preset_id": pid})  # idempotent
    allowed = admin.ok("GET", f"/presets?organization_id={org_id}")["presets"]
    assert [p["id"] for p in allowed] == [pid]
    assert admin.ok("PUT", f"/presets/{pid}", json={"title": "Gold+"})["dvr"]["expiration"] == 2592000
    deleted = admin.ok("PUT", f"/presets/{pid}", json={"deleted_at": 1700000000000})
    assert deleted["deleted_at"] == 1700000000000
    assert admin.ok("GET", f"/presets/{pid}")["title"] == "Gold+"
    assert_error(admin.call("DELETE", f"/presets/{pid}"), 405)
    assert_error(admin.call("POST", "/presets", json={"title": "x", "vision": {"alg": "cats"}}), 400)
    assert admin.ok("DELETE", f"/organizations/{org_id}/presets/{pid}") == {}
    assert admin.ok("GET", f"/presets?organization_id={org_id}")["presets"] == []
    assert_error(admin.call("DELETE", f"/organizations/{org_id}/presets/{pid}"), 404)
    assert_error(client.call("DELETE", f"/organizations/{org_id}/presets/{pid}"), 403)  # not owner
    assert_error(client.call("POST", "/presets", json={"title": "no"}), 405)


def test_client_presets_show_only_allowed_ones(watcher: SimHandle) -> None:
    admin = Api(watcher)
    client, org_id, _ = _org(watcher)
    allowed = admin.ok("POST", "/presets", json={"title": "Allowed"})
    admin.ok("POST", "/presets", json={"title": "Hidden"})
    default = admin.ok("POST", "/presets", json={"title": "Default", "is_default": True})
    admin.ok("PUT", f"/organizations/{org_id}/presets", json={"preset_id": allowed["id"]})
    owner = Api(watcher, "client", "owner-Acme", "pw")
    seen = {p["title"] for p in owner.ok("GET", "/presets")["presets"]}
    assert seen == {"Allowed", "Default"}
    assert owner.ok("GET", f"/presets/{default['id']}")["is_default"] is True
