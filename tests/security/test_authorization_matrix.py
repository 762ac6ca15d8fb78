"""The authorization matrix, built from ``app.url_map``: every route x seven identities, GET and
POST with a valid CSRF token; what is refused changes nothing in the database.

Identities: anonymous; the owner of A (A has a subsidiary A-sub); the owner of B; the owner of
A-sub (must not see its parent A); a member of A without "view invoices"; the billing admin; the
accountant (read-only finance: sees every organization's money, changes nothing but payments and
credit notes).
Expectations are written out here (not derived from the portal's own scoping code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from werkzeug.routing import Rule

from portal.credit_notes.service import create_credit_note
from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Base, Invoice, OutboxItem, utcnow
from portal.payments.service import record_payment
from portal.terms.service import add_individual_price, add_tax_rate, save_operator, save_tax
from tests.factories import PASSWORD, add_member, make_admin, make_org, make_service, make_tariff, make_user
from tests.invoices.test_lifecycle import NOW, SEP
from tests.terms.helpers import OPERATOR, tiny_png
from tests.usages.helpers import golden_september

PUBLIC = {
    "auth.login",
    "account.forgot",
    "account.activate",
    "account.reset",
    "extauth.check",
    "static",
    "bootstrap.static",
    "favicon",
}
ANY_USER = {"dashboard.index", "invoices.index", "account.change_password", "account.language", "terms.logo"}
#: Ending the session: checked last, and in tests/security/test_sessions.py.
SESSION_ENDERS = {"auth.logout", "account.sign_out_everywhere"}
ORG_VISIBLE = {"dashboard.organization"}
ORG_BILLING = {"usages.show", "usages.csv", "statements.show", "statements.csv", "statements.pdf"}
INVOICE_BILLING = {
    "invoices.detail",
    "invoices.printable",
    "invoices.pdf",
    "invoices.csv",
    "credit_notes.detail",
    "credit_notes.pdf",
}
ADMIN_PREFIXES = ("organizations.", "services.", "tariffs.", "users.", "audit.", "sync.", "dunning.", "payments.")
ADMIN_ONLY = {
    "invoices.preview",
    "invoices.create",
    "invoices.act",
    "credit_notes.new",
    "invoices.pdf_retry",
    "terms.operator",
    "terms.taxes",
    "terms.add_rate",
    "terms.delete_rate",
    "terms.pricing",
    "terms.delete_price",
}
#: Admin pages the accountant may read (GET only; the routes take no other method).
FINANCE_READ = {
    "organizations.index",
    "organizations.tree_view",
    "organizations.detail",
    "payments.index",
    "payments.detail",
}
#: The only changes an accountant may make: recording payments and credit notes (issue 14 items 1-2).
FINANCE_WRITE = {
    "payments.new",
    "payments.reverse",
    "payments.refund",
    "payments.import_statement",
    "payments.confirm_import",
    "credit_notes.new",
}
#: Allowed GETs that may write: a first download stores the rendered PDF (portal/documents).
CACHE_FILLING = {"invoices.pdf"}


@pytest.fixture()
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {
        "WTF_CSRF_ENABLED": True,
        "INVOICE_CACHE_DIR": str(tmp_path / "cache"),
        "WATCHER_URL": "",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "MAIL_PORT": 9,
    }


@dataclass
class World:
    orgs: dict[str, int]
    invoices: dict[str, int]
    ids: dict[str, int]
    credit_notes: dict[str, int] = field(default_factory=dict)
    visible: dict[str, set[str]] = field(default_factory=dict)
    billing: dict[str, set[str]] = field(default_factory=dict)


def _world(app: Flask) -> World:
    with app.app_context():
        admin = make_admin("admin@example.com")
        make_user("accountant@example.com", role="accountant")
        owner_a, owner_b, owner_sub = (make_user(f"{n}@example.com") for n in ("owner-a", "owner-b", "owner-sub"))
        plain = make_user("plain-a@example.com")
        tariff = make_tariff("Basic", price=900, services=[make_service("Archive")])
        a = make_org("A", owner=owner_a)
        sub = make_org("A-sub", parent=a, owner=owner_sub)
        b = make_org("B", owner=owner_b)
        for org, user in ((a, owner_a), (sub, owner_sub), (b, owner_b)):
            add_member(user, org, can_view_invoices=True)
            golden_september(org, tariff, prefix=f"{org.title.lower()}-")
        add_member(plain, a, can_view_streams=True, can_view_invoices=False)
        invoices = {
            key: create_invoice(org, SEP, NOW, issue=True).id for key, org in (("A", a), ("A-sub", sub), ("B", b))
        }
        payment = record_payment(a, 1000, date(2026, 11, 1), utcnow(), reference="MATRIX")
        credit_notes = {
            key: create_credit_note(db.session.get(Invoice, iid), "matrix", NOW, amount_minor=100).id
            for key, iid in invoices.items()
        }
        db.session.add(OutboxItem(kind="upsert", object_type="organization", object_id=a.id))
        db.session.flush()
        item_id = db.session.scalar(select(OutboxItem.id))
        logo = save_operator(OPERATOR, logo=tiny_png())
        tax = save_tax("IVA")
        rate = add_tax_rate(tax, date(2026, 12, 1), 2100)
        price = add_individual_price(a, tariff, date(2026, 12, 1), "override", 800)
        db.session.commit()
        world = World(
            orgs={"A": a.id, "A-sub": sub.id, "B": b.id},
            invoices=invoices,
            ids={
                "user_id": plain.id,
                "tariff_id": tariff.id,
                "service_id": tariff.services[0].id,
                "item_id": item_id,
                "admin": admin.id,
                "payment_id": payment.id,
                "tax_id": tax.id,
                "rate_id": rate.id,
                "price_id": price.id,
                "sha256": logo.logo_sha256 or "",
            },
            credit_notes=credit_notes,
        )
    world.visible = {
        "owner-a": {"A", "A-sub"},
        "owner-b": {"B"},
        "owner-sub": {"A-sub"},
        "plain-a": {"A"},
        "admin": {"A", "A-sub", "B"},
        "accountant": {"A", "A-sub", "B"},
        "anonymous": set(),
    }
    world.billing = {
        "owner-a": {"A", "A-sub"},
        "owner-b": {"B"},
        "owner-sub": {"A-sub"},
        "plain-a": set(),
        "admin": {"A", "A-sub", "B"},
        "accountant": {"A", "A-sub", "B"},
        "anonymous": set(),
    }
    return world


def _urls(rule: Rule, world: World) -> list[tuple[str, str | None]]:
    """Concrete URLs for ``rule`` with the organization whose data each one touches."""
    args = set(rule.arguments)
    if rule.endpoint in ("static", "bootstrap.static"):
        return []  # files, no data
    if "organization_id" in args and rule.endpoint in ORG_VISIBLE | ORG_BILLING | ADMIN_ONLY:
        return [(_build(rule, world, organization_id=oid), key) for key, oid in world.orgs.items()]
    if "credit_note_id" in args:
        return [(_build(rule, world, credit_note_id=cid), key) for key, cid in world.credit_notes.items()]
    if "invoice_id" in args:
        actions = ["issue", "refresh", "delete", "pay", "void"] if "action" in args else [None]
        return [
            (_build(rule, world, invoice_id=iid, action=action), key)
            for key, iid in world.invoices.items()
            for action in actions
        ]
    return [(_build(rule, world), None)]


def _build(rule: Rule, world: World, **values: Any) -> str:
    defaults = {
        "organization_id": world.orgs["A"],
        "user_id": world.ids["user_id"],
        "token": "not-a-token",
        "tariff_id": world.ids["tariff_id"],
        "service_id": world.ids["service_id"],
        "item_id": world.ids["item_id"],
        "secret": "not-the-secret",
        "payment_id": world.ids["payment_id"],
        "tax_id": world.ids["tax_id"],
        "rate_id": world.ids["rate_id"],
        "price_id": world.ids["price_id"],
        "sha256": world.ids["sha256"],
    }
    defaults.update({k: v for k, v in values.items() if v is not None})
    _, path = rule.build({k: v for k, v in defaults.items() if k in rule.arguments}, append_unknown=False)
    return path


def _expected(identity: str, endpoint: str, org: str | None, world: World) -> str:
    """``open`` (anything but 5xx), ``allow`` (2xx/3xx, not to the login page), ``login``, ``deny``."""
    if endpoint in PUBLIC:
        return "open"
    if identity == "anonymous":
        return "login"
    if identity == "accountant" and endpoint in FINANCE_READ | FINANCE_WRITE:
        return "allow"
    if endpoint.startswith(ADMIN_PREFIXES) or endpoint in ADMIN_ONLY:
        return "allow" if identity == "admin" else "deny"
    if endpoint in SESSION_ENDERS:
        return "open"  # they end the session and send to the login page by design
    if endpoint in ANY_USER:
        return "allow"
    if endpoint in ORG_VISIBLE:
        return "allow" if org in world.visible[identity] else "deny"
    if endpoint in ORG_BILLING | INVOICE_BILLING:
        return "allow" if org in world.billing[identity] else "deny"
    raise AssertionError(f"{endpoint} has no expectation: add it to the matrix")


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the test database is small)."""
    return {
        t.name: sorted(map(tuple, db.session.execute(text(f'SELECT * FROM "{t.name}"')).all()), key=repr)
        for t in Base.metadata.sorted_tables
    }


