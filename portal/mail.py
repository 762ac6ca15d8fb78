"""Outgoing mail over SMTP, sent after the transaction that caused it has committed."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the message."""


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message; raises :class:`MailError` on failure (never logs the body)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body, cte="8bit")  # links stay on one line, readable in any mail sink
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail to %s (%s) not sent: %s", to, subject, type(exc).__name__)
        raise MailError(f"The e-mail to {to} could not be sent ({exc}).") from exc
    log.info("mail sent to %s: %s", to, subject)
