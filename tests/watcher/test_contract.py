"""``make contract`` against the shipped Watcher-compatible server, so the suite stays honest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from portal.watcher import contract
from watcher_sim.testing import SimHandle

ROOT = Path(__file__).resolve().parents[2]


def test_contract_passes_against_the_shipped_server_and_leaves_nothing(watcher: SimHandle) -> None:
    before = watcher.control("GET", "state")
    lines: list[str] = []
    report = contract.run(watcher.url, watcher.admin_login, watcher.admin_password, prefix="ct-test", out=lines.append)
    assert report.ok, report.text()
    assert len(report.steps) >= 14 and len(lines) == len(report.steps)
    names = " | ".join(s.name for s in report.steps)
    for expected in (
        "create a non-adjustable preset",
        "rights",
        "same password",
        "page the streams",
        "delete the organization",
        "delete the user",
        "retire the preset",
    ):
        assert expected in names
    after = watcher.control("GET", "state")
    assert after["users"] == before["users"] and after["organizations"] == before["organizations"]
    assert after["members"] == before["members"] and after["org_presets"] == before["org_presets"]
    (preset,) = [p for p in after["presets"] if p["data"]["title"] == "ct-test preset"]
    assert preset["data"]["deleted_at"]  # soft-deleted: no preset DELETE is published
    assert "ct-test" in report.text() and "checks passed" in report.text()


def test_contract_reports_a_failure_and_still_cleans_up(watcher: SimHandle) -> None:
    watcher.fault("error", count=5, status=500, path="/watcher/client-api/v3/organizations/", method="GET")
    report = contract.run(
        watcher.url, watcher.admin_login, watcher.admin_password, prefix="ct-fail", out=lambda _line: None
    )
    assert not report.ok
    assert any(not s.ok for s in report.steps) and "FAIL" in report.text()
    watcher.clear_faults()
    state = watcher.control("GET", "state")
    assert not [o for o in state["organizations"] if o["data"]["title"].startswith("ct-fail")]
    assert not [u for u in state["users"] if u["name"].startswith("ct-fail")]


def test_make_contract_command(watcher: SimHandle) -> None:
    env: dict[str, Any] = {
        "WATCHER_URL": watcher.url,
        "WATCHER_LOGIN": watcher.admin_login,
        "WATCHER_PASSWORD": watcher.admin_password,
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "portal.watcher.contract"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checks passed: the portal can work with this Watcher." in done.stdout
    wrong = subprocess.run(
        [sys.executable, "-m", "portal.watcher.contract"],
        cwd=ROOT,
        env={**env, "WATCHER_PASSWORD": "wrong"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong.returncode == 1 and "FAIL" in wrong.stdout
