"""Rendered documents in the database: ask for one when it is due, serve its bytes when asked.

The API other features use (invoice PDFs here; credit notes, statements and mail attachments
next)::

    @renderer("credit_note_pdf")
    def render_credit_note(doc: Document) -> bytes: ...       # runs in an app context

    request_render("credit_note_pdf", note.id, version, language)   # when it is issued (a row +
                                                                    # a render after commit)
    body = get_or_render("credit_note_pdf", note.id, version, language)  # bytes, rendering
                                                                          # now if not ready
    find("credit_note_pdf", note.id, version)                         # its state for a page

``version`` is a hash of everything the document shows (see
:func:`portal.documents.invoice.pdf_version`), so a change asks for a new row and nothing is
ever invalidated by hand.  Rendering happens after the unit of work commits: in a background
thread of this process (``DOCUMENTS_RENDER_IN_PROCESS``, default on: no broker needed) and by
``flask documents render`` / the worker for anything left pending (a crash, a restart, a host
that renders nothing itself).  A renderer holds a lease on the row while it works, so a
download asked for meanwhile waits for it instead of rendering the same file twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import unit_of_work
from portal.background import Background
from portal.extensions import db
from portal.models import Document, DocumentState, utcnow

log = logging.getLogger(__name__)

Renderer = Callable[[Document], bytes]
RENDERERS: dict[str, Renderer] = {}
#: How long a renderer may hold a row before others may take it over.
LEASE = timedelta(minutes=5)
#: Attempts before a document stays ``failed`` until someone retries it.
MAX_ATTEMPTS = 3
_NOTED = "portal.documents.noted"
_renders = Background("documents-render", "rendering documents after commit failed; the worker will retry")


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the function that renders documents of ``kind`` (it gets the row, returns bytes)."""

    def register(function: Renderer) -> Renderer:
        RENDERERS[kind] = function
        return function

    return register


def find(kind: str, owner_id: int, version: str) -> Document | None:
    """The row of this version of the document, if one was asked for."""
    return db.session.scalar(
        select(Document).where(Document.kind == kind, Document.owner_id == owner_id, Document.version == version)
    )


def _add(kind: str, owner_id: int, version: str, language: str) -> Document:
    """The row for this version, added (pending) if there is none; safe against a concurrent add."""
    found = find(kind, owner_id, version)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            doc = Document(kind=kind, owner_id=owner_id, version=version, language=language)
            db.session.add(doc)
    except IntegrityError:  # another request added it first
        found = find(kind, owner_id, version)
        assert found is not None
        return found
    return doc


def request_render(kind: str, owner_id: int, version: str, language: str = "en") -> Document:
    """Ask for this version to be rendered once the unit of work commits; returns its row.

    Adds a pending row (nothing if it exists) and, unless ``DOCUMENTS_RENDER_IN_PROCESS`` is
    off, renders it in a background thread after commit; the worker takes what is left.
    """
    doc = _add(kind, owner_id, version, language)
    if doc.state == DocumentState.PENDING:
        _render_after_commit(doc)
    return doc


def retry(doc: Document) -> None:
    """Put a failed document back in the queue (the page's retry button)."""
    if doc.state == DocumentState.FAILED:
        doc.state, doc.attempts, doc.error, doc.claimed_until = DocumentState.PENDING.value, 0, None, None
        _render_after_commit(doc)


def is_rendering(doc: Document | None) -> bool:
    """True while a renderer holds the row."""
    return bool(
        doc is not None
        and doc.state == DocumentState.PENDING
        and doc.claimed_until is not None
        and doc.claimed_until > utcnow()
    )


def get_or_render(
    kind: str, owner_id: int, version: str, language: str = "en", render_fn: Renderer | None = None
) -> bytes:
    """The bytes of this version: stored ones, or rendered now and stored (a download that came first).

    ``render_fn`` defaults to the registered renderer of ``kind``.  Raises what it raises.
    """
    doc = _add(kind, owner_id, version, language)
    if doc.state == DocumentState.READY and doc.body is not None:
        return doc.body
    db.session.flush()
    body = (render_fn or RENDERERS[kind])(doc)
    doc.state, doc.body, doc.error, doc.rendered_at, doc.claimed_until = (
        DocumentState.READY.value,
        body,
        None,
        utcnow(),
        None,
    )
    doc.attempts += 1
    return body


