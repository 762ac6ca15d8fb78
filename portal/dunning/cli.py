"""``flask dunning run``: the daily dunning job (cron or a systemd timer, once a day)."""

from __future__ import annotations

from datetime import datetime, timezone

import click
from flask.cli import AppGroup

from portal import unit_of_work
from portal.dunning import (
    mail,  # noqa: F401  (registers the mail composers)
    service,
)
from portal.sync.locks import LockBusy

dunning_cli = AppGroup("dunning", help="Dunning: warn, suspend and restore organizations.")


@dunning_cli.command("run")
@click.option("--at", "at", default=None, help="Evaluate as of this UTC instant (ISO 8601), e.g. to catch up.")
def run_command(at: str | None) -> None:
    """Evaluate every policy once (idempotent, under the "dunning" job lock); Watcher and mail follow after commit."""
    now = None
    if at:
        try:
            now = datetime.fromisoformat(at)
        except ValueError as exc:
            raise click.BadParameter("--at must be an ISO 8601 date-time") from exc
        now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    try:
        result = unit_of_work.run_locked_job("dunning", service.run, now)
    except LockBusy as exc:
        raise click.ClickException("Another dunning run is in progress.") from exc
    if not result.steps:
        click.echo("Nothing to do.")
    for step, titles in sorted(result.steps.items()):
        click.echo(f"{step}: {len(titles)} ({', '.join(titles)})")
    _deliver_now()


def _deliver_now() -> None:
    """One delivery attempt of what the run queued; what fails stays queued for the worker."""
    from portal import mailqueue
    from portal.sync.connection import watcher_configured
    from portal.sync.service import run_dispatch
    from portal.watcher import WatcherError

    if watcher_configured():
        try:
            pushed = run_dispatch()
            click.echo(f"Watcher: {pushed.delivered} delivered, {pushed.failed} waiting for a retry.")
        except WatcherError as error:
            click.echo(f"Watcher not reachable ({error.title or error}); the worker will retry.")
    mailqueue.wait_for_deliveries()
