"""Work done after a unit of work commits, on a daemon thread with an application context of its own.

The invoice PDFs rendered when issued (:mod:`portal.documents.store`) and the e-mails sent
once a response is out (:mod:`portal.mailqueue`) both work through row ids this way: each id
is handled in turn, the thread's session is removed after, and a failure is logged and left
to the worker (the rows stay pending) rather than escaping a thread nobody watches.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask

from portal.extensions import db

log = logging.getLogger(__name__)


class Background:
    """One kind of after-commit work: its threads, so tests and a clean shutdown can wait for them."""

    def __init__(self, name: str, failure: str) -> None:
        self.name, self.failure = name, failure
        self.threads: set[threading.Thread] = set()

    def thread(
        self, app: Flask, each: Callable[[int], object], ids: list[int], ready: threading.Event | None = None
    ) -> threading.Thread:
        """A thread (not started) calling ``each(id)`` for ``ids``, after ``ready`` is set (at most 0.2 s)."""

        def run() -> None:
            if ready is not None:
                ready.wait(0.2)
            try:
                with app.app_context():
                    try:
                        for item_id in ids:
                            each(item_id)
                    finally:
                        db.session.remove()
            except Exception:  # the worker retries; nothing may escape a daemon thread unseen
                log.exception(self.failure)
            finally:
                self.threads.discard(threading.current_thread())

        return threading.Thread(target=run, name=self.name, daemon=True)

    def start(self, thread: threading.Thread) -> None:
        """Start ``thread``, tracked until it ends."""
        self.threads.add(thread)
        thread.start()

    def wait(self, timeout: float) -> None:
        """Join the threads still running."""
        for thread in list(self.threads):
            thread.join(timeout)
