"""Whose language: the visitor's browser, the user's own setting, the recipient of an e-mail;
and numbers, money and dates formatted for that language (English unchanged)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from portal.account.service import activation_mail, reset_mail
from portal.extensions import db
from portal.models import Organization, User
from portal.templating import local_datetime, long_date, money, money_exact
from tests.factories import add_member, login, make_org, make_user


def test_the_browser_language_is_used_until_the_user_chooses(app: Flask, client: FlaskClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="es">' in page and "Iniciar sesión" in page and "¿Ha olvidado su contraseña?" in page
    page = client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Войти" in page
    page = client.get("/login", headers={"Accept-Language": "de, fr;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page  # nothing we speak: English


def test_a_user_chooses_a_language_and_can_follow_the_browser_again(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_user("ana@example.com")
        db.session.commit()
    spanish_browser = {"Accept-Language": "es"}
    assert login(client, "ana@example.com").status_code == 302
    page = client.get("/account/password", headers=spanish_browser).get_data(as_text=True)
    assert "Idioma" in page and '<option selected value="">Como pida mi navegador</option>' in page
    response = client.post("/account/language", data={"language": "ru"}, headers=spanish_browser)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.email == "ana@example.com")) == "ru"
    page = client.get("/account/password", headers=spanish_browser).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Язык сохранён." in page and '<option selected value="ru">' in page
    client.post("/account/language", data={"language": ""}, headers=spanish_browser)
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.email == "ana@example.com")) is None
    assert '<html lang="es">' in client.get("/", headers=spanish_browser).get_data(as_text=True)


def test_an_unknown_language_is_refused_and_nothing_changes(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_user("ana@example.com")
        db.session.commit()
    login(client, "ana@example.com")
    response = client.post("/account/language", data={"language": "de"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(User.language).where(User.email == "ana@example.com")) is None


def test_wtforms_own_messages_are_translated(app: Flask, client: FlaskClient) -> None:
    page = client.post("/login", data={"email": "", "password": ""}, headers={"Accept-Language": "es"})
    assert "Este campo es obligatorio." in page.get_data(as_text=True)


def test_the_organization_form_sets_the_document_language(app: Flask, admin_client: FlaskClient) -> None:
    page = admin_client.get("/admin/organizations/new").get_data(as_text=True)
    assert 'name="document_language"' in page and "Español" in page
    response = admin_client.post(
        "/admin/organizations/new",
        data={
            "title": "Iberia SL",
            "owner_email": "owner@iberia.example",
            "timezone": "Europe/Madrid",
            "currency": "EUR",
            "document_language": "es",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        org = db.session.scalar(db.select(Organization).where(Organization.title == "Iberia SL"))
        assert org is not None and org.document_language == "es"
    assert make_org_default_language(app) == "en"


def make_org_default_language(app: Flask) -> str:
    with app.app_context():
        org = make_org("Plain")
        db.session.commit()
        return org.document_language


def test_english_formats_are_unchanged_and_others_follow_their_locale(app: Flask) -> None:
    when = datetime(2026, 10, 1, 0, 0, tzinfo=timezone.utc)
    with app.test_request_context():
        for language, amount, jpy, day, exact in (
            ("en", "€1,234.50", "¥1,234", "Oct 1, 2026", "€0.123456"),
            ("es", "1.234,50\xa0€", "1.234\xa0JPY", "1 oct 2026", "0,123456\xa0€"),
            ("ru", "1\xa0234,50\xa0€", "1\xa0234\xa0¥", "1 окт. 2026\u202fг.", "0,123456\xa0€"),
        ):
            with force_locale(language):
                assert money(123450, "EUR") == amount, language
                assert money(1234, "JPY") == jpy, language
                assert long_date(date(2026, 10, 1)) == day, language
                assert money_exact(Decimal("0.123456"), "EUR") == exact, language
                assert local_datetime(when, "Europe/Madrid") == "2026-10-01 02:00 UTC+02:00", language
    assert money(123450, "EUR") == "€1,234.50"  # outside any request: English


def test_e_mails_are_written_in_the_recipients_language(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "es"}):  # the sender's browser does not matter
        chosen = make_user("ivan@example.com", language="ru")
        subject, body = activation_mail(chosen, "https://portal.test/account/activate/x")
        assert subject == "Активируйте учётную запись видеонаблюдения" and "Здравствуйте" in body
        new_owner = make_user("owner@example.com")
        add_member(new_owner, make_org("Madrid", document_language="es"))
        subject, body = reset_mail(new_owner, "https://portal.test/account/reset/x")
        assert subject == "Restablezca su contraseña" and "https://portal.test/account/reset/x" in body
        nobody = make_user("plain@example.com")
        assert activation_mail(nobody, "link")[0] == "Activate your video surveillance account"
        db.session.rollback()
