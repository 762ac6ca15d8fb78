"""Translations: Flask-Babel with gettext catalogs in ``portal/translations``.

Python code marks text with ``gettext``/``lazy_gettext`` (imported as ``_``/``_l``),
templates with ``{{ _('...') }}``.  ``make i18n-extract`` collects the messages and
``make i18n-compile`` builds the catalogs.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel
from flask_login import current_user

#: The interface languages; the first is the default and the language the source is written in.
LANGUAGES = ("en", "es", "ru")

babel = Babel()


def select_locale() -> str:
    """The user's own language if they chose one, else the browser's best match, else English."""
    chosen = getattr(current_user, "language", None) if current_user else None
    if chosen in LANGUAGES:
        return str(chosen)
    if request:
        return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    return LANGUAGES[0]


def register(app: Flask) -> None:
    """Install Flask-Babel; the catalogs live beside this module."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    babel.init_app(app, locale_selector=select_locale)
