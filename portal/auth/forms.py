"""Login form: shape only; checking the password is the view's job."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()
    submit = SubmitField("Sign in")


class LogoutForm(FlaskForm):
    """An empty form: logout is a POST with a CSRF token."""

    submit = SubmitField("Sign out")
