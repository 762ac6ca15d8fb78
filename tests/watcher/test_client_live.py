"""Every WatcherClient method against the Watcher-compatible server over real HTTP.

Uses the ``watcher`` fixture (tests/watcher/conftest.py): a simulator on 127.0.0.1, reset
before each test, with fault injection (error / hang / drop) and a settable token TTL.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
import requests

from portal.watcher import (
    OrganizationSpec,
    PresetSpec,
    UserSpec,
    WatcherAuthError,
    WatcherClient,
    WatcherConflict,
    WatcherNotFound,
    WatcherUnavailable,
    WatcherValidationError,
)

ADMIN_USERS = "/watcher/admin-api/v3/users"


class RecordingSession(requests.Session):
    """A real session that remembers (method, path, Authorization scheme) of each call."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, str]] = []

    def request(self, method: str, url: str, *args: Any, **kw: Any) -> requests.Response:  # type: ignore[override]
        auth = (kw.get("headers") or {}).get("Authorization", "")
        scheme = "basic" if kw.get("auth") else auth.split(" ")[0].lower()
        self.seen.append((method, url.split("/v3", 1)[-1], scheme))
        return super().request(method, url, *args, **kw)


def make_client(watcher: Any, login: str | None = None, password: str | None = None, **kw: Any) -> WatcherClient:
    kw.setdefault("timeout", 30.0)  # generous: a busy machine must not turn into a failure
    kw.setdefault("retries", 2)
    kw.setdefault("backoff", 0.01)
    return WatcherClient(watcher.url, login or watcher.admin_login, password or watcher.admin_password, **kw)


@pytest.fixture
def client(watcher: Any) -> WatcherClient:
    return make_client(watcher, session=RecordingSession())


@pytest.fixture
def world(client: WatcherClient) -> dict[str, Any]:
    """An owner, an organization with limits and a non-adjustable preset allowed in it."""
    owner = client.create_user(UserSpec(name="owner1", password="Owner-pass-1", email="o@example.com"))
    # as the portal does it: the admin creates and owns it, stays a full member, hands it over
    org = client.create_organization(OrganizationSpec(title="Acme", stream_limit=5, user_limit=3))
    org = client.update_organization(org.id, OrganizationSpec(owner_id=owner.id))
    preset = client.create_preset(
        PresetSpec(
            title="Basic 7d",
            expiration=7 * 86400,
            episodes_expiration=86400,
            storage_limit=10**10,
            vision_alg="plates",
            is_adjustable=False,
        )
    )
    client.allow_preset(org.id, preset.id)
    return {"owner": owner, "org": org, "preset": preset}


# ------------------------------------------------------------------ users
def test_user_crud_and_write_only_password(client: WatcherClient, watcher: Any) -> None:
    user = client.create_user(
        UserSpec(
            name="alice",
            password="Alice-pass-1",
            email="a@example.com",
            fullname="Alice A",
            access_level="generic",
            disabled=False,
        )
    )
    assert (user.name, user.email, user.fullname, user.access_level, user.disabled) == (
        "alice",
        "a@example.com",
        "Alice A",
        "generic",
        False,
    )
    assert user.created_at and user.created_at > 1_600_000_000_000
    assert client.get_user(user.id) == user
    updated = client.update_user(user.id, UserSpec(fullname="Alice B", password="Alice-pass-2"))
    assert updated.fullname == "Alice B" and updated.email == "a@example.com"
    make_client(watcher, "alice", "Alice-pass-2", api="client").login_now()
    with pytest.raises(WatcherAuthError):
        make_client(watcher, "alice", "Alice-pass-1", api="client").login_now()
    client.delete_user(user.id)
    with pytest.raises(WatcherNotFound):
        client.get_user(user.id)


def test_find_user_by_login_is_exact(client: WatcherClient) -> None:
    for name in ("bob", "bob2", "Bobby"):
        client.create_user(UserSpec(name=name, password="x-Passw0rd"))
    found = client.find_user_by_login("bob")
    assert found is not None and found.name == "bob"
    assert client.find_user_by_login("bo") is None


