"""Property-based fuzzing of every form: hostile values in every field never cause a server
error, and a request carrying a value that must be refused saves nothing.

Bounded for speed (FUZZ_EXAMPLES per form, 10 by default); raise it for a longer hunt:
``FUZZ_EXAMPLES=500 pytest tests/security/test_form_fuzz.py``.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.invoices.service import create_invoice
from tests.factories import add_member, login, make_admin, make_org, make_service, make_tariff, make_user
from tests.invoices.test_lifecycle import NOW, SEP
from tests.security.test_authorization_matrix import snapshot
from tests.usages.helpers import golden_september

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
NUMERIC = {
    "owner_id",
    "parent_id",
    "camera_limit",
    "user_limit",
    "archive_days",
    "archive_gb",
    "organization_id",
    "user_id",
    "services",
    "allowed_tariffs",
}
MULTILINE = {"billing_contact", "description", "note", "reason"}

HOSTILE = [
    "\x00",
    "a\x00b",
    "\x1b[2J",
    "x\x7f",
    "line\nbreak",
    "tab\there",
    "\r\n",
    "1_000",
    "\u0661\u0662",
    "\u00b2",
    "2147483648",
    "-2147483649",
    "99999999999999999999",
    "1e3",
    "0x10",
    "NaN",
    "-1",
    " 12 ",
    "A" * 5000,
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    '=HYPERLINK("x")',
    "\u202eevil",
    "\ufeff",
    "\U0001f600",
    "%00",
    "../../etc/passwd",
    "",
    " ",
    "None",
    "0",
    "12.50",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "Europe/Berlin",
    "EUR",
    "admin",
    "sum",
]
values = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=40), st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12)
)


def must_refuse(name: str, value: str) -> bool:
    """True when no form may accept ``value`` in field ``name``."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs") and not (name in MULTILINE and char in "\r\n\t"):
            return True
    if name in NUMERIC and value.strip() not in ("", "None"):
        stripped = value.strip()
        digits = stripped[1:] if stripped.startswith("-") else stripped
        if not (digits.isascii() and digits.isdigit()) or not -(2**31) <= int(stripped) < 2**31:
            return True
    return len(value) > 10_000


def _world(app: Flask) -> dict[str, int]:
    with app.app_context():
        make_admin("admin@example.com")
        owner = make_user("owner@example.com")
        tariff = make_tariff("Basic", price=900, services=[make_service("Archive")])
        org = make_org("Acme", owner=owner)
        add_member(owner, org, can_view_invoices=True)
        golden_september(org, tariff)
        invoice = create_invoice(org, SEP, NOW, issue=True)
        db.session.commit()
        return {"org": org.id, "owner": owner.id, "tariff": tariff.id, "invoice": invoice.id}


FORMS: dict[str, Callable[[dict[str, int]], tuple[str, list[str]]]] = {
    "organization": lambda w: (
        "/admin/organizations/new",
        [
            "title",
            "owner_id",
            "owner_email",
            "parent_id",
            "trial_start",
            "trial_end",
            "timezone",
            "currency",
            "camera_limit",
            "user_limit",
            "billing_contact",
            "allowed_tariffs",
        ],
    ),
    "organization_edit": lambda w: (
        f"/admin/organizations/{w['org']}/edit",
        ["title", "owner_id", "parent_id", "timezone", "currency", "camera_limit", "billing_contact"],
    ),
    "service": lambda w: (
        "/admin/services/new",
        ["name", "kind", "archive_days", "archive_gb", "analytics", "monthly_price", "currency", "description"],
    ),
    "tariff": lambda w: (
        "/admin/tariffs/new",
        ["name", "note", "services", "price_mode", "currency", "override_price", "effective_from"],
    ),
    "price": lambda w: (f"/admin/tariffs/{w['tariff']}/prices", ["amount", "effective_from"]),
    "user": lambda w: ("/admin/users/new", ["email", "name", "role"]),
    "membership": lambda w: (f"/admin/users/{w['owner']}/memberships", ["organization_id", "can_view_invoices"]),
    "member": lambda w: (f"/admin/organizations/{w['org']}/members", ["user_id", "can_edit_streams"]),
    "pay": lambda w: (f"/invoices/{w['invoice']}/pay", ["paid_on", "reference"]),
    "void": lambda w: (f"/invoices/{w['invoice']}/void", ["reason"]),
    "password": lambda w: ("/account/password", ["current", "password", "confirm"]),
    "forgot": lambda w: ("/account/forgot", ["email"]),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_form_fuzz(app: Flask, form: str) -> None:
    app.config["MAIL_SEND_AFTER_RESPONSE"] = False
    world = _world(app)
    client: FlaskClient = app.test_client()
    assert login(client, "admin@example.com").status_code == 302
    path, fields = FORMS[form](world)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({name: values for name in fields}))
    def probe(data: dict[str, Any]) -> None:
        with app.app_context():
            before = snapshot()
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, data)
        if any(must_refuse(name, value) for name, value in data.items()):
            with app.app_context():
                after = snapshot()
            # (a 302 is fine where the view flashes its errors and redirects, as pay and void do)
            assert after == before, (path, data, [t for t in after if after[t] != before[t]])

    probe()
    assert client.get("/").status_code == 200  # still signed in: nothing odd happened to the session
