"""Access logs never show query strings (passwords) nor the external-auth secret."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests

from portal.logredact import loggable_path
from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_loggable_path() -> None:
    assert loggable_path("/watcher/auth/s3cret?login=a@b.c&password=hunter2") == "/watcher/auth/***"
    assert loggable_path("/admin/users/?q=x") == "/admin/users/"


def _serve_and_log(command: list[str], port: int, env: dict[str, str]) -> str:
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/watcher/auth/topsecret-path",
                             params={"login": "a@b.c", "password": "hunter2-pass"}, timeout=10)
                break
            except requests.RequestException:  # not listening yet, or the worker still booting
                time.sleep(0.1)
        time.sleep(0.3)
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=10)
    return output


def _env(tmp_path: Path) -> dict[str, str]:
    import os
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'log.sqlite'}",
           "SECRET_KEY": "log-test-secret-key-0123456789abcdef", "EXTERNAL_AUTH_SECRET": "topsecret-path"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    return env


def test_log_messages_are_filtered(caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    from portal.logredact import RedactFilter
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Exception on %s [GET]",
                               ("/watcher/auth/s3cret",), None)
    RedactFilter().filter(record)
    assert record.getMessage() == "Exception on /watcher/auth/*** [GET]"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /x?login=a&password=hunter2", None, None)
    RedactFilter().filter(record)
    assert "hunter2" not in record.getMessage()


def test_dev_server_log_is_redacted(tmp_path: Path) -> None:
    port = free_port()
    output = _serve_and_log([sys.executable, "-m", "portal.devserver", "--port", str(port)], port, _env(tmp_path))
    assert "/watcher/auth/***" in output
    assert "hunter2-pass" not in output and "topsecret-path" not in output


def test_gunicorn_log_is_redacted(tmp_path: Path) -> None:
    port = free_port()
    env = {**_env(tmp_path), "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    output = _serve_and_log([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"], port, env)
    assert "/watcher/auth/***" in output
    assert "hunter2-pass" not in output and "topsecret-path" not in output