def test_users_paging_and_organization_filter(client: WatcherClient, world: dict[str, Any]) -> None:
    for i in range(5):
        client.create_user(UserSpec(name=f"user{i}", password="x-Passw0rd"))
    page = client.list_users(limit=2)
    assert len(page.items) == 2 and page.next and page.estimated_count == 7  # admin + owner + 5
    names = [u.name for u in client.iter_users(limit=2)]
    assert len(names) == len(set(names)) == 7
    session = client.session
    assert isinstance(session, RecordingSession)
    assert sum(1 for m, p, _ in session.seen if (m, p) == ("GET", "/users")) >= 1 + 4
    members = list(client.iter_users(organization_id=world["org"].id))
    assert [u.name for u in members] == ["admin", "owner1"]  # the admin stays a member
    (membership,) = members[1].organizations
    assert membership.id == world["org"].id and membership.permissions.can_edit_users


# ------------------------------------------------------------------ organizations
def test_organization_crud_and_iteration(client: WatcherClient, world: dict[str, Any]) -> None:
    org = world["org"]
    assert (org.title, org.owner_id, org.owner_name, org.stream_limit, org.user_limit) == (
        "Acme",
        world["owner"].id,
        "owner1",
        5,
        3,
    )
    assert client.get_organization(org.id) == org
    changed = client.update_organization(org.id, OrganizationSpec(title="Acme Ltd", stream_limit=10))
    assert (changed.title, changed.stream_limit, changed.user_limit) == ("Acme Ltd", 10, 3)
    for i in range(4):
        client.create_organization(OrganizationSpec(title=f"Org {i}"))
    titles = [o.title for o in client.iter_organizations(limit=2)]
    assert "Acme Ltd" in titles and len(titles) == len(set(titles)) >= 5
    client.delete_organization(org.id)
    with pytest.raises(WatcherNotFound):
        client.get_organization(org.id)


def test_members(client: WatcherClient, world: dict[str, Any]) -> None:
    org = world["org"]
    carol = client.create_user(UserSpec(name="carol", password="Carol-pass-1"))
    member = client.put_org_member(org.id, carol.id, can_view_streams=True, can_view_stats=True)
    assert (member.id, member.name, member.can_view_streams, member.can_view_stats) == (carol.id, "carol", True, True)
    assert not member.can_edit_streams and not member.can_edit_users and member.is_member
    member = client.put_org_member(org.id, carol.id, can_view_streams=True, can_edit_streams=True)
    assert member.can_edit_streams and not member.can_view_stats
    assert client.get_org_member(org.id, carol.id) == member
    assert {m.name for m in client.list_org_members(org.id, limit=1)} == {"admin", "owner1", "carol"}
    client.delete_org_member(org.id, carol.id)
    with pytest.raises(WatcherNotFound):
        client.get_org_member(org.id, carol.id)


# ------------------------------------------------------------------ presets
def test_presets(client: WatcherClient, world: dict[str, Any]) -> None:
    preset, org = world["preset"], world["org"]
    assert (preset.title, preset.expiration, preset.episodes_expiration, preset.storage_limit) == (
        "Basic 7d",
        604800,
        86400,
        10**10,
    )
    assert (preset.vision_alg, preset.is_adjustable, preset.is_default, preset.deleted_at) == (
        "plates",
        False,
        False,
        None,
    )
    assert client.get_preset(preset.id) == preset
    changed = client.update_preset(preset.id, PresetSpec(expiration=30 * 86400, vision_alg="faces", is_default=True))
    assert (changed.expiration, changed.vision_alg, changed.is_default, changed.title) == (
        2592000,
        "faces",
        True,
        "Basic 7d",
    )
    other = client.create_preset(PresetSpec(title="Other"))
    # per-organization lists hold the default presets too (available in every organization)
    assert [p.id for p in client.list_presets(organization_id=org.id).items] == [preset.id]
    client.update_preset(preset.id, PresetSpec(is_default=False))
    assert {preset.id, other.id} <= {p.id for p in client.iter_presets(limit=1)}
    client.disallow_preset(org.id, preset.id)
    assert client.list_presets(organization_id=org.id).items == ()
    allowed = client.allow_preset(org.id, other.id)
    assert allowed is not None and allowed.id == other.id


