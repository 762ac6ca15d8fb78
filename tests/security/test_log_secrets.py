"""No secret in any access log the project configures, after a full journey over real HTTP:
activation and reset links (valid, used and bogus), Watcher's external authentication,
forgot-password with mail failing, login and logout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from portal.logredact import SECRET_PREFIXES
from tests.mailbox import free_port

ROOT = Path(__file__).resolve().parents[2]
EXT_SECRET = "ext-secret-path-9f8e7d"
PASSWORDS = ("journey-password-1", "journey-password-2", "hunter2-query-pass")


def _prepare(tmp_path: Path) -> tuple[dict[str, str], dict[str, str]]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'journey.sqlite'}",
        "SECRET_KEY": "journey-secret-key-0123456789abcdef0123",
        "EXTERNAL_AUTH_SECRET": EXT_SECRET,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(free_port()),
        "WATCHER_URL": "",
        "PUBLIC_URL": "http://127.0.0.1",
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    script = (
        "from app import app\n"
        "from portal.extensions import db\n"
        "from portal.models import User\n"
        "from portal.account.service import issue_link\n"
        "with app.app_context():\n"
        "    a = User(email='new@example.com', role='subscriber'); b = User(email='old@example.com', role='subscriber')\n"
        "    b.set_password('journey-password-0'); db.session.add_all([a, b]); db.session.flush()\n"
        "    print(issue_link(a, 'activate')); print(issue_link(b, 'reset')); db.session.commit()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    links = [line for line in out if line.startswith("http://127.0.0.1/account/")]
    tokens = {"activate": links[0].rsplit("/", 1)[1], "reset": links[1].rsplit("/", 1)[1]}
    return env, tokens


def _csrf(session: requests.Session, url: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(url, timeout=15).text)
    assert match, url
    return match.group(1)


def _journey(base: str, tokens: dict[str, str], proc: subprocess.Popen[str], database_url: str) -> None:
    deadline = time.monotonic() + 90  # a loaded machine can take a while to import the app
    while True:
        try:
            requests.get(f"{base}/login", timeout=10)
            break
        except requests.RequestException:
            assert proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not answer within 90 s"
            time.sleep(0.2)
    s = requests.Session()
    url = f"{base}/account/activate/{tokens['activate']}"
    r = s.post(
        url,
        data={"csrf_token": _csrf(s, url), "password": PASSWORDS[0], "confirm": PASSWORDS[0]},
        allow_redirects=False,
        timeout=15,
    )
    assert r.status_code == 302, r.text[:500]
    s.post(f"{base}/logout", data={"csrf_token": _csrf(s, f"{base}/")}, timeout=15)
    s.get(url, timeout=15)  # the used link again: 404, path still secret
    s.get(f"{base}/account/reset/bogus-token-abcdef123456", timeout=15)
    other = requests.Session()
    url = f"{base}/account/reset/{tokens['reset']}"
    r = other.post(
        url,
        data={"csrf_token": _csrf(other, url), "password": PASSWORDS[1], "confirm": PASSWORDS[1]},
        allow_redirects=False,
        timeout=15,
    )
    assert r.status_code == 302
    requests.get(
        f"{base}/watcher/auth/{EXT_SECRET}", params={"login": "new@example.com", "password": PASSWORDS[2]}, timeout=15
    )
    anon = requests.Session()
    anon.post(
        f"{base}/account/forgot",
        data={"csrf_token": _csrf(anon, f"{base}/account/forgot"), "email": "new@example.com"},
        timeout=15,
    )
    login = requests.Session()
    login.post(
        f"{base}/login",
        data={"csrf_token": _csrf(login, f"{base}/login"), "email": "new@example.com", "password": PASSWORDS[0]},
        timeout=15,
    )
    _wait_for_a_mail_attempt(database_url)  # the mail thread tries (and fails) after the response


def _wait_for_a_mail_attempt(database_url: str) -> None:
    """Poll the mail queue until the server's mail thread has recorded its (failed) attempt."""
    engine = create_engine(database_url)
    give_up = time.monotonic() + 60
    try:
        while True:
            with engine.connect() as conn:
                if conn.execute(text("SELECT MAX(attempts) FROM mail_outbox")).scalar() or 0:
                    return
            assert time.monotonic() < give_up, "the mail thread never tried to send"
            time.sleep(0.05)
    finally:
        engine.dispose()


@pytest.mark.parametrize("server", ["devserver", "gunicorn"])
def test_no_secret_in_access_logs_after_a_full_journey(tmp_path: Path, server: str) -> None:
    env, tokens = _prepare(tmp_path)
    port = free_port()
    if server == "devserver":
        command = [sys.executable, "-m", "portal.devserver", "--port", str(port), "--access-log"]
    else:
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"]
        env.update({"BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"})
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _journey(f"http://127.0.0.1:{port}", tokens, proc, env["DATABASE_URL"])
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    for prefix in SECRET_PREFIXES:
        assert f"{prefix}***" in output, (prefix, output[-2000:])  # the requests were logged, masked
    for secret in (*tokens.values(), "bogus-token-abcdef123456", EXT_SECRET, *PASSWORDS):
        assert secret not in output, secret
    assert "not sent" in output  # the failed mail was logged, without its link
