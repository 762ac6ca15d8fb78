"""``flask watcher ...``: dispatch the outbox, pull streams, reconcile, run the worker loop."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

import click
from flask.cli import AppGroup

from portal import settings, unit_of_work
from portal.sync import service
from portal.sync.connection import WatcherNotConfigured
from portal.sync.locks import LockBusy
from portal.watcher import WatcherError

watcher_cli = AppGroup("watcher", help="Exchange data with Flussonic Watcher.")
mail_cli = AppGroup("mail", help="The outgoing mail queue.")
log = logging.getLogger("portal.worker")


def _readable(command: Callable[..., None]) -> Callable[..., None]:
    """Turn a missing Watcher configuration or a Watcher error into a one-line message."""

    @functools.wraps(command)
    def wrapped(*args: object, **kwargs: object) -> None:
        try:
            command(*args, **kwargs)
        except WatcherNotConfigured as error:
            raise click.ClickException(
                "Watcher is not configured: set WATCHER_URL, WATCHER_LOGIN and WATCHER_PASSWORD."
            ) from error
        except WatcherError as error:
            raise click.ClickException(f"Watcher: {error.title or error}") from error

    return wrapped


@watcher_cli.command("dispatch")
@_readable
def dispatch_command() -> None:
    """Deliver the pending outbox rows that are due."""
    result = service.run_dispatch()
    click.echo(f"Delivered {result.delivered}, failed {result.failed}.")
    for line in result.errors:
        click.echo(f"  {line}", err=True)


@watcher_cli.command("sync")
@_readable
def sync_command() -> None:
    """Pull all streams from Watcher into cameras and usage intervals (on a worker when JOB_BROKER_URL is set)."""
    jobs = settings.current().jobs
    if jobs.fan_out:
        from portal.jobs import queue

        run_id = queue.new_run_id()
        queue.send(jobs, "watcher_pull", run_id, "0")
        click.echo(f"Pull sent to the workers of {jobs.namespace}; waiting for its report.")
        report = queue.wait_for(jobs, run_id, 1, jobs.wait_seconds).get("0")
        queue.forget(jobs, run_id)
        if report is None:
            raise click.ClickException(
                f"No worker reported within {jobs.wait_seconds} s: is `flask jobs worker` running?"
            )
        if "error" in report:
            raise click.ClickException(str(report["error"]))
        counts, unknown, unmanaged = report["counts"], report["unknown_presets"], report["unmanaged_organizations"]
    else:
        try:
            result = service.run_pull()
        except LockBusy as error:
            raise click.ClickException(str(error)) from error
        counts, unknown, unmanaged = result.counts(), result.unknown_presets, result.unmanaged_organizations
    listed = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
    click.echo(f"Pulled: {listed}.")
    for label, names in unknown.items():
        click.echo(f"  preset {label} maps to no tariff: {', '.join(names[:10])}", err=True)
    for org_id, names in unmanaged.items():
        click.echo(f"  Watcher organization {org_id} is not managed by the portal: {', '.join(names[:10])}", err=True)


@watcher_cli.command("reconcile")
@click.option("--repair", is_flag=True, help="Queue every drifting object for a re-push and deliver.")
@_readable
def reconcile_command(repair: bool) -> None:
    """List every difference between the portal and Watcher."""
    drifts = service.run_reconcile()
    for d in drifts:
        click.echo(f"{d.object_type} #{d.object_id} {d.label}: {d.field}: portal={d.portal} watcher={d.watcher}")
    click.echo(f"{len(drifts)} difference(s).")
    if repair and drifts:
        queued = unit_of_work.run_job(service.repair_all, drifts)
        result = service.run_dispatch()
        click.echo(f"Queued {queued}; delivered {result.delivered}, failed {result.failed}.")


@watcher_cli.command("push-all")
@_readable
def push_all_command() -> None:
    """Queue every tariff, subscriber and organization (first connection to a Watcher)."""
    count = unit_of_work.run_job(service.enqueue_everything)
    result = service.run_dispatch()
    click.echo(f"Queued {count}; delivered {result.delivered}, failed {result.failed}.")


@watcher_cli.command("worker")
@click.option("--interval", default=30, show_default=True, help="Seconds between rounds.")
@click.option("--rounds", default=0, help="Stop after this many rounds (0 = run forever).")
@_readable
def worker_command(interval: int, rounds: int) -> None:
    """Loop: send due e-mail, deliver the outbox, then pull streams; errors are logged and retried.

    E-mail is checked every few seconds, Watcher every ``interval`` seconds.
    """
    done = 0
    while True:
        _send_mail_round()
        _render_documents_round()
        try:
            result = service.run_dispatch()
            if result.attempted:
                click.echo(f"push: delivered {result.delivered}, failed {result.failed}")
                for line in result.errors:
                    log.warning("push: %s", line)
            pulled = service.run_pull()
            if pulled.changed:
                click.echo(f"pull: {pulled.counts()}")
        except (WatcherError, LockBusy) as error:
            unit_of_work.rollback()
            click.echo(f"worker: {getattr(error, 'title', None) or error}", err=True)
            log.warning("worker round failed; retrying next round", exc_info=True)
        except Exception as error:  # keep the loop alive; the next round retries
            unit_of_work.rollback()
            click.echo(f"worker: unexpected {type(error).__name__}: {error}", err=True)
            log.exception("worker round failed unexpectedly; retrying next round")
        done += 1
        if rounds and done >= rounds:
            return
        waited = 0.0
        while waited < interval:
            step = min(MAIL_POLL_SECONDS, interval - waited)
            time.sleep(step)
            waited += step
            _send_mail_round()


def _render_documents_round() -> None:
    from portal.documents.store import render_pending

    try:
        render_pending()
    except Exception:
        unit_of_work.rollback()
        log.exception("documents: render round failed; retrying")


#: How often the worker looks for e-mail between Watcher rounds.
MAIL_POLL_SECONDS = 5.0


def _send_mail_round() -> None:
    from portal import mailqueue

    try:
        result = mailqueue.deliver_due()
        if result.sent or result.failed:
            log.info("mail: sent %s, failed %s, dropped %s", result.sent, result.failed, result.dropped)
    except Exception:
        unit_of_work.rollback()
        log.exception("mail: delivery round failed; retrying")


@mail_cli.command("reminders")
def mail_reminders_command() -> None:
    """Queue today's payment reminders (run daily; a reminder is never queued twice)."""
    from portal import settings as portal_settings
    from portal.billing_mail.reminders import LOCK_NAME, send_reminders
    from portal.extensions import db
    from portal.models import utcnow

    try:
        run = unit_of_work.run_locked_job(
            LOCK_NAME, send_reminders, db.session, utcnow(), portal_settings.current().reminders
        )
    except LockBusy as exc:
        raise click.ClickException(f"{exc} Try again when it has finished.") from exc
    click.echo(f"Queued {len(run.queued)} reminder(s); {run.already} already sent before.")
    for line in run.queued:
        click.echo(f"  {line}")


@mail_cli.command("deliver")
def mail_deliver_command() -> None:
    """Send every queued e-mail that is due (the worker does this every few seconds)."""
    from portal import mailqueue

    result = mailqueue.deliver_due()
    click.echo(f"Sent {result.sent}, failed {result.failed}, dropped {result.dropped}.")
