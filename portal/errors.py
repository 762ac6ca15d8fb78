"""Error pages and typed domain errors shared by the services."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A business rule refused the operation; ``field`` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The operation breaks a rule of the domain (e.g. a cycle in the hierarchy)."""


def register(app: Flask) -> None:
    """Render HTTP errors with the portal's layout."""

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        return render_template("errors/error.html", code=400, title="Form expired or invalid",
                               message="The form could not be verified (missing or stale CSRF token). "
                                       "Go back, reload the page and try again."), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        if code == 429 and request.endpoint == "auth.login" and request.method == "POST":
            return _login_again(), 429
        titles = {403: "Not allowed", 404: "Not found", 429: "Too many attempts"}
        return render_template("errors/error.html", code=code, title=titles.get(code, error.name),
                               message=error.description), code


def _login_again() -> str:
    """The login form again, with what was typed, when the per-address ceiling refuses an attempt."""
    from portal.auth.forms import LoginForm
    form = LoginForm()
    form.password.errors = ["Too many attempts from your address. Wait a minute and try again."]
    return render_template("auth/login.html", form=form)
