"""One login in both systems: activation and reset by e-mail, password changes, external authentication."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.account.service import send_link
from portal.extensions import db
from portal.models import AccountToken, AuditEvent, OutboxItem, User
from portal.watcher import WatcherAuthError, WatcherClient
from tests.factories import PASSWORD, add_member, login, make_org, make_user
from tests.live import serve
from tests.mailbox import Mailbox, mailbox  # noqa: F401
from watcher_sim.testing import SimHandle

SECRET = "ext-auth-shared-secret-for-tests"


@pytest.fixture()
def app_config(watcher: SimHandle, mailbox: Mailbox) -> dict[str, Any]:  # noqa: F811
    return {
        "WATCHER_URL": watcher.url,
        "WATCHER_LOGIN": watcher.admin_login,
        "WATCHER_PASSWORD": watcher.admin_password,
        "WATCHER_TIMEOUT": 30,
        "WATCHER_QUICK_TIMEOUT": 15,
        "WATCHER_RETRIES": 1,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "PUBLIC_URL": "http://portal.test",
        "EXTERNAL_AUTH_SECRET": SECRET,
        "EXTERNAL_AUTH_FALLBACK_DELAY": 0.6,
    }


def can_login_to_watcher(watcher: SimHandle, login_name: str, password: str) -> bool:
    client = WatcherClient(watcher.url, login_name, password, api="client", timeout=30, retries=0)
    try:
        client.login_now("client")
    except WatcherAuthError:
        return False
    return True


def _subscriber(app: Flask) -> int:
    with app.app_context():
        user = make_user("sam@acme.example", password=PASSWORD)
        user.password_hash = None
        add_member(user, make_org("Acme", owner=user), can_view_streams=True)
        db.session.commit()
        return user.id


def _link(mailbox: Mailbox, address: str) -> str:  # noqa: F811
    match = re.search(r"http://portal\.test(/account/\S+)", Mailbox.body(mailbox.last_to(address)))
    assert match, "no link in the e-mail"
    return match.group(1)


def test_activation_link_sets_the_same_password_in_watcher(
    app: Flask, client: FlaskClient, watcher: SimHandle, mailbox: Mailbox
) -> None:  # noqa: F811
    user_id = _subscriber(app)
    with app.app_context(), app.test_request_context():
        send_link(db.session.get(User, user_id), "activate")
        db.session.commit()  # the test is the unit of work here
        stored = db.session.scalar(select(AccountToken))
    path = _link(mailbox, "sam@acme.example")
    token = path.rsplit("/", 1)[1]
    assert stored.token_hash != token and len(stored.token_hash) == 64  # only a hash is stored

    bad = client.post(path, data={"password": "short", "confirm": "short"})
    assert "Use at least 10 characters." in bad.get_data(as_text=True)
    response = client.post(path, data={"password": "first-password-1", "confirm": "first-password-1"})
    assert response.status_code == 302
    assert can_login_to_watcher(watcher, "sam@acme.example", "first-password-1")
    with app.app_context():
        assert db.session.scalar(select(OutboxItem.secret).order_by(OutboxItem.id.desc()).limit(1)) is None

    again = client.post(path, data={"password": "other-password-2", "confirm": "other-password-2"})
    assert again.status_code == 404 and "already used" in again.get_data(as_text=True)


def test_expired_link_is_refused(app: Flask, client: FlaskClient, mailbox: Mailbox) -> None:  # noqa: F811
    user_id = _subscriber(app)
    with app.app_context(), app.test_request_context():
        send_link(db.session.get(User, user_id), "reset")
        db.session.commit()  # the test is the unit of work here
        row = db.session.scalar(select(AccountToken))
        row.expires_at = row.created_at
        db.session.commit()
    response = client.get(_link(mailbox, "sam@acme.example"))
    assert response.status_code == 404 and "expired" in response.get_data(as_text=True)


def test_password_change_propagates_and_old_one_stops_working(
    app: Flask, client: FlaskClient, watcher: SimHandle, mailbox: Mailbox
) -> None:  # noqa: F811
    _subscriber(app)
    client.post("/account/forgot", data={"email": "SAM@acme.example"})
    path = _link(mailbox, "sam@acme.example")
    client.post(path, data={"password": "old-password-11", "confirm": "old-password-11"})
    assert can_login_to_watcher(watcher, "sam@acme.example", "old-password-11")
    wrong = client.post(
        "/account/password", data={"current": "nope", "password": "new-password-22", "confirm": "new-password-22"}
    )
    assert "The current password is wrong." in wrong.get_data(as_text=True)
    client.post(
        "/account/password",
        data={"current": "old-password-11", "password": "new-password-22", "confirm": "new-password-22"},
    )
    assert can_login_to_watcher(watcher, "sam@acme.example", "new-password-22")
    assert not can_login_to_watcher(watcher, "sam@acme.example", "old-password-11")
    client.post("/logout")
    assert login(client, "sam@acme.example", "new-password-22").status_code == 302


def test_forgot_answers_the_same_for_unknown_addresses(client: FlaskClient, mailbox: Mailbox) -> None:  # noqa: F811
    response = client.post("/account/forgot", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert "If the address belongs to an account" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_external_auth_contract(app: Flask, client: FlaskClient, watcher: SimHandle) -> None:
    """Each row of the table in portal.extauth.policy: only a decline for a wrong password."""
    with app.app_context():
        ext = make_user("ext@acme.example", password="ext-password-1")
        off = make_user("off@acme.example", password="ext-password-1", is_enabled=False)
        org = make_org("Ext Co", owner=ext)
        add_member(ext, org, can_view_streams=True)
        add_member(off, org, can_view_streams=True)
        make_user("lonely@acme.example", password="ext-password-1")  # no organization
        make_user("boss@billing.example", password="ext-password-1", role="admin")
        db.session.commit()
    url = f"/watcher/auth/{SECRET}"

    def status(login_name: str, password: str = "ext-password-1") -> int:
        return client.get(url, query_string={"login": login_name, "password": password}).status_code

    assert status("ext@acme.example") == 200
    assert status("EXT@acme.example", "wrong") == 403
    # Watcher decides by itself (late 503 = "backend out of reach"): never a decline that resets
    # the password Watcher holds.
    assert status("who@acme.example", "x") == 503  # not managed by the portal (Watcher admin, ...)
    assert status(watcher.admin_login, "x") == 503  # the portal's own service account
    assert status("off@acme.example") == 503  # disabled: refused by Watcher itself
    assert status("off@acme.example", "wrong") == 503
    assert status("lonely@acme.example") == 503  # no organization (issue #13 item 5)
    assert status("boss@billing.example") == 503  # billing staff are not Watcher users
    assert status("") == 503
    assert (
        client.get(
            "/watcher/auth/wrong-secret", query_string={"login": "ext@acme.example", "password": "ext-password-1"}
        ).status_code
        == 401
    )
    assert client.post(url, data={"login": "ext@acme.example", "password": "ext-password-1"}).status_code == 200
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "watcher.external_auth").order_by(AuditEvent.id)
        ).all()
        assert [e.summary.split(":")[0] for e in events] == [
            "allow",
            "decline",
            "fallback",
            "fallback",
            "fallback",
            "fallback",
            "fallback",
            "fallback",
            "fallback",
            "allow",
        ]
        assert all("ext-password-1" not in (e.summary + str(e.after)) for e in events)


def test_fallback_answer_comes_after_watchers_two_seconds(app: Flask, client: FlaskClient) -> None:
    """The documented fallback is "no answer within 2 s": the default delay is past it."""
    from portal.config import load_config

    assert load_config({})["EXTERNAL_AUTH_FALLBACK_DELAY"] > 2.0
    started = time.monotonic()
    assert client.get(f"/watcher/auth/{SECRET}", query_string={"login": "x@y.z", "password": "p"}).status_code == 503
    assert time.monotonic() - started >= 0.6  # this test app's configured delay


def test_failing_check_is_never_a_decline(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr("portal.extauth.views.authenticate", broken)
    assert client.get(f"/watcher/auth/{SECRET}", query_string={"login": "a@b.c", "password": "x"}).status_code == 503


class TestExternalAuthRateLimit:
    @pytest.fixture()
    def app_config(self, watcher: SimHandle) -> dict[str, Any]:  # noqa: F811
        return {
            "EXTERNAL_AUTH_SECRET": SECRET,
            "EXTERNAL_AUTH_RATE_LIMIT": "3 per minute",
            "EXTERNAL_AUTH_FALLBACK_DELAY": 0,
        }

    def test_rate_limited_is_not_a_decline(self, client: FlaskClient) -> None:
        for _ in range(3):
            client.get(f"/watcher/auth/{SECRET}", query_string={"login": "a@b.c", "password": "x"})
        assert (
            client.get(f"/watcher/auth/{SECRET}", query_string={"login": "a@b.c", "password": "x"}).status_code == 503
        )


@pytest.fixture()
def live_portal(app: Flask) -> Iterator[str]:
    """The portal served over real HTTP on 127.0.0.1, so Watcher can call its external-auth URL."""
    with serve(app) as url:
        yield url


def test_watcher_asks_the_portal_to_check_passwords(app: Flask, watcher: SimHandle, live_portal: str) -> None:
    """End to end: Watcher's external authentication calls the portal over HTTP."""
    with app.app_context():
        user = make_user("both@acme.example", password="portal-pass-123")
        add_member(user, make_org("Both Co", owner=user), can_view_streams=True)
        from portal.sync import outbox

        outbox.enqueue(user)
        db.session.commit()
        assert outbox.dispatch().delivered == 1  # the user exists in Watcher, with a random password
    assert not can_login_to_watcher(watcher, "both@acme.example", "portal-pass-123")
    watcher.set_config(external_auth_url=f"{live_portal}/watcher/auth/{SECRET}")
    assert requests.get(f"{live_portal}/login", timeout=30).status_code == 200
    assert can_login_to_watcher(watcher, "both@acme.example", "portal-pass-123")
    assert not can_login_to_watcher(watcher, "both@acme.example", "wrong-password")


