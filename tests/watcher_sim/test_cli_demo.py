"""Command line, subprocess start, and the demo data set."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.watcher_sim.helpers import Api
from watcher_sim.demo import CAMERAS, DEMO_PASSWORD, ORGS
from watcher_sim.testing import SimHandle, start_server

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_help_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "watcher_sim", "--help"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0
    for flag in ("--port", "--data", "--demo", "--token-ttl", "--external-auth-url"):
        assert flag in out.stdout


def _start_on_free_port(tmp_path: Path) -> tuple[subprocess.Popen[str], requests.Response]:
    """Start the server in a subprocess; try another port if one is taken between choosing and binding."""
    for attempt in range(5):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "watcher_sim",
                "--port",
                str(port),
                "--data",
                str(tmp_path / f"w{attempt}.sqlite"),
                "--admin-login",
                "root",
                "--admin-password",
                "pw",
            ],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        url = f"http://127.0.0.1:{port}/watcher/admin-api/v3/login"
        deadline = time.monotonic() + 60  # generous: the machine may be busy
        while proc.poll() is None:
            try:
                return proc, requests.post(url, auth=("root", "pw"), timeout=30)
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.1)
        output, _ = proc.communicate(timeout=60)
        assert "in use" in output, output  # anything but a taken port is a real failure
    raise AssertionError("no free port could be bound five times in a row")


def test_subprocess_start_answers_basic_login(tmp_path: Path) -> None:
    proc, resp = _start_on_free_port(tmp_path)
    try:
        assert resp.status_code == 200
        assert resp.json()["access_token"].count(".") == 2
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=60)
    assert "root" in output  # the admin account is printed at start


def test_demo_data_loads_once_with_history(tmp_path: Path) -> None:
    handle = start_server(tmp_path, demo=True)
    try:
        admin = Api(handle)
        streams = admin.ok("GET", "/streams?limit=1000")["streams"]
        assert len(streams) == len(CAMERAS) >= 15
        now = int(time.time() * 1000)
        assert all(s["created_at"] < now - 86_400_000 for s in streams)
        assert any(s["last_change"]["created_at"] > s["created_at"] for s in streams)
        assert any(s["disabled"] for s in streams)
        titles = {o["title"] for o in Api(handle, "client").ok("GET", "/organizations")["organizations"]}
        assert titles == {title for title, *_ in ORGS}
        assert handle.sim.load_demo() is False
        owner = Api(handle, "client", ORGS[0][1], DEMO_PASSWORD)
        mine = owner.ok("GET", "/streams")["streams"]
        assert mine and {s["organization"]["title"] for s in mine} == {ORGS[0][0]}
    finally:
        handle.stop()
    again = start_server(tmp_path, demo=True)  # restart on the same file: no duplicates
    try:
        assert Api(again).ok("GET", "/streams")["estimated_count"] == len(CAMERAS)
    finally:
        again.stop()


def test_reset_fixture_gives_empty_store(watcher: SimHandle) -> None:
    assert Api(watcher).ok("GET", "/streams")["streams"] == []
