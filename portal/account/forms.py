"""Password forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.account.service import MIN_PASSWORD
from portal.forms import PortalForm

_new = [DataRequired(), Length(min=MIN_PASSWORD, max=200, message=f"Use at least {MIN_PASSWORD} characters.")]


class SetPasswordForm(PortalForm):
    """New password twice (activation and reset)."""

    password = PasswordField("New password", validators=_new)
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", message="The passwords differ.")]
    )
    submit = SubmitField("Set password")


class ChangePasswordForm(SetPasswordForm):
    """The current password, then the new one twice."""

    current = PasswordField("Current password", validators=[DataRequired()])
    submit = SubmitField("Change password")


class ForgotForm(PortalForm):
    """The login to send a reset link to."""

    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Send me a link")


class SignOutEverywhereForm(PortalForm):
    """An empty form: ending every session is a POST with a CSRF token."""

    submit = SubmitField("Sign out everywhere")