def test_watcher_decides_for_logins_the_portal_does_not_manage(
    app: Flask, watcher: SimHandle, live_portal: str
) -> None:
    """Watcher's own admin (also the portal's service account here) and a disabled subscriber:
    the portal's late answer makes Watcher use its own store, so no password is ever wiped."""
    with app.app_context():
        user = make_user("dora@acme.example", password="dora-pass-123")
        add_member(user, make_org("Dora Co", owner=user), can_view_streams=True)
        from portal.sync import outbox

        outbox.enqueue(user, password="dora-pass-123")
        db.session.commit()
        assert outbox.dispatch().failed == 0
        user_id = user.id
    watcher.set_config(external_auth_url=f"{live_portal}/watcher/auth/{SECRET}", external_auth_timeout=0.3)
    assert can_login_to_watcher(watcher, watcher.admin_login, watcher.admin_password)
    assert can_login_to_watcher(watcher, "dora@acme.example", "dora-pass-123")
    with app.app_context():
        from portal.sync import outbox

        user = db.session.get(User, user_id)
        user.is_enabled = False
        outbox.enqueue(user)
        db.session.commit()
        assert outbox.dispatch().failed == 0
    assert not can_login_to_watcher(watcher, "dora@acme.example", "dora-pass-123")  # Watcher refuses itself
    with app.app_context():
        from portal.sync import outbox

        user = db.session.get(User, user_id)
        user.is_enabled = True
        outbox.enqueue(user)
        db.session.commit()
        assert outbox.dispatch().failed == 0
    watcher.set_config(external_auth_url=None)  # Watcher's own store still holds the same password
    assert can_login_to_watcher(watcher, "dora@acme.example", "dora-pass-123")
    assert can_login_to_watcher(watcher, watcher.admin_login, watcher.admin_password)
