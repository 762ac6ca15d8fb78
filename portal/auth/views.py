"""Sign in and sign out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from portal.audit import service as audit
from portal.auth import throttle
from portal.auth.forms import LoginForm, LogoutForm
from portal.auth.service import authenticate, normalize_email
from portal.extensions import limiter
from portal.models import utcnow
from portal.security import is_safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _failed_attempt(response: Response) -> bool:
    """Only failed sign-ins count against the per-address ceiling (a success redirects)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_attempt)
def login() -> str | Response | tuple[str, int]:
    """Show the login form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        email = normalize_email(form.email.data or "")
        wait = throttle.wait_seconds(email, request.remote_addr)
        if wait:
            form.password.errors.append(
                _("Too many attempts for this account from your address. Try again in %(n)s seconds.", n=wait)
            )
            return render_template("auth/login.html", form=form), 429
        user, outcome = authenticate(email, form.password.data or "")
        if user is None:
            audit.record("auth.login_failed", "user", None, summary=f"{outcome}: {email}")
            message = _("This account is disabled.") if outcome == "disabled" else _("Wrong e-mail or password.")
            form.password.errors.append(message)
        else:
            login_user(user, remember=bool(form.remember.data))
            user.last_login_at = utcnow()
            audit.record("auth.login", "user", user.id, summary=user.email, actor=user)
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("dashboard.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out (POST only, CSRF-protected)."""
    form = LogoutForm()
    if form.validate_on_submit():
        current_user.end_sessions()  # the session and remember cookies of this login die with it
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
