"""Access logs never show query strings (passwords) nor the external-auth secret."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

from portal.logredact import loggable_path
from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_loggable_path() -> None:
    assert loggable_path("/watcher/auth/s3cret?login=a@b.c&password=hunter2") == "/watcher/auth/***"
    assert loggable_path("/admin/users/?q=x") == "/admin/users/"


class _PortTaken(Exception):
    """Another process took the free port between choosing it and binding it."""


def _serve_and_log(start: Callable[[int], tuple[list[str], dict[str, str]]]) -> str:
    """Run ``start(port)``'s server on a free port (another if that one is taken meanwhile)."""
    for _ in range(5):
        try:
            return _serve_once(free_port(), start)
        except _PortTaken:
            continue
    raise AssertionError("no free port could be bound five times in a row")


def _serve_once(port: int, start: Callable[[int], tuple[list[str], dict[str, str]]]) -> str:
    """Start a server, call the external-auth URL once it answers, return its log once the call shows."""
    command, env = start(port)
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        give_up = time.monotonic() + 60  # generous: the machine may be busy
        while True:
            try:
                requests.get(
                    f"http://127.0.0.1:{port}/watcher/auth/topsecret-path",
                    params={"login": "a@b.c", "password": "hunter2-pass"},
                    timeout=30,
                )
                break
            except requests.RequestException:  # not listening yet, or the worker still booting
                if any("in use" in line for line in lines):
                    raise _PortTaken() from None
                assert proc.poll() is None, "".join(lines)
                assert time.monotonic() < give_up, "the server never answered:\n" + "".join(lines)
                time.sleep(0.1)
        while not any("/watcher/auth/" in line for line in lines):  # the access log line is written
            assert time.monotonic() < give_up, "no access log line:\n" + "".join(lines)
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        reader.join(timeout=60)
    return "".join(lines)


def _env(tmp_path: Path) -> dict[str, str]:
    import os

    from sqlalchemy import create_engine

    from portal.models import Base

    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)  # the tables the server reads (migrations are tested elsewhere)
    engine.dispose()
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "log-test-secret-key-0123456789abcdef",
        "EXTERNAL_AUTH_SECRET": "topsecret-path",
        "EXTERNAL_AUTH_FALLBACK_DELAY_MS": "0",
    }  # an unknown login gets the (late) fallback answer


def test_log_messages_are_filtered(caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from portal.logredact import RedactFilter

    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "Exception on %s [GET]", ("/watcher/auth/s3cret",), None
    )
    RedactFilter().filter(record)
    assert record.getMessage() == "Exception on /watcher/auth/*** [GET]"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /x?login=a&password=hunter2", None, None)
    RedactFilter().filter(record)
    assert "hunter2" not in record.getMessage()


def test_dev_server_log_is_redacted(tmp_path: Path) -> None:
    env = _env(tmp_path)
    output = _serve_and_log(
        lambda port: ([sys.executable, "-m", "portal.devserver", "--port", str(port), "--access-log"], env)
    )
    assert "/watcher/auth/***" in output
    assert "hunter2-pass" not in output and "topsecret-path" not in output


def test_gunicorn_log_is_redacted(tmp_path: Path) -> None:
    env = _env(tmp_path)
    output = _serve_and_log(
        lambda port: (
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
            {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"},
        )
    )
    assert "/watcher/auth/***" in output
    assert "hunter2-pass" not in output and "topsecret-path" not in output


def test_dev_server_access_log_is_off_unless_asked() -> None:
    from portal.devserver import PathOnlyRequestHandler, QuietRequestHandler, request_handler

    assert request_handler(access_log=False) is QuietRequestHandler
    assert request_handler(access_log=True) is PathOnlyRequestHandler
    # the quiet handler writes nothing for a request
    handler = QuietRequestHandler.__new__(QuietRequestHandler)
    handler.log = lambda *args: (_ for _ in ()).throw(AssertionError(args))  # type: ignore[method-assign]
    handler.log_request(200, 10)
