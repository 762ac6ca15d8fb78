"""Outgoing mail over SMTP (the caller decides when: after the link or change it carries is flushed)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from portal import settings

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the message."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (an invoice's PDF)."""

    filename: str
    mimetype: str
    data: bytes


def send_mail(to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()) -> None:
    """Send a plain-text message (with ``attachments``); raises :class:`MailError` on failure (never logs the body)."""
    config = settings.current().mail
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body, cte="8bit")  # links stay on one line, readable in any mail sink
    for attachment in attachments:
        maintype, _, subtype = attachment.mimetype.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    try:
        with smtplib.SMTP(config.server, config.port, timeout=10) as smtp:
            if config.use_tls:
                smtp.starttls()
            if config.username:
                smtp.login(config.username, config.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail to %s (%s) not sent: %s", to, subject, type(exc).__name__)
        raise MailError(f"The e-mail to {to} could not be sent ({exc}).") from exc
    log.info("mail sent to %s: %s", to, subject)
