"""Login, logout, roles, next-URL safety, CSRF, rate limiting and security headers."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AuditEvent
from tests.factories import PASSWORD, login, make_admin, make_user


def test_login_page_renders_with_security_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_require_login(client: FlaskClient) -> None:
    response = client.get("/admin/services/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_logs_in_and_out(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_admin("boss@example.com")
        db.session.commit()
    response = login(client, "BOSS@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    assert b"Dashboard" in client.get("/").data
    client.post("/logout")
    assert client.get("/").status_code == 302
    with app.app_context():
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent))]
    assert "auth.login" in actions


def test_wrong_password_is_refused_with_message(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_user("sub@example.com")
        db.session.commit()
    response = login(client, "sub@example.com", "wrong password")
    assert response.status_code == 200
    assert b"Wrong e-mail or password." in response.data
    assert b'value="sub@example.com"' in response.data
    assert client.get("/").status_code == 302


def test_disabled_user_cannot_log_in(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_user("off@example.com", is_enabled=False)
        db.session.commit()
    response = login(client, "off@example.com")
    assert b"This account is disabled." in response.data


def test_subscriber_is_refused_admin_pages(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_user("sub@example.com")
        db.session.commit()
    login(client, "sub@example.com")
    assert client.get("/admin/services/").status_code == 403


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/admin/services/", "/admin/services/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/admin/\r\nLocation: https://evil.example/", "/"),
        ("/admin/\nSet-Cookie: evil=1", "/"),
        ("/admin/\x00evil", "/"),
    ],
)
def test_next_accepts_only_local_paths(app: Flask, client: FlaskClient, target: str, expected: str) -> None:
    with app.app_context():
        make_admin("boss@example.com")
        db.session.commit()
    response = client.post("/login", data={"email": "boss@example.com", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.endswith(expected)
    assert "evil" not in location


class TestWithCsrf:
    @pytest.fixture()
    def app_config(self) -> dict[str, Any]:
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_csrf_token_is_refused(self, app: Flask, client: FlaskClient) -> None:
        with app.app_context():
            make_admin("boss@example.com")
            db.session.commit()
        response = client.post("/login", data={"email": "boss@example.com", "password": PASSWORD})
        assert response.status_code == 400
        assert b"CSRF" in response.data
        assert client.get("/").status_code == 302


class TestRateLimit:
    @pytest.fixture()
    def app_config(self) -> dict[str, Any]:
        return {"LOGIN_RATE_LIMIT": "3 per minute"}

    def test_login_attempts_are_rate_limited(self, app: Flask, client: FlaskClient) -> None:
        with app.app_context():
            make_user("sub@example.com")
            db.session.commit()
        for _ in range(3):
            assert login(client, "sub@example.com", "nope").status_code == 200
        response = login(client, "sub@example.com")
        assert response.status_code == 429
        assert b"Too many attempts" in response.data
        assert client.get("/login").status_code == 200
