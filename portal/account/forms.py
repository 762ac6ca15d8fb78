"""Password forms."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.account.service import MIN_PASSWORD
from portal.forms import PortalForm
from portal.i18n import language_choices

_new = [DataRequired(), Length(min=MIN_PASSWORD, max=200, message=_l("Use at least %(n)s characters.", n=MIN_PASSWORD))]


class SetPasswordForm(PortalForm):
    """New password twice (activation and reset)."""

    password = PasswordField(_l("New password"), validators=_new)
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(SetPasswordForm):
    """The current password, then the new one twice."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    submit = SubmitField(_l("Change password"))


class ForgotForm(PortalForm):
    """The login to send a reset link to."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class LanguageForm(PortalForm):
    """The user's interface language; empty follows the browser."""

    language = SelectField(_l("Language"), validators=[Optional()])
    submit = SubmitField(_l("Save language"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices(follow_browser=str(_("As my browser asks")))


class SignOutEverywhereForm(PortalForm):
    """An empty form: ending every session is a POST with a CSRF token."""

    submit = SubmitField(_l("Sign out everywhere"))
