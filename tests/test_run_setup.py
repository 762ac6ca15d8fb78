"""What `make run` relies on: a favicon, settings from a dotenv file, demo dates relative to today."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from portal.demo import load_demo
from portal.extensions import db
from portal.models import Organization
from watcher_sim.testing import SimHandle, watcher, watcher_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]


def test_favicon_is_served(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert response.data == (ROOT / "static" / "favicon.ico").read_bytes()


def test_flask_cli_loads_settings_from_a_dotenv_file(tmp_path: Path) -> None:
    """`make run` writes its settings to .env; a second terminal's `flask` command picks them up."""
    (tmp_path / ".env").write_text("WATCHER_URL=http://127.0.0.1:65000\nFLASK_APP=app\n")
    env = {k: v for k, v in os.environ.items() if k not in {"WATCHER_URL", "FLASK_APP"}}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-m", "flask", "shell"],
        cwd=tmp_path,
        input="print('URL=' + app.config['WATCHER_URL'])\n",
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "URL=http://127.0.0.1:65000" in out.stdout


def test_run_script_writes_the_dotenv_file_flask_reads() -> None:
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert "> .env" in script or ">.env" in script
    assert ".env" in (ROOT / ".gitignore").read_text().split()


def test_demo_loaded_today_has_harbor_clinic_in_trial(app: Flask, runner: FlaskCliRunner) -> None:
    """README promises "Harbor Clinic, in trial" whatever the day `make run` loads the demo."""
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        today = date.today()
        clinic = db.session.scalar(select(Organization).where(Organization.title == "Harbor Clinic"))
        assert clinic is not None and clinic.is_in_trial(today)
        others = db.session.scalars(select(Organization).where(Organization.title != "Harbor Clinic")).all()
        assert others and not any(o.is_in_trial(today) for o in others)


@pytest.mark.parametrize("day", [date(2031, 2, 28), date(2040, 12, 31)])
def test_demo_dates_follow_the_day_it_is_loaded(app: Flask, day: date) -> None:
    with app.app_context():
        assert load_demo(today=day)
        db.session.commit()
        clinic = db.session.scalar(select(Organization).where(Organization.title == "Harbor Clinic"))
        assert clinic is not None and clinic.is_in_trial(day)
        assert clinic.trial_start is not None and clinic.trial_start < day


def test_watcher_liveness_probe_answers_without_credentials(watcher: SimHandle) -> None:  # noqa: F811
    """`make run` waits on this probe before it goes on; it must answer 200, not 404 or 401."""
    for probe in ("liveness", "readiness"):
        response = requests.get(f"{watcher.admin_url}/monitoring/{probe}", timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"now", "server_version", "started_at"}  # the published ServerStatsWhoami example
        assert body["now"] > body["started_at"] * 1000 - 1000
    assert requests.get(f"{watcher.admin_url}/monitoring/other", timeout=30).status_code == 404
