"""Activation and password-reset links, and setting a password everywhere at once.

A password set in the portal is hashed here and queued, sealed, for Watcher
(same login, same password); see :mod:`portal.sync.outbox`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update

from portal import settings
from portal.audit import service as audit
from portal.auth.service import find_user
from portal.extensions import db
from portal.i18n import LANGUAGES, user_locale
from portal.mail import send_mail
from portal.mailqueue import composer
from portal.models import AccountToken, MailItem, User, utcnow
from portal.sync import outbox

LIFETIMES = {"activate": timedelta(days=7), "reset": timedelta(hours=2)}
MIN_PASSWORD = 10


class InvalidLink(Exception):
    """The link is unknown, used, expired or for a disabled account."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(user: User, purpose: str) -> str:
    """Create a single-use token (older unused ones of the same purpose stop working); returns the URL."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(user_id=user.id, purpose=purpose, token_hash=_hash(token), expires_at=now + LIFETIMES[purpose])
    )
    endpoint = "account.activate" if purpose == "activate" else "account.reset"
    if has_request_context():
        path = url_for(endpoint, token=token, _external=False)
    else:  # the mail worker: only the path is needed, PUBLIC_URL gives the rest
        from flask import current_app

        with current_app.test_request_context():
            path = url_for(endpoint, token=token, _external=False)
    return settings.current().public_url.rstrip("/") + path


def check_link(token: str, purpose: str) -> AccountToken:
    """The live token row for ``token`` or :class:`InvalidLink`."""
    row = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _hash(token), AccountToken.purpose == purpose)
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow() or not row.user.is_enabled:
        raise InvalidLink(_("This link is invalid, has expired or was already used."))
    return row


def void_links(user: User) -> None:
    """Every unused activation or reset link of ``user`` stops working."""
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def set_password(user: User, password: str, reason: str) -> None:
    """Hash the password here and queue it for Watcher, sealed (flushes; caller commits).

    Every earlier session, remember cookie, activation and reset link of the user dies.
    """
    user.set_password(password)
    user.end_sessions()
    void_links(user)
    if not user.is_admin or user.memberships:
        outbox.enqueue(user, password=password)
    audit.record(f"user.password_{reason}", "user", user.id, summary=user.email, actor=user)


def set_language(user: User, language: str | None) -> None:
    """Set the user's interface language (None: follow the browser); flushes, the caller commits."""
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    user.language = language
    db.session.flush()


def mail_language(user: User) -> str:
    """The language of e-mails to ``user``: their own, else their first organization's
    document language (a new owner has chosen none yet), else English."""
    if user.language in LANGUAGES:
        return str(user.language)
    for membership in user.memberships:
        return membership.organization.document_language
    return LANGUAGES[0]


def use_link(token: str, purpose: str, password: str) -> User:
    """Consume a link and set the password; raises :class:`InvalidLink`."""
    row = check_link(token, purpose)
    row.used_at = utcnow()
    db.session.flush()
    set_password(row.user, password, "activated" if purpose == "activate" else "reset")
    return row.user


def activation_mail(user: User, link: str) -> tuple[str, str]:
    """Subject and body of the activation e-mail, in the user's language (:func:`mail_language`)."""
    with user_locale(mail_language(user)):
        return (
            _("Activate your video surveillance account"),
            _(
                "Hello %(name)s,\n\nan account was opened for you. Set your password here "
                "(the link works once and expires in 7 days):\n\n%(link)s\n\nThe same login and password "
                "work in the billing portal and in Watcher.\n",
                name=user.display_name,
                link=link,
            ),
        )


def reset_mail(user: User, link: str) -> tuple[str, str]:
    """Subject and body of the password-reset e-mail, in the user's language."""
    with user_locale(mail_language(user)):
        return (
            _("Reset your password"),
            _(
                "Hello %(name)s,\n\nsomeone asked to reset the password of %(email)s. "
                "If it was you, set a new one here (the link works once and expires in 2 hours):\n\n%(link)s\n\n"
                "If it was not you, ignore this e-mail: nothing changes.\n",
                name=user.display_name,
                email=user.email,
                link=link,
            ),
        )


def send_link(user: User, purpose: str) -> str:
    """Issue a link and e-mail it; raises :class:`MailError` (the link stays issued, unsent).

    The token is flushed here and committed with the caller's unit of work.
    """
    link = issue_link(user, purpose)
    db.session.flush()
    subject, body = (activation_mail if purpose == "activate" else reset_mail)(user, link)
    send_mail(user.email, subject, body)
    return link


@composer("password_reset")
def reset_message(item: MailItem) -> tuple[str, str] | None:
    """Compose a reset e-mail at delivery time: a fresh link for an enabled account, else nothing.

    ``/account/forgot`` queues a row for any address typed, so its answer and
    its timing say nothing about who has an account; whether one exists is
    decided here, after the response.
    """
    user = find_user(item.recipient)
    if user is None or not user.is_enabled:
        return None
    return reset_mail(user, issue_link(user, "reset"))
