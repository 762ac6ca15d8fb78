"""A pseudo-locale render of every page finds no text that escaped translation.

The test builds a throw-away catalog from the sources' messages (the same extraction as
``make i18n-extract``) in which every translation is the English text wrapped in ⟦…⟧,
installs it as Russian (so plural rules and number formats are those of a real locale),
and renders every GET page of the portal as the billing admin and as a subscriber, on
realistic data (the authorization matrix's world: organizations with a subsidiary,
members, tariffs, services, usage, issued, paid and void invoices, an outbox item).

Every visible text node and every user-facing attribute (title, placeholder, aria-label,
data-confirm, button values) must then consist of pseudo-translated text and data only:
what is left after removing the ⟦…⟧ segments, the data values of the world (names, titles,
e-mails, invoice numbers, camera names…), numbers, dates and codes may hold no Latin word.
Identifiers shown on purpose (JSON in <pre>, codes in <code>, anything marked
``translate="no"``, options whose text is their value such as time zones) are skipped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from portal.billing import month_period
from portal.dunning.service import suspend
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, babel
from portal.i18n_catalogs import extract
from portal.invoices.service import create_invoice, mark_paid, void_invoice
from portal.models import (
    Camera,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    MailItem,
    OperatorProfile,
    Organization,
    Service,
    Suspension,
    Tariff,
    User,
)
from tests.factories import PASSWORD
from tests.invoices.test_lifecycle import NOW
from tests.security.test_authorization_matrix import World, _build, _world

OPEN, CLOSE = "⟦", "⟧"
OCT = month_period(2026, 10)
PSEUDO = "ru"  # the pseudo catalog stands in for Russian: real plural rules and formats

#: Attributes people read (or hear): checked like text.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "data-confirm", "data-confirm-label", "alt")
#: Elements whose content is code or data by design.
SKIPPED_ELEMENTS = {"script", "style", "code", "pre"}
#: Words that are the same in every language: codes, units, product names.
#: GET endpoints that answer with a file, not a page.
NOT_HTML = (
    "invoices.pdf",
    "invoices.csv",
    "usages.csv",
    "extauth.check",
    "statements.csv",
    "terms.logo",
)
#: Modules whose PDFs are rendered from HTML on demand: the test takes the HTML instead (see ``pdf_as_html``).
PDF_RENDERERS = ("portal.credit_notes.views", "portal.payments.statement_views")
ALLOWED_WORDS = {"PDF", "CSV", "UTC", "GB", "ID", "Watcher", "WATCHER_URL", "WATCHER_LOGIN", "WATCHER_PASSWORD"}


def _pseudo(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


@pytest.fixture(scope="module")
def pseudo_catalogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A translations folder whose only language is the pseudo one (every msgstr = ⟦msgid⟧)."""
    root = tmp_path_factory.mktemp("pseudo")
    template = root / "messages.pot"
    extract(template)
    with template.open("rb") as handle:
        source = read_po(handle)
    catalog = Catalog(locale=PSEUDO)
    for message in source:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            forms = tuple(_pseudo(message.id[min(i, 1)]) for i in range(catalog.num_plurals))
            catalog.add(message.id, forms, flags=message.flags)
        else:
            catalog.add(message.id, _pseudo(message.id), flags=message.flags)
    target = root / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return root


@pytest.fixture()
def app_config(pseudo_catalogs: Path, tmp_path: Path) -> dict[str, Any]:
    return {
        "BABEL_TRANSLATION_DIRECTORIES": str(pseudo_catalogs),
        "INVOICE_CACHE_DIR": str(tmp_path / "cache"),
        "WATCHER_URL": "",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "MAIL_PORT": 9,
    }


@pytest.fixture()
def fresh_translations(app: Flask) -> Iterator[None]:
    """Flask-Babel caches loaded catalogs per language in one process-wide domain: the pseudo
    Russian must neither find the real one cached nor stay cached for the tests after it."""
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield
    with app.app_context():
        babel.domain_instance.cache.clear()