def _client(app: Flask, identity: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    if identity != "anonymous":
        email = "admin@example.com" if identity == "admin" else f"{identity}@example.com"
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        assert (
            client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302
        )
    page = client.get("/login" if identity == "anonymous" else "/account/password").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client, token


def _check(identity: str, method: str, url: str, expected: str, response: Any) -> str | None:
    status, location = response.status_code, response.headers.get("Location", "")
    where = f"{identity} {method} {url}: {status} {location}"
    if status >= 500:
        return f"server error: {where}"
    if expected == "login" and not (status in (302, 401) and "/login" in location):
        return f"anonymous not sent to login: {where}"
    if expected == "deny" and status not in (403, 404):
        return f"not refused: {where}"
    if expected == "allow" and (status >= 400 and status not in (400, 405) or "/login" in location):
        return f"refused: {where}"
    return None


IDENTITIES = ["anonymous", "owner-a", "owner-b", "owner-sub", "plain-a", "admin", "accountant"]


@pytest.mark.parametrize("identity", IDENTITIES)
def test_authorization_matrix(app: Flask, identity: str) -> None:
    world = _world(app)
    client, token = _client(app, identity)
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in SESSION_ENDERS, r.rule))
    problems: list[str] = []
    with app.app_context():
        before = snapshot()
    for rule in rules:
        for url, org in _urls(rule, world):
            expected = _expected(identity, rule.endpoint, org, world)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if identity == "admin" and method == "POST" and rule.endpoint not in PUBLIC:
                    # the admin may change things; only "no server error" is checked for its POSTs
                    response = client.post(url, data={"csrf_token": token})
                    problem = _check(identity, method, url, "open", response)
                    problems += [problem] if problem else []
                    with app.app_context():
                        before = snapshot()
                    continue
                response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
                problem = _check(identity, method, url, expected, response)
                if problem:
                    problems.append(problem)
                if expected in ("deny", "login"):
                    with app.app_context():
                        after = snapshot()
                    if after != before:
                        changed = [t for t in after if after[t] != before[t]]
                        problems.append(f"refused {identity} {method} {url} changed {changed}")
                    before = after
                elif method == "POST" or rule.endpoint in PUBLIC | CACHE_FILLING:
                    with app.app_context():
                        before = snapshot()
    assert problems == []