# ------------------------------------------------------------------ streams
def test_streams(client: WatcherClient, watcher: Any, world: dict[str, Any]) -> None:
    org, preset = world["org"], world["preset"]
    for i in range(5):
        watcher.add_stream(f"cam{i}", org.id, preset.id, title=f"Camera {i}", created_at=1_700_000_000_000 + i)
    watcher.update_stream("cam3", disabled=True, at=1_700_000_100_000)
    page = client.list_streams(select="preset.id,organization.id,created_at", limit=2)
    assert [s.name for s in page.items] == ["cam0", "cam1"] and page.next
    assert page.items[0].title is None  # not selected
    assert (page.items[0].preset_id, page.items[0].organization_id) == (preset.id, org.id)
    streams = list(client.iter_streams(limit=2))
    assert [s.name for s in streams] == [f"cam{i}" for i in range(5)]
    cam3 = client.get_stream("cam3")
    assert cam3.disabled and cam3.title == "Camera 3" and cam3.created_at == 1_700_000_000_003
    assert cam3.preset_title == "Basic 7d" and cam3.organization_title == "Acme"
    assert cam3.last_change_at == 1_700_000_100_000
    assert [s.name for s in client.iter_streams(select=["title", "disabled"]) if s.disabled] == ["cam3"]
    with pytest.raises(WatcherNotFound):
        client.get_stream("nope")