def _claim(doc_id: int) -> bool:
    now = utcnow()
    with unit_of_work.transaction():
        claimed = db.session.execute(
            update(Document)
            .where(
                Document.id == doc_id,
                Document.state == DocumentState.PENDING,
                or_(Document.claimed_until.is_(None), Document.claimed_until < now),
            )
            .values(claimed_until=now + LEASE)
        )
        return bool(getattr(claimed, "rowcount", 0) == 1)


def render(doc_id: int) -> str | None:
    """Render one pending row (its own units of work); returns its new state, None if not ours."""
    if not _claim(doc_id):
        return None
    reason = ""
    try:
        with unit_of_work.transaction():
            doc = db.session.get(Document, doc_id)
            assert doc is not None
            body = RENDERERS[doc.kind](doc)
            doc.state, doc.body, doc.error, doc.rendered_at, doc.claimed_until = (
                DocumentState.READY.value,
                body,
                None,
                utcnow(),
                None,
            )
            doc.attempts += 1
            return doc.state
    except Exception as error:  # kept with its reason; retried, then shown as failed
        log.exception("rendering document #%s failed", doc_id)
        reason = f"{type(error).__name__}: {error}"
    with unit_of_work.transaction():
        doc = db.session.get(Document, doc_id)
        assert doc is not None
        doc.attempts += 1
        doc.error, doc.claimed_until = reason[:2000], None
        if doc.attempts >= MAX_ATTEMPTS:
            doc.state = DocumentState.FAILED.value
        return doc.state


def render_pending(limit: int = 50) -> int:
    """Render up to ``limit`` pending rows (the worker and ``flask documents render``); returns how many."""
    now = utcnow()
    ids = list(
        db.session.scalars(
            select(Document.id)
            .where(
                Document.state == DocumentState.PENDING,
                or_(Document.claimed_until.is_(None), Document.claimed_until < now),
            )
            .order_by(Document.id)
            .limit(limit)
        )
    )
    unit_of_work.rollback()  # end the read: each render is its own unit of work
    return sum(1 for doc_id in ids if render(doc_id) is not None)


def request_renders(kind: str, wanted: list[tuple[int, str, str]]) -> None:
    """:func:`request_render` for many NEW owners at once (the billing run's issued invoices): one INSERT.

    ``wanted`` holds ``(owner id, version, language)`` of owners with no row yet (just created),
    so there is nothing to look up first; the rows render after commit like the others.
    """
    if not wanted:
        return
    rows = [
        {"kind": kind, "owner_id": owner, "version": version, "language": language}
        for owner, version, language in wanted
    ]
    ids = list(db.session.scalars(insert(Document).returning(Document.id), rows))
    _note_for_render(ids)


def _render_after_commit(doc: Document) -> None:
    """Render ``doc`` after commit, in the one background thread this unit of work starts."""
    if not current_app.config.get("DOCUMENTS_RENDER_IN_PROCESS", True):
        return
    db.session.flush()
    _note_for_render([doc.id])


def _note_for_render(doc_ids: list[int]) -> None:
    """Render these rows after commit, in the one background thread this unit of work starts."""
    if not current_app.config.get("DOCUMENTS_RENDER_IN_PROCESS", True):
        return
    noted: list[int] = db.session.info.setdefault(_NOTED, [])
    noted.extend(doc_ids)
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

    def start() -> None:
        ids = db.session.info.pop(_NOTED, None)  # the first callback takes them all
        if not ids:
            return
        _renders.start(_renders.thread(app, render, ids))

    unit_of_work.after_commit(start)


def wait_for_renders(timeout: float = 60.0) -> None:
    """Join the background render threads (tests, and a clean shutdown)."""
    _renders.wait(timeout)
