"""Login form: shape only; checking the password is the view's job."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from portal.forms import PortalForm, RedirectTargetField


class LoginForm(PortalForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = RedirectTargetField()
    submit = SubmitField(_l("Sign in"))


class LogoutForm(PortalForm):
    """An empty form: logout is a POST with a CSRF token."""

    submit = SubmitField(_l("Sign out"))
