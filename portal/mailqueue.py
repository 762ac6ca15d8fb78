"""The mail outbox: e-mail is queued inside the unit of work and sent after it, with retries.

Why: sending inside the request made ``/account/forgot`` slower for a known
address than for an unknown one, and an SMTP outage changed its answer.  Now
the request only adds a :class:`~portal.models.MailItem` and commits, the same
work for any address; the message is composed and sent after the response (a
short-lived thread, :func:`send_after_response`) or by the worker
(``flask watcher worker`` / ``flask mail deliver``), which retries with backoff.

Composers build the message at delivery time from the row's ``kind``; one
returning ``None`` drops the row (nothing to send).  A composer returns
``(subject, body)`` or a :class:`Composed` with attachments (the billing mail
of :mod:`portal.billing_mail` attaches the invoice PDF, rendered only then).
Rows may name the organization they concern (its timeline lists them) and carry
a unique ``dedup_key`` (a reminder is queued once).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, after_this_request, current_app, has_request_context
from sqlalchemy import delete, event, select, update
from werkzeug.wrappers import Response

from portal import unit_of_work
from portal.background import Background
from portal.extensions import db
from portal.mail import Attachment, MailError, send_mail
from portal.models import MAIL_DROPPED, MAIL_FAILED, MAIL_PENDING, MAIL_SENT, AccountToken, MailItem, utcnow

log = logging.getLogger(__name__)

#: How long a delivery may hold a row before another deliverer may take it.
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Composed:
    """A composed message with attachments."""

    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()


Composer = Callable[[MailItem], "tuple[str, str] | Composed | None"]
COMPOSERS: dict[str, Composer] = {}


def composer(kind: str) -> Callable[[Composer], Composer]:
    """Register the function that builds (subject, body) for rows of ``kind``."""

    def register(function: Composer) -> Composer:
        COMPOSERS[kind] = function
        return function

    return register


@composer("message")
def _stored_message(item: MailItem) -> tuple[str, str]:
    return item.subject, item.body


def enqueue(
    kind: str,
    recipient: str,
    subject: str = "",
    body: str = "",
    payload: dict[str, Any] | None = None,
    *,
    organization_id: int | None = None,
    dedup_key: str | None = None,
) -> MailItem:
    """Queue one e-mail (adds and flushes; the caller commits, then may :func:`send_after_response`).

    ``organization_id`` puts it on that organization's timeline; ``dedup_key`` (unique)
    lets the database refuse a second row for the same message.
    """
    item = MailItem(
        **mail_row(kind, recipient, subject, body, payload, organization_id=organization_id, dedup_key=dedup_key)
    )
    db.session.add(item)
    db.session.flush()
    return item


def mail_row(
    kind: str,
    recipient: str,
    subject: str = "",
    body: str = "",
    payload: dict[str, Any] | None = None,
    *,
    organization_id: int | None = None,
    dedup_key: str | None = None,
) -> dict[str, Any]:
    """The columns of one queued e-mail (:func:`enqueue`'s, also for bulk inserts of many)."""
    if kind not in COMPOSERS:
        raise ValueError(f"no mail composer for {kind!r}")
    return {
        "kind": kind,
        "recipient": recipient[:254],
        "subject": subject[:200],
        "body": body,
        "payload": payload or {},
        "next_attempt_at": utcnow(),
        "organization_id": organization_id,
        "dedup_key": dedup_key,
    }


def backoff(attempts: int, base: float) -> timedelta:
    """Delay before the next attempt: exponential with jitter, capped at an hour."""
    seconds = base * (2 ** max(0, attempts - 1))
    return min(MAX_BACKOFF, timedelta(seconds=seconds * random.uniform(0.8, 1.2)))


@dataclass
class MailResult:
    """What a delivery run did."""

    sent: int = 0
    dropped: int = 0
    failed: int = 0


def _claim(item_id: int, now: datetime) -> bool:
    """Lease the row (a conditional UPDATE, its own unit of work) so a concurrent deliverer skips it."""
    with unit_of_work.transaction():
        result = db.session.execute(
            update(MailItem)
            .where(MailItem.id == item_id, MailItem.state == MAIL_PENDING, MailItem.next_attempt_at <= now)
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # an UPDATE's CursorResult


@contextmanager
def _tracking_new_tokens(found: list[AccountToken]) -> Iterator[None]:
    """Collect the account tokens (links) added to the session inside the block."""
    session = db.session()

    def track(_session: object, obj: object) -> None:
        if isinstance(obj, AccountToken):
            found.append(obj)

    event.listen(session, "transient_to_pending", track)
    try:
        yield
    finally:
        event.remove(session, "transient_to_pending", track)


@contextmanager
def _document_language_of(item: MailItem) -> Iterator[None]:
    """A message about an organization's money (invoice, reminder, receipt, dunning notice) is
    one of its documents: composed in its document language.  Others compose their own."""
    from portal.i18n import document_locale
    from portal.models import Organization

    org_id = item.organization_id or (item.payload or {}).get("organization_id")
    org = db.session.get(Organization, int(org_id)) if org_id else None
    if org is None:
        yield
        return
    with document_locale(org.document_language):
        yield


def deliver(item_id: int, now: datetime | None = None) -> str | None:
    """Compose and send one due row; returns its new state, or None if it was not ours to send.

    What the composer writes (a reset token) is committed *before* the message goes
    out, so a link is valid by the time anyone can read it; if sending then fails, the
    tokens it wrote are deleted (a failed mail's link is not kept) and the retry
    composes a new one.  A crash between sending and recording it sends the message
    again after the lease (at least once, never lost).
    """
    now = now or utcnow()
    if not _claim(item_id, now):
        return None
    config = current_app.config
    try:
        with unit_of_work.transaction():  # compose: what the message refers to exists first
            item = db.session.get(MailItem, item_id)
            assert item is not None
            tokens: list[AccountToken] = []
            with _tracking_new_tokens(tokens), _document_language_of(item):
                message = COMPOSERS[item.kind](item) if item.kind in COMPOSERS else None
            recipient = item.recipient
            if message is None:
                item.state = MAIL_DROPPED
                item.attempts += 1
                return item.state
        token_ids = [token.id for token in tokens]
        if not isinstance(message, Composed):
            message = Composed(*message)
        try:
            extra = (message.attachments,) if message.attachments else ()  # plain mail: the 3-argument call
            send_mail(recipient, message.subject, message.body, *extra)
        except MailError:
            with unit_of_work.transaction():  # the link that never went out dies
                db.session.execute(delete(AccountToken).where(AccountToken.id.in_(token_ids)))
            raise
        with unit_of_work.transaction():  # record the delivery
            item = db.session.get(MailItem, item_id)
            assert item is not None
            item.state, item.sent_at = MAIL_SENT, utcnow()
            item.attempts += 1
            return item.state
    except MailError as error:
        reason = str(error)
    except Exception as error:  # a composer bug: keep the row, say why, retry later
        log.exception("composing mail #%s failed", item_id)
        reason = f"{type(error).__name__}: {error}"
    with unit_of_work.transaction():  # the failed attempt was rolled back: record it anew
        item = db.session.get(MailItem, item_id)
        assert item is not None
        item.attempts += 1
        item.last_error, item.last_error_at = reason[:2000], utcnow()
        if item.attempts >= int(config.get("MAIL_MAX_ATTEMPTS", 10)):
            item.state = MAIL_FAILED
            log.error(
                "mail #%s (%s) to %s failed for good after %s attempts: %s",
                item.id,
                item.kind,
                item.recipient,
                item.attempts,
                reason,
            )
        else:
            item.next_attempt_at = utcnow() + backoff(item.attempts, float(config.get("MAIL_BACKOFF_SECONDS", 30)))
            log.warning("mail #%s (%s) not sent, attempt %s: %s", item.id, item.kind, item.attempts, reason)
        return item.state


def deliver_due(limit: int = 100, now: datetime | None = None) -> MailResult:
    """Send every pending row that is due (the worker's round)."""
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(MailItem.id)
            .where(MailItem.state == MAIL_PENDING, MailItem.next_attempt_at <= now)
            .order_by(MailItem.id)
            .limit(limit)
        )
    )
    unit_of_work.rollback()  # end the read; each delivery is its own unit of work
    result = MailResult()
    for item_id in ids:
        state = deliver(item_id, now)
        if state == MAIL_SENT:
            result.sent += 1
        elif state == MAIL_DROPPED:
            result.dropped += 1
        elif state is not None:
            result.failed += 1
    return result


_deliveries = Background("mail-after-response", "mail delivery after the response failed; the worker will retry")


def send_after_response(ids: Iterable[int]) -> None:
    """Deliver ``ids`` in a background thread once the unit of work has committed and the response is out.

    The thread waits for the server to close the response (at most a moment: the
    test client never closes), so the answer's timing never depends on the mail.
    A failure stays queued for the worker.  ``MAIL_SEND_AFTER_RESPONSE=False``
    leaves everything to the worker.
    """
    ids = list(ids)
    if not ids or not current_app.config.get("MAIL_SEND_AFTER_RESPONSE", True):
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    closed = threading.Event()
    if has_request_context():

        @after_this_request
        def _on_close(response: Response) -> Response:
            response.call_on_close(closed.set)
            return response
    else:
        closed.set()
    thread = _deliveries.thread(app, deliver, ids, ready=closed)

    def start() -> None:  # tracked only once started: a rolled-back unit of work never starts it
        _deliveries.start(thread)

    unit_of_work.after_commit(start)


def wait_for_deliveries(timeout: float = 10.0) -> None:
    """Join the after-response threads (tests, and a clean shutdown)."""
    _deliveries.wait(timeout)
