"""Error pages and typed domain errors shared by the services."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from portal import unit_of_work

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused the operation; ``field`` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The operation breaks a rule of the domain (e.g. a cycle in the hierarchy)."""


def error_page(code: int, title: str, message: str) -> tuple[str, int]:
    """Roll the unit of work back, then render the portal's error page.

    The rollback comes first: a failed flush or a broken connection leaves the
    session unusable, and the page's layout reads the signed-in user.  Should the
    page still not render, a plain page in the same words is returned (the
    security headers are added to every response either way).
    """
    unit_of_work.fail()
    try:
        return render_template("errors/error.html", code=code, title=title, message=message), code
    except Exception:
        log.exception("the error page could not be rendered")
        unit_of_work.fail()
        return (
            f"<!doctype html><title>{escape(title)}</title><h1>{code} · {escape(title)}</h1><p>{escape(message)}</p>"
        ), code


def register(app: Flask) -> None:
    """Render HTTP errors (a crash becomes a 500) with the portal's layout, after a rollback."""

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        unit_of_work.fail()  # before any text: choosing the language may read the signed-in user
        return error_page(
            400,
            _("Form expired or invalid"),
            _("The form could not be verified (missing or stale CSRF token). Go back, reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        unit_of_work.fail()  # before any text: choosing the language may read the signed-in user
        if code == 429 and request.endpoint == "auth.login" and request.method == "POST":
            return _login_again(), 429
        title, generic = _generic_error(code, error.name)
        described = error.description and error.description != type(error).description
        return error_page(code, title, str(error.description) if described else generic)


def _generic_error(code: int, name: str) -> tuple[str, str]:
    """The translated title and explanation of an HTTP error whose view gave no words of its own."""
    known = {
        400: (_("Bad request"), _("The request could not be understood. Go back and try again.")),
        403: (_("Not allowed"), _("You may not open this page.")),
        404: (_("Not found"), _("This page does not exist, or you may not see it.")),
        405: (_("Not allowed"), _("This address does not accept this kind of request.")),
        413: (_("Too large"), _("The request is too large.")),
        422: (_("Cannot process"), _("The request could not be processed.")),
        429: (_("Too many attempts"), _("Too many requests. Wait a minute and try again.")),
        500: (_("Server error"), _("Something went wrong on our side. Try again in a moment.")),
    }
    return known.get(code, (name, _("The request failed (error %(code)s).", code=code)))


def _login_again() -> str:
    """The login form again, with what was typed, when the per-address ceiling refuses an attempt."""
    from portal.auth.forms import LoginForm

    form = LoginForm()
    form.password.errors = [_("Too many attempts from your address. Wait a minute and try again.")]
    return render_template("auth/login.html", form=form)
