"""``flask jobs worker``: take jobs from the broker (``JOB_BROKER_URL``); run one or more per host."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal import settings

jobs_cli = AppGroup("jobs", help="Jobs spread over several hosts (needs JOB_BROKER_URL).")


@jobs_cli.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs this worker runs at a time.")
def worker_command(threads: int) -> None:
    """Run billing batches and Watcher pulls sent by `flask billing run` / `flask watcher sync`."""
    jobs = settings.current().jobs
    if not jobs.fan_out:
        raise click.ClickException("JOB_BROKER_URL is not set: jobs run in-process and need no worker.")
    from portal.jobs import queue

    queue.serve(current_app._get_current_object(), jobs, threads, lambda line: click.echo(line))  # type: ignore[attr-defined]
