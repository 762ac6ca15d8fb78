"""Revocable sessions: a stolen session or remember cookie dies at logout, password change,
reset, disabling, role change and "sign out everywhere"."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.account.service import issue_link
from portal.extensions import db
from portal.models import User
from tests.factories import PASSWORD, login, make_admin, make_user

COOKIES = ("session", "remember_token")


def _signed_in(app: Flask, email: str = "sub@example.com") -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return client


def _steal(client: FlaskClient) -> dict[str, str]:
    stolen = {}
    for name in COOKIES:
        cookie = client.get_cookie(name, domain="portal.test")
        assert cookie is not None, name
        stolen[name] = cookie.value
    return stolen


def _replay(app: Flask, stolen: dict[str, str], only: str | None = None) -> int:
    thief = app.test_client()
    for name, value in stolen.items():
        if only is None or name == only:
            thief.set_cookie(name, value, domain="portal.test")
    return thief.get("/").status_code


@pytest.fixture()
def subscriber(app: Flask) -> int:
    with app.app_context():
        user = make_user("sub@example.com")
        make_admin("boss@example.com")
        db.session.commit()
        return user.id


def test_remember_cookie_alone_signs_in_before_anything_happens(app: Flask, subscriber: int) -> None:
    stolen = _steal(_signed_in(app))
    assert _replay(app, stolen, only="remember_token") == 200
    assert _replay(app, stolen, only="session") == 200


def test_remember_cookie_is_samesite_and_short_lived(app: Flask, subscriber: int) -> None:
    client = app.test_client()
    response = client.post("/login", data={"email": "sub@example.com", "password": PASSWORD, "remember": "y"})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "SameSite=Lax" in header and "HttpOnly" in header
    assert app.config["REMEMBER_COOKIE_DURATION"].days == 14


def _logout(app: Flask, client: FlaskClient, user_id: int) -> None:
    client.post("/logout")


def _change_password(app: Flask, client: FlaskClient, user_id: int) -> None:
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": "a brand new secret", "confirm": "a brand new secret"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # the session that changed it goes on


def _everywhere(app: Flask, client: FlaskClient, user_id: int) -> None:
    assert client.post("/account/sign-out-everywhere").status_code == 302
    assert client.get("/").status_code == 302


def _reset(app: Flask, client: FlaskClient, user_id: int) -> None:
    with app.app_context():
        link = issue_link(db.session.get(User, user_id), "reset")
        db.session.commit()
    path = link.split("portal.test", 1)[-1].replace("http://127.0.0.1:5000", "")
    other = app.test_client()
    assert other.post(path, data={"password": "a brand new secret", "confirm": "a brand new secret"}).status_code == 302


def _disable(app: Flask, client: FlaskClient, user_id: int) -> None:
    admin = app.test_client()
    assert login(admin, "boss@example.com").status_code == 302
    assert admin.post(f"/admin/users/{user_id}/enabled", data={"enabled": "0"}).status_code == 302
    assert admin.post(f"/admin/users/{user_id}/enabled", data={"enabled": "1"}).status_code == 302


def _role_change(app: Flask, client: FlaskClient, user_id: int) -> None:
    admin = app.test_client()
    assert login(admin, "boss@example.com").status_code == 302
    response = admin.post(
        f"/admin/users/{user_id}/edit", data={"email": "sub@example.com", "name": "", "role": "admin"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("event", [_logout, _change_password, _everywhere, _reset, _disable, _role_change])
@pytest.mark.parametrize("only", [None, "remember_token"])  # a live session alone shows in None
def test_stolen_cookies_die(app: Flask, subscriber: int, event: Callable[..., None], only: str | None) -> None:
    victim = _signed_in(app)
    stolen = _steal(victim)
    event(app, victim, subscriber)
    assert _replay(app, stolen, only=only) == 302


def test_new_login_after_logout_works(app: Flask, subscriber: int) -> None:
    client = _signed_in(app)
    client.post("/logout")
    assert login(client, "sub@example.com").status_code == 302
    assert client.get("/").status_code == 200


def test_reset_link_dies_when_the_password_changes(app: Flask, subscriber: int) -> None:
    with app.app_context():
        link = issue_link(db.session.get(User, subscriber), "reset")
        db.session.commit()
    path = link.replace("http://127.0.0.1:5000", "")
    client = _signed_in(app)
    _change_password(app, client, subscriber)
    response = app.test_client().get(path)
    assert response.status_code == 404
    assert b"invalid" in response.data


def test_forged_or_old_style_ids_are_refused(app: Flask, subscriber: int) -> None:
    from portal import load_session_user

    with app.app_context():
        assert load_session_user(f"{subscriber}:1") is not None
        for bad in (
            str(subscriber),
            f"{subscriber}:2",
            f"{subscriber}:",
            ":1",
            "x:1",
            "9" * 40 + ":1",
            "\u00b2:1",
            "2147483648:1",
            f"{subscriber}:\u0661",
            f"{subscriber}:1:1",
        ):
            assert load_session_user(bad) is None, bad
