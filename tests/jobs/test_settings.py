"""Without a broker nothing changes; a broker setting that cannot work is refused at start-up."""

from __future__ import annotations

import pytest
from flask.testing import FlaskCliRunner

from portal.config import ConfigError
from portal.settings import Settings


def test_no_broker_means_in_process_and_no_worker(runner: FlaskCliRunner) -> None:
    assert not Settings.from_config({}).jobs.fan_out
    result = runner.invoke(args=["jobs", "worker"])
    assert result.exit_code != 0 and "JOB_BROKER_URL is not set" in result.output


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"JOB_BROKER_URL": "amqp://127.0.0.1"}, "must be a Redis URL"),
        ({"JOB_BROKER_URL": "redis://127.0.0.1:6379/0", "JOB_BATCH_SIZE": "0"}, "must be positive"),
        ({"JOB_MAINTENANCE_PERCENT": "0"}, "between 1 and 100"),
        ({"JOB_HEARTBEAT_SECONDS": "soon"}, "must be an integer"),
    ],
)
def test_bad_job_settings_are_refused(config: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_config(config)


def test_a_broker_url_turns_fan_out_on() -> None:
    jobs = Settings.from_config({"JOB_BROKER_URL": "redis://127.0.0.1:6379/0", "JOB_BATCH_SIZE": "50"}).jobs
    assert jobs.fan_out and jobs.batch_size == 50