# ------------------------------------------------------------------ tokens
class Clock:
    """A clock a test moves by hand (the client's idea of now; Watcher keeps real time)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def wait_until_rejected(watcher: Any, access_token: str, deadline: float = 30.0) -> None:
    """Poll Watcher until it refuses ``access_token`` as expired (a short TTL runs out)."""
    give_up = time.monotonic() + deadline
    while True:
        resp = requests.get(
            watcher.url + ADMIN_USERS + "/1", timeout=30, headers={"Authorization": "Bearer " + access_token}
        )
        if resp.status_code == 401:
            return
        assert resp.status_code == 200 and time.monotonic() < give_up, "the token never expired"
        time.sleep(0.05)


def test_token_refreshed_ahead_of_expiry(watcher: Any) -> None:
    clock = Clock()
    client = make_client(watcher, session=RecordingSession(), clock=clock)
    client.get_user(1)
    clock.now += 3600  # Watcher's token lives an hour: the client now refreshes ahead of exp
    client.get_user(1)
    seen = client.session.seen  # type: ignore[attr-defined]
    assert ("POST", "/login", "bearer") in seen  # refreshed with the refresh token, ahead of exp
    assert [c for c in seen if c[1] == "/users/1"] == [("GET", "/users/1", "bearer")] * 2  # no 401 round


def test_token_refreshed_on_401(watcher: Any, client: WatcherClient) -> None:
    watcher.set_config(token_ttl=1)
    client.get_user(1)
    client._tokens["admin"]._refresh_at = None  # pretend we could not read exp
    tokens = client._tokens["admin"].tokens
    assert tokens is not None
    wait_until_rejected(watcher, tokens.access_token)
    watcher.set_config(token_ttl=3600)  # the refreshed token must outlive this test on a busy machine
    assert client.session.seen[0] == ("POST", "/login", "basic")  # type: ignore[attr-defined]
    client.session.seen.clear()  # type: ignore[attr-defined]
    assert client.get_user(1).id == 1
    calls = [(m, p, s) for m, p, s in client.session.seen]  # type: ignore[attr-defined]
    assert calls == [("GET", "/users/1", "bearer"), ("POST", "/login", "bearer"), ("GET", "/users/1", "bearer")]


# ------------------------------------------------------------------ error mapping
def test_error_mapping(client: WatcherClient, watcher: Any, world: dict[str, Any]) -> None:
    with pytest.raises(WatcherNotFound) as nf:
        client.get_user(9999)
    assert nf.value.status == 404 and nf.value.path == ADMIN_USERS + "/9999" and nf.value.method == "GET"
    with pytest.raises(WatcherConflict) as dup:
        client.create_user(UserSpec(name="owner1", password="x-Passw0rd"))
    assert dup.value.status == 409 and dup.value.source == "/name" and "already exists" in str(dup.value)
    with pytest.raises(WatcherValidationError) as bad:
        client.create_user(UserSpec(name="zed", access_level="root"))
    assert bad.value.status == 400 and bad.value.source == "/access_level"
    assert str(bad.value).startswith("Watcher refused: access_level must be")
    with pytest.raises(WatcherValidationError) as unproc:
        client.create_organization(OrganizationSpec(title="Ghost", owner_id=424242))
    assert unproc.value.status == 422 and unproc.value.source == "/owner/id"


def test_auth_errors(client: WatcherClient, watcher: Any) -> None:
    with pytest.raises(WatcherAuthError) as wrong:
        make_client(watcher, password="wrong").get_user(1)
    assert wrong.value.status == 401
    client.create_user(UserSpec(name="plain", password="Plain-pass-1"))
    plain_admin = make_client(watcher, "plain", "Plain-pass-1")
    with pytest.raises(WatcherAuthError) as forbidden:
        plain_admin.get_user(1)
    assert forbidden.value.status == 403
    plain_client = make_client(watcher, "plain", "Plain-pass-1", api="client")
    with pytest.raises(WatcherAuthError) as denied:
        plain_client.create_organization(OrganizationSpec(title="Mine"))
    assert denied.value.status == 403


# ------------------------------------------------------------------ retries and faults
def test_get_retried_on_503_then_succeeds(client: WatcherClient, watcher: Any) -> None:
    client.get_user(1)
    watcher.fault("error", count=2, status=503, path=ADMIN_USERS, method="GET")
    assert client.get_user(1).id == 1


def test_get_gives_up_after_retries(client: WatcherClient, watcher: Any) -> None:
    client.get_user(1)
    watcher.fault("error", count=3, status=502, path=ADMIN_USERS, method="GET")
    with pytest.raises(WatcherUnavailable) as info:
        client.get_user(1)
    assert info.value.status == 502 and not info.value.maybe_applied


def test_put_retried_after_dropped_response(client: WatcherClient, watcher: Any, world: dict[str, Any]) -> None:
    owner = world["owner"]
    watcher.fault("drop", path=f"{ADMIN_USERS}/{owner.id}", method="PUT")
    assert client.update_user(owner.id, UserSpec(note="hello")).note == "hello"


def test_post_503_is_not_retried(client: WatcherClient, watcher: Any) -> None:
    client.get_user(1)
    watcher.fault("error", count=1, status=503, path=ADMIN_USERS, method="POST")
    with pytest.raises(WatcherUnavailable) as info:
        client.create_user(UserSpec(name="dave", password="Dave-pass-1"))
    assert info.value.maybe_applied and info.value.status == 503
    assert client.find_user_by_login("dave") is None  # the caller looks up before re-creating
    assert client.create_user(UserSpec(name="dave", password="Dave-pass-1")).name == "dave"


def test_post_dropped_response_created_exactly_once(client: WatcherClient, watcher: Any) -> None:
    client.get_user(1)
    watcher.fault("drop", path=ADMIN_USERS, method="POST")
    with pytest.raises(WatcherUnavailable) as info:
        client.create_user(UserSpec(name="erin", password="Erin-pass-1"))
    assert info.value.maybe_applied and info.value.status is None
    assert [u.name for u in client.iter_users() if u.name == "erin"] == ["erin"]
    posts = [c for c in client.session.seen if c[:2] == ("POST", "/users")]  # type: ignore[attr-defined]
    assert len(posts) == 1


def test_timeout_then_retry(watcher: Any) -> None:
    quick = make_client(watcher, timeout=1.0, retries=0)
    quick.get_user(1)
    watcher.fault("hang", delay=8, path=ADMIN_USERS, method="GET")
    started = time.monotonic()
    with pytest.raises(WatcherUnavailable, match="timeout") as info:
        quick.get_user(1)
    assert time.monotonic() - started < 8 and not info.value.maybe_applied
    retrying = make_client(watcher, timeout=2.0, retries=1)
    watcher.fault("hang", delay=8, path=ADMIN_USERS, method="GET")
    assert retrying.get_user(1).id == 1  # the first try times out, the retry is answered


def test_post_timeout_may_have_applied(watcher: Any) -> None:
    quick = make_client(watcher, timeout=1.0)
    quick.get_user(1)
    watcher.fault("hang", delay=2, path=ADMIN_USERS, method="POST")
    with pytest.raises(WatcherUnavailable) as info:
        quick.create_user(UserSpec(name="frank", password="Frank-pass-1"))
    assert info.value.maybe_applied
    patient = make_client(watcher)
    give_up = time.monotonic() + 30
    while patient.find_user_by_login("frank") is None:  # the hung request goes on and creates frank
        assert time.monotonic() < give_up, "the timed-out create never happened"
        time.sleep(0.05)


def test_server_down_is_unavailable() -> None:
    with socket_closed_port() as port:
        down = WatcherClient(f"http://127.0.0.1:{port}", "a", "b", timeout=0.5, retries=1, backoff=0.01)
        with pytest.raises(WatcherUnavailable, match="connection error") as info:
            down.create_user(UserSpec(name="x"))
    assert not info.value.maybe_applied  # refused: never reached Watcher


def socket_closed_port() -> Any:
    import contextlib
    import socket

    @contextlib.contextmanager
    def port() -> Any:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        number = sock.getsockname()[1]
        sock.close()
        yield number

    return port()


# ------------------------------------------------------------------ logging
def test_logs_carry_no_secrets(watcher: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    session = RecordingSession()
    tokens: list[str] = []
    original = session.request

    def spy(method: str, url: str, *args: Any, **kw: Any) -> requests.Response:
        resp = original(method, url, *args, **kw)
        if url.endswith("/login") and resp.ok:
            tokens.extend(resp.json().values())
        return resp

    session.request = spy  # type: ignore[method-assign]
    clock = Clock()
    client = make_client(watcher, session=session, clock=clock)
    client.create_user(UserSpec(name="gina", password="Gina-Secret-Pass-9"))
    clock.now += 3600  # the token is due: the next call refreshes it first
    client.find_user_by_login("gina")
    with pytest.raises(WatcherConflict):
        client.create_user(UserSpec(name="gina", password="Gina-Secret-Pass-9"))
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("portal.watcher"))
    assert len(tokens) >= 4 and "watcher POST /watcher/admin-api/v3/users -> 409" in ours
    for secret in ["Gina-Secret-Pass-9", *tokens]:
        assert secret not in caplog.text  # nobody's log, urllib3's included
    assert "Authorization" not in ours and "Bearer" not in ours and "?" not in ours


def test_post_retried_after_429_creates_once(client: WatcherClient, watcher: Any) -> None:
    client.get_user(1)
    watcher.fault("error", count=1, status=429, path=ADMIN_USERS, method="POST")
    assert client.create_user(UserSpec(name="hank", password="Hank-pass-1")).name == "hank"
    assert [u.name for u in client.iter_users() if u.name == "hank"] == ["hank"]
