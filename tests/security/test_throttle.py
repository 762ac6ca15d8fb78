"""Login throttling: growing delays per (account, address), a looser ceiling per address, no
lockout that a stranger can trigger, and a refused attempt keeps what was typed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.auth.throttle import FREE_FAILURES, MAX_DELAY, delay_for
from portal.extensions import db
from portal.models import AuditEvent
from tests.factories import PASSWORD, make_admin, make_user


def _post(client: FlaskClient, email: str, password: str, address: str) -> Any:
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


@pytest.fixture()
def accounts(app: Flask) -> None:
    with app.app_context():
        make_admin("boss@example.com")
        for n in range(6):
            make_user(f"user{n}@example.com")
        db.session.commit()


def test_delays_grow_and_are_capped() -> None:
    assert delay_for(FREE_FAILURES - 1) == timedelta(0)
    delays = [delay_for(n) for n in range(FREE_FAILURES, FREE_FAILURES + 12)]
    assert delays == sorted(delays) and delays[1] == 2 * delays[0] and delays[-1] == MAX_DELAY


def test_guessing_slows_down_the_pair_only(app: Flask, client: FlaskClient, accounts: None) -> None:
    for _ in range(FREE_FAILURES):
        assert _post(client, "boss@example.com", "guess", "203.0.113.9").status_code == 200
    refused = _post(client, "boss@example.com", PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Try again in" in page and 'value="boss@example.com"' in page
    # the real admin, elsewhere, is not locked out by the stranger
    assert _post(app.test_client(), "boss@example.com", PASSWORD, "198.51.100.7").status_code == 302
    # nor are other accounts from the stranger's address
    assert _post(app.test_client(), "user1@example.com", PASSWORD, "203.0.113.9").status_code == 302
    # once the delay has passed, the pair may try again
    with app.app_context():
        for event in db.session.scalars(select(AuditEvent)):
            event.created_at -= timedelta(minutes=10)
        db.session.commit()
    assert _post(client, "boss@example.com", PASSWORD, "203.0.113.9").status_code == 302


class TestPerAddressCeiling:
    @pytest.fixture()
    def app_config(self) -> dict[str, Any]:
        return {"LOGIN_RATE_LIMIT": "4 per minute"}

    def test_only_failures_count_and_the_form_is_kept(self, app: Flask, client: FlaskClient, accounts: None) -> None:
        for _ in range(6):  # an office behind one NAT signing in all day
            assert _post(app.test_client(), "user0@example.com", PASSWORD, "192.0.2.1").status_code == 302
        for n in range(4):
            assert _post(client, f"user{n}@example.com", "wrong", "192.0.2.1").status_code == 200
        refused = _post(client, "user5@example.com", PASSWORD, "192.0.2.1")
        assert refused.status_code == 429
        page = refused.get_data(as_text=True)
        assert "Too many attempts" in page and 'value="user5@example.com"' in page
        assert _post(client, "user5@example.com", PASSWORD, "192.0.2.2").status_code == 302
