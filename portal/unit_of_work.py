"""One unit of work per request and per job: the ONE module that commits or rolls back.

Services add and flush; they never commit.  A request is one unit of work: the
``after_request`` hook commits it when the view returned normally, and it is
rolled back when anything raised (the error handlers call :func:`fail` first) or
when a view refused the operation (:func:`refuse`).  A job (a CLI command, the
worker, the billing run) runs through :func:`run_job` / :func:`transaction`,
which commit when the block returns and roll back when it raises.

Watcher delivery runs *after* commit: :func:`note_outbox` remembers which
objects got an outbox row in this session; once the request's unit of work is
committed, one quick delivery attempt is made for exactly those objects.  A
failure leaves the rows pending for the worker and never disturbs the page.

A structural test (``tests/test_unit_of_work.py``) fails on any ``.commit()``
outside this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import ParamSpec, TypeVar

from flask import Flask, Response, flash, g, has_request_context

from portal.extensions import db
from portal.models import User

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_OUTBOX_KEYS = "portal.outbox_keys"
_AFTER_COMMIT = "portal.after_commit"
_FAILED = "_unit_of_work_failed"


def note_outbox(object_type: str, object_id: int) -> None:
    """Remember that ``object_type #object_id`` got an outbox row in this unit of work."""
    keys: set[tuple[str, int]] = db.session.info.setdefault(_OUTBOX_KEYS, set())
    keys.add((object_type, object_id))


def _take_outbox_keys() -> set[tuple[str, int]]:
    keys: set[tuple[str, int]] = db.session.info.pop(_OUTBOX_KEYS, None) or set()
    return keys


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once this unit of work has committed; a rollback forgets it."""
    callbacks: list[Callable[[], None]] = db.session.info.setdefault(_AFTER_COMMIT, [])
    callbacks.append(callback)


def commit() -> None:
    """Commit the session (the request hook and the job runner are the only callers).

    Then run what was registered with :func:`after_commit` (a failure there is logged:
    what it was for stays queued for the worker).
    """
    db.session.commit()
    for callback in db.session.info.pop(_AFTER_COMMIT, None) or []:
        try:
            callback()
        except Exception:
            log.exception("an after-commit step failed; the worker will retry")


def rollback() -> None:
    """Roll the session back and forget the outbox rows and after-commit steps it had noted."""
    db.session.info.pop(_OUTBOX_KEYS, None)
    db.session.info.pop(_AFTER_COMMIT, None)
    db.session.rollback()


def fail() -> None:
    """Roll back and make sure nothing else of this request is committed.

    Called first by the error handlers.  If even the rollback fails (the
    connection is gone), the session is closed so the error page can render.
    """
    if has_request_context():
        setattr(g, _FAILED, True)
    try:
        rollback()
    except Exception:  # a dead connection: drop the session, the pool reconnects
        log.exception("rollback failed; closing the session")
        db.session.close()


def end_early() -> None:
    """End the request's unit of work now, before a deliberate wait (e.g. a late answer).

    Commits (or rolls back, if the request already failed) and returns the connection
    to the pool, so the wait holds no transaction, row lock or connection; the
    after-request hook then finds nothing left to do.
    """
    if has_request_context() and g.get(_FAILED):
        rollback()
    else:
        commit()
    db.session.close()


@contextmanager
def transaction() -> Iterator[None]:
    """One unit of work for a job step: commit when the block returns, roll back when it raises."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    commit()


def run_job(job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``job`` as one unit of work (the job runner for CLI commands and the worker)."""
    with transaction():
        return job(*args, **kwargs)


def run_locked_job(lock: str, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``job`` as one unit of work under the job lock ``lock``; raises ``LockBusy``.

    The lock is taken before the transaction starts and released after it has
    committed (or rolled back), on its own connection (see :mod:`portal.sync.locks`).
    """
    from portal.sync.locks import job_lock

    with job_lock(lock) if lock else nullcontext():
        return run_job(job, *args, **kwargs)


def refuse(
    error: Exception,
    form: object | None = None,
    *,
    default_field: str | None = None,
    field: str | None = None,
    category: str = "error",
    message: str | None = None,
) -> str:
    """Roll the unit of work back and show a domain error; returns its message.

    The one mapping of domain errors onto forms: with a ``form``, the message goes
    on ``field`` if given, else on the field the error names (``error.field``),
    else on ``default_field``; without a form, or when no field of the form is
    named, it is flashed (``category``).  ``message`` is used when the error
    carries none of its own (the engine's errors).
    """
    fail()
    message = getattr(error, "message", None) or message or str(error)
    target = field or getattr(error, "field", None) or default_field
    form_field = getattr(form, target, None) if form is not None and target else None
    if form_field is not None and hasattr(form_field, "errors"):
        form_field.errors = [*form_field.errors, message]
    else:
        flash(message, category)
    return str(message)


def _deliver_noted(app: Flask, keys: set[tuple[str, int]]) -> None:
    """One quick delivery attempt for the objects this request queued (after commit)."""
    from portal import settings
    from portal.sync.outbox import dispatch

    watcher = settings.current().watcher
    if not keys or not watcher.dispatch_on_commit or not watcher.configured:
        return
    try:
        dispatch(quick=True, only=keys)
    except Exception:  # a delivery problem must never break the page; the worker retries
        log.exception("immediate Watcher delivery failed; the worker will retry")
        fail()


def register(app: Flask) -> None:
    """Commit each request that returned normally, roll back the others; deliver after commit."""

    from flask import request
    from flask_login import current_user

    from portal.audit import service as audit

    def _signed_in() -> User | None:
        user = current_user._get_current_object()
        return user if isinstance(user, User) and user.is_authenticated else None

    @app.before_request
    def _begin_unit_of_work() -> None:
        g._audit_token = audit.bind(audit.Origin(actor=_signed_in, ip=request.remote_addr))

    @app.after_request
    def _end_unit_of_work(response: Response) -> Response:
        if g.get(_FAILED):
            rollback()
            return response
        commit()  # raising here turns into the portal's 500 page (and a rollback)
        _deliver_noted(app, _take_outbox_keys())
        return response

    @app.teardown_request
    def _roll_back_on_error(error: BaseException | None) -> None:
        if error is not None:
            fail()
        token = g.pop("_audit_token", None)
        if token is not None:
            try:
                audit.unbind(token)
            except ValueError:  # set in another context (a streamed response); it dies with it
                pass
