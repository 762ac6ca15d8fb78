"""Translations: Flask-Babel with gettext catalogs in ``portal/translations``.

Python code marks text with ``gettext``/``lazy_gettext`` (imported as ``_``/``_l``),
templates with ``{{ _('...') }}``.  ``make i18n-extract i18n-update`` refreshes the
catalogs, ``make i18n-compile`` builds them (CONTRIBUTING.md, "Translations").

Two languages are in play: a person's interface language (their own ``User.language``,
else the browser's) for pages, flashes and their e-mails, and an organization's
``document_language`` for its documents (:func:`document_locale`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from babel import Locale
from flask import Flask, has_request_context, request
from flask_babel import Babel, force_locale, get_locale
from flask_login import current_user

#: The interface languages; the first is the default and the language the source is written in.
LANGUAGES = ("en", "es", "ru")

#: Each language in its own name, for the language selects (never translated).
LANGUAGE_NAMES = {"en": "English", "es": "Español", "ru": "Русский"}

#: The locale numbers, money and dates are formatted in per language.  English keeps
#: en_US, the portal's format before translations came (``€1,234.50``, ``Oct 1, 2026``).
FORMAT_LOCALES = {"en": "en_US", "es": "es_ES", "ru": "ru_RU"}

babel = Babel()


def language_choices(follow_browser: str | None = None) -> list[tuple[str, str]]:
    """Choices for a language select; with ``follow_browser`` an empty first choice with that label."""
    choices = [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]
    return [("", follow_browser), *choices] if follow_browser is not None else choices


def select_locale() -> str:
    """The user's own language if they chose one, else the browser's best match, else English."""
    if not has_request_context():
        return LANGUAGES[0]
    chosen = getattr(current_user, "language", None)
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def format_locale() -> Locale:
    """The Babel locale to format numbers, money and dates in: the current language's
    (``en`` -> ``en_US``); ``en_US`` outside an app context."""
    current = get_locale()
    language = current.language if current is not None else LANGUAGES[0]
    return Locale.parse(FORMAT_LOCALES.get(language, FORMAT_LOCALES[LANGUAGES[0]]))


def valid_language(code: str | None) -> str:
    """``code`` if it is one of :data:`LANGUAGES`, else the default."""
    return code if code in LANGUAGES else LANGUAGES[0]


@contextmanager
def document_locale(language: str | None) -> Iterator[None]:
    """Render a document (invoice, credit note, statement, reminder) in ``language``,
    the organization's ``document_language``, whatever the reader's interface language."""
    with force_locale(valid_language(language)):
        yield


@contextmanager
def user_locale(language: str | None) -> Iterator[None]:
    """Compose text for a person (e.g. an e-mail) in their own language, English if unset."""
    with force_locale(valid_language(language)):
        yield


def register(app: Flask) -> None:
    """Install Flask-Babel; the catalogs live beside this module."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_language"] = lambda: (get_locale() or Locale.parse(LANGUAGES[0])).language


def N_(text: str) -> str:  # noqa: N802 - gettext's conventional name for a deferred marker
    """Mark ``text`` for extraction only; it is translated where shown, with ``_(text)``.

    For English text in module-level tables (state labels, right labels) whose type must
    stay ``str``.
    """
    return text
