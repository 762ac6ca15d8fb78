"""Job locks: a run killed while holding its lock.

On PostgreSQL the lock is an advisory lock held by the run's own connection: the
moment the process dies its connection ends and the next run may start.  On SQLite
(a single-host setup) it is a lease that a later run takes over once stale.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from flask import Flask

from portal.extensions import db
from portal.sync.locks import LockBusy, job_lock
from tests.conftest import make_config

HOLDER = """
import sys
from portal import create_app
from portal.sync.locks import job_lock

app = create_app({config!r})
with app.app_context(), job_lock("billing-run"):
    print("held", flush=True)
    sys.stdin.read()  # hold the lock until killed
"""


def _free(app: Flask, stale_after: timedelta = timedelta(minutes=30)) -> bool:
    with app.app_context():
        try:
            with job_lock("billing-run", stale_after=stale_after):
                return True
        except LockBusy:
            return False


def _poll_free(app: Flask, deadline: float) -> bool:
    """Whether the lock becomes free before ``deadline`` (the server notices a dead client at once)."""
    while True:
        if _free(app):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def test_lock_of_a_killed_run(app: Flask) -> None:
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
        postgres = db.engine.dialect.name == "postgresql"
    script = HOLDER.format(config=make_config(url))
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not _free(app)  # held by a live run: refused
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(30)
    if postgres:
        assert _poll_free(app, time.monotonic() + 30)
        assert _free(app)  # and taken back after use
    else:
        assert not _free(app)  # the lease outlives its run...
        assert _free(app, stale_after=timedelta(0))  # ...until it is stale


@pytest.mark.parametrize("nested", ["billing-run", "watcher-pull"])
def test_a_held_lock_refuses_a_second_holder(app: Flask, nested: str) -> None:
    with app.app_context(), job_lock("billing-run"):
        if nested == "billing-run":
            with pytest.raises(LockBusy):
                with job_lock(nested):
                    pass
        else:
            with job_lock(nested):  # another name is another lock
                pass
