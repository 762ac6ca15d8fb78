"""Sign in and sign out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from portal.audit import service as audit
from portal.auth.forms import LoginForm, LogoutForm
from portal.auth.service import authenticate
from portal.extensions import db, limiter
from portal.models import utcnow
from portal.security import is_safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response:
    """Show the login form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user, outcome = authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            audit.record("auth.login_failed", "user", None, summary=f"{outcome}: {form.email.data}")
            db.session.commit()
            message = ("This account is disabled." if outcome == "disabled"
                       else "Wrong e-mail or password.")
            form.password.errors.append(message)
        else:
            login_user(user, remember=bool(form.remember.data))
            user.last_login_at = utcnow()
            audit.record("auth.login", "user", user.id, summary=user.email, actor=user)
            db.session.commit()
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
        db.session.commit()
        logout_user()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
