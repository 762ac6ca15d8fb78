"""Deliver the outbox right after a request committed changes to it.

A session listener notes which objects got an outbox row in this request; once
the view has committed and the response is ready, one quick delivery attempt is
made for exactly those objects.  A failure leaves the row pending for the
worker and never disturbs the page: the form has already been saved.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import OutboxItem
from portal.sync.connection import watcher_configured

log = logging.getLogger(__name__)


def _note_outbox_rows(session: Session, _flush_context: Any, _instances: Any = None) -> None:
    if not has_request_context():
        return
    keys = {(o.object_type, o.object_id) for o in session.new if isinstance(o, OutboxItem)}
    if keys:
        g.setdefault("outbox_keys", set()).update(keys)


def register(app: Flask) -> None:
    """Install the listener (once per process) and the after-request delivery."""
    if not event.contains(Session, "before_flush", _note_outbox_rows):
        event.listen(Session, "before_flush", _note_outbox_rows)

    @app.after_request
    def _deliver(response: Response) -> Response:
        keys = g.pop("outbox_keys", None)
        if not keys or not current_app.config.get("WATCHER_DISPATCH_ON_COMMIT", True) or not watcher_configured():
            return response
        from portal.sync.outbox import dispatch
        try:
            db.session.rollback()  # anything the view left uncommitted is not ours to send
            dispatch(quick=True, only=keys)
        except Exception:  # a delivery problem must never break the page; the worker retries
            log.exception("immediate Watcher delivery failed; the worker will retry")
            db.session.rollback()
        return response
