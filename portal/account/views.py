"""Account pages: activation, forgotten password, reset, and changing one's password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from portal import mailqueue, unit_of_work
from portal.account.forms import ChangePasswordForm, ForgotForm, LanguageForm, SetPasswordForm, SignOutEverywhereForm
from portal.account.service import InvalidLink, check_link, set_language, set_password, use_link
from portal.audit import service as audit
from portal.auth.service import normalize_email
from portal.extensions import limiter
from portal.i18n import select_locale

bp = Blueprint("account", __name__, url_prefix="/account")


def _limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _token_page(token: str, purpose: str, title: str) -> str | Response:
    try:
        check_link(token, purpose)
    except InvalidLink as error:
        return render_template("account/invalid_link.html", message=str(error)), 404  # type: ignore[return-value]
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = use_link(token, purpose, form.password.data or "")
        except InvalidLink as error:
            unit_of_work.fail()
            return render_template("account/invalid_link.html", message=str(error)), 404  # type: ignore[return-value]
        login_user(user)
        flash(_("Your password is set. Use it here and in Watcher."), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("account/set_password.html", form=form, title=title)


@bp.route("/activate/<token>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def activate(token: str) -> str | Response:
    """Set the first password from an activation link."""
    return _token_page(token, "activate", _("Activate your account"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def reset(token: str) -> str | Response:
    """Set a new password from a reset link."""
    return _token_page(token, "reset", _("Choose a new password"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def forgot() -> str | Response:
    """Ask for a reset link; the answer is the same whether the address exists or not."""
    form = ForgotForm()
    if form.validate_on_submit():
        # the same work for every address: queue, commit, answer; the mail is composed later
        item = mailqueue.enqueue("password_reset", normalize_email(form.email.data or ""))
        mailqueue.send_after_response([item.id])  # starts once the request's unit of work commits
        flash(_("If the address belongs to an account, a link to reset the password is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("account/forgot.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    """Change one's own password (portal and Watcher)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data or ""):
            form.current.errors.append(_("The current password is wrong."))
        else:
            user = current_user._get_current_object()
            set_password(user, form.password.data or "", "changed")
            login_user(user)  # every other session ended with the old password; this one goes on
            flash(_("Your password is changed, here and in Watcher."), "success")
            return redirect(url_for("dashboard.index"))
    return _account_page(form)


def _account_page(form: ChangePasswordForm, language: LanguageForm | None = None) -> str:
    if language is None:
        language = LanguageForm(formdata=None, language=current_user.language or "")
    return render_template(
        "account/change_password.html", form=form, everywhere=SignOutEverywhereForm(), language_form=language
    )


@bp.route("/language", methods=["POST"])
@login_required
def language() -> str | Response:
    """Choose one's interface language (empty: follow the browser)."""
    form = LanguageForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        set_language(user, form.language.data or None)
        with force_locale(select_locale()):  # the next page's language, chosen or the browser's
            flash(_("Your language is saved."), "success")
        return redirect(url_for("account.change_password"))
    return _account_page(ChangePasswordForm(formdata=None), form)


@bp.route("/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere() -> Response:
    """End every session and remember cookie of the current user, this one included."""
    if SignOutEverywhereForm().validate_on_submit():
        user = current_user._get_current_object()
        user.end_sessions()
        audit.record("auth.sign_out_everywhere", "user", user.id, summary=user.email, actor=user)
        logout_user()
        flash(_("You are signed out on every device."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("account.change_password"))