@pytest.fixture()
def pdf_as_html(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credit note and statement PDFs answer with the HTML they would print, so the check reads
    the documents' text too (the invoice PDF is checked in test_documents.py)."""
    for module in PDF_RENDERERS:
        monkeypatch.setattr(f"{module}.render_pdf", lambda html: html.encode())


class _Texts(HTMLParser):
    """Collects what a person reads: text nodes and the read attributes, outside skipped parts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []
        self._option_value: str | None = None

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = tag in SKIPPED_ELEMENTS or values.get("translate") == "no"
        if not (self._skipping() or skip):
            self.texts += [values[a] or "" for a in READ_ATTRIBUTES if values.get(a)]
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.texts.append(values["value"] or "")
        if tag in ("input", "meta", "link", "br", "img", "hr"):
            return
        self._option_value = values.get("value") if tag == "option" else None
        self._stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._skipping() or not data.strip():
            return
        if self._stack and self._stack[-1][0] == "option" and data.strip() == (self._option_value or "").strip():
            return  # an option that is its own value: a time zone, an object type
        self.texts.append(data)


def _data_values(app: Flask) -> list[str]:
    """The world's data as shown on pages, longest first (so a title is removed before its parts)."""
    with app.app_context():
        values: set[str] = set()
        for column in (
            Organization.title,
            Organization.billing_contact,
            Organization.timezone,
            User.email,
            User.name,
            Tariff.name,
            Tariff.note,
            Service.name,
            Service.description,
            Camera.name,
            Camera.title,
            Invoice.number,
            Invoice.void_reason,
            Invoice.payment_reference,
            InvoiceLine.description,
            CreditNote.reason,
            CreditNoteLine.description,
            Suspension.reason,
            MailItem.subject,
            OperatorProfile.legal_name,
            OperatorProfile.address,
            OperatorProfile.tax_id,
            OperatorProfile.registration,
            OperatorProfile.payment_details,
            OperatorProfile.footer,
        ):
            values.update(
                line for v in db.session.scalars(select(column)) if v for line in v.splitlines() if line.strip()
            )
        from portal.models import AuditEvent

        values.update(v for v in db.session.scalars(select(AuditEvent.summary)) if v)
        values.update(v for v in db.session.scalars(select(AuditEvent.actor_label)) if v)
    values.update(LANGUAGE_NAMES.values())  # each language in its own name, never translated
    return sorted(values, key=len, reverse=True)


def _without_pseudo(texts: list[str]) -> list[str]:
    """The texts with every ⟦…⟧ segment blanked.  A message with markup inside (a link,
    <strong>) spans several text nodes, so the segments are found across the page's texts
    in document order."""
    joined = "\x00".join(texts)
    return re.sub(f"{OPEN}[^{CLOSE}]*{CLOSE}", lambda m: re.sub("[^\x00]", " ", m.group(0)), joined).split("\x00")


def _leftovers(text: str, data: list[str]) -> list[str]:
    """Latin words in ``text`` that are neither pseudo-translated nor data."""
    rest = _without_pseudo([text])[0]
    for value in data:
        rest = rest.replace(value, " ")
    words = re.findall(r"[A-Za-z][A-Za-z_]+", rest)
    return [w for w in words if w not in ALLOWED_WORDS and not (w.isupper() and len(w) <= 4)]


def _pages(app: Flask, world: World) -> list[str]:
    """Every GET page with its arguments filled from the world (files and downloads aside)."""
    urls: list[str] = []
    rules: list[Rule] = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        if "GET" not in (rule.methods or ()) or rule.endpoint in ("static", "bootstrap.static", "favicon"):
            continue
        if rule.endpoint in NOT_HTML:
            continue  # not HTML; the invoice PDF is checked in test_documents.py
        if rule.endpoint in ("auth.logout", "account.sign_out_everywhere"):
            continue
        if "credit_note_id" in rule.arguments:
            urls += [_build(rule, world, credit_note_id=cid) for cid in world.credit_notes.values()]
        elif "invoice_id" in rule.arguments:
            urls += [_build(rule, world, invoice_id=invoice_id) for invoice_id in world.invoices.values()]
        elif "organization_id" in rule.arguments:
            urls += [_build(rule, world, organization_id=org_id) for org_id in world.orgs.values()]
        else:
            urls.append(_build(rule, world))
    return urls


def _richer(app: Flask, world: World) -> None:
    """Invoices in every state the pages show: issued (A, with a payment and a credit note), paid
    (B), void (an October invoice of A-sub: one with a credit note cannot be voided), a suspended
    organization (B); documents in the pseudo language."""
    with app.app_context():
        mark_paid(db.session.get(Invoice, world.invoices["B"]), NOW.date(), "TRX-778")
        october = create_invoice(db.session.get(Organization, world.orgs["A-sub"]), OCT, NOW, issue=True)
        void_invoice(october, "Duplicate of another run", NOW)
        world.invoices["A-sub-void"] = october.id
        suspend(db.session.get(Organization, world.orgs["B"]), manual=True, reason="Cheque bounced", now=NOW)
        for org in db.session.scalars(select(Organization)):
            org.document_language = PSEUDO  # the printable invoices are documents: checked too
        db.session.commit()


def _sign_in(app: Flask, email: str) -> Any:
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.own_app
@pytest.mark.usefixtures("fresh_translations", "pdf_as_html")
def test_every_page_is_translated_in_the_pseudo_locale(app: Flask) -> None:
    world = _world(app)
    _richer(app, world)
    data = _data_values(app)
    anonymous = app.test_client()
    problems: dict[str, list[str]] = {}
    checked = 0
    for identity, client in (
        ("anonymous", anonymous),
        ("admin", _sign_in(app, "admin@example.com")),
        ("owner-a", _sign_in(app, "owner-a@example.com")),
        ("accountant", _sign_in(app, "accountant@example.com")),
    ):
        for url in _pages(app, world):
            response = client.get(url, headers={"Accept-Language": PSEUDO})
            if response.status_code in (301, 302):
                continue  # e.g. a page for signed-in people, seen by the anonymous client
            assert response.status_code < 500, (identity, url)
            page = response.get_data(as_text=True)
            assert f'lang="{PSEUDO}"' in page, (identity, url)
            parser = _Texts()
            parser.feed(page)
            checked += 1
            for text, rest in zip(parser.texts, _without_pseudo(parser.texts), strict=True):
                left = _leftovers(rest, data)
                if left:
                    problems.setdefault(f"{identity} {url}", []).append(f"{' '.join(text.split())[:120]!r} {left}")
    # error pages, forms refused with their messages (the portal's and WTForms' own) and pages that
    # answer a form: the review of a bank statement (rows to book, unmatched, in another currency)
    admin = _sign_in(app, "admin@example.com")
    with app.app_context():
        number_a = db.session.get(Invoice, world.invoices["A"]).number
    statement = f"date,amount,currency,reference\n2026-11-01,5.00,EUR,{number_a}\n2026-11-01,5.00,EUR,ZX-9\n"
    statement += f"2026-11-01,5.00,USD,{number_a}\n"
    bad_statement = "date,amount,currency,reference\n2026-13-01,-5.00,EUR,ZX-9\n"
    refused = [
        (anonymous, "GET", "/no-such-page", None, None),
        (admin, "GET", "/admin/organizations/999999", None, None),
        (anonymous, "POST", "/login", {"email": "not-an-address", "password": ""}, "invalid-feedback"),
        (
            admin,
            "POST",
            "/admin/organizations/new",
            {"title": "", "trial_start": "2026-01-01", "camera_limit": "x"},
            "invalid-feedback",
        ),
        (
            admin,
            "POST",
            "/admin/services/new",
            {"name": "S", "kind": "continuous_archive", "monthly_price": "1.234"},
            "invalid-feedback",
        ),
        (admin, "POST", "/admin/users/new", {"email": "admin@example.com", "role": "subscriber"}, "invalid-feedback"),
        (
            admin,
            "POST",
            "/payments/import",
            {"file": (io.BytesIO(bad_statement.encode()), "s.csv")},
            "invalid-feedback",
        ),
        (admin, "POST", "/payments/import", {"file": (io.BytesIO(statement.encode()), "s.csv")}, 'class="match-book"'),
    ]
    for client, method, url, form, expected in refused:
        response = client.open(url, method=method, data=form, headers={"Accept-Language": PSEUDO})
        assert response.status_code in (200, 400, 404, 422), (method, url, response.status_code)
        page = response.get_data(as_text=True)
        if expected:  # the form came back with its messages, or the page answering it
            assert expected in page, (url, page)
        parser = _Texts()
        parser.feed(page)
        checked += 1
        for text, rest in zip(parser.texts, _without_pseudo(parser.texts), strict=True):
            left = _leftovers(rest, data)
            if left:
                problems.setdefault(f"{method} {url}", []).append(f"{' '.join(text.split())[:120]!r} {left}")
    assert checked > 40, checked  # every page rendered, not a login page over and over
    assert problems == {}, "\n".join(f"{page}: {found}" for page, found in problems.items())


@pytest.mark.own_app
@pytest.mark.usefixtures("fresh_translations")
def test_the_check_finds_english_that_escaped(app: Flask) -> None:
    """The detector itself: an English word outside ⟦…⟧ is reported, data and codes are not."""
    assert _leftovers("⟦Invoices⟧ Overdue", []) == ["Overdue"]
    assert _leftovers("⟦Total⟧ 12,00 € EUR", []) == []
    assert _leftovers("⟦Owner⟧ alice@example.com", ["alice@example.com"]) == []
    with app.test_request_context(headers={"Accept-Language": PSEUDO}):
        from flask_babel import gettext

        assert gettext("Invoices") == "⟦Invoices⟧"
