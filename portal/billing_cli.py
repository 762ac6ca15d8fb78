"""``flask billing run --period 2026-10 [--draft]``: the monthly invoicing job."""

from __future__ import annotations

import re
import time

import click
from flask.cli import AppGroup

from portal import settings
from portal.billing import InvalidPeriod, Period, from_minor, month_period
from portal.invoices.run import RunSummary, billing_run
from portal.models import utcnow
from portal.sync.locks import LockBusy

billing_cli = AppGroup("billing", help="Invoicing jobs.")


def parse_month(text: str) -> Period:
    """``2026-10`` -> the calendar month October 2026."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match:
        raise click.BadParameter("use YYYY-MM, e.g. 2026-10", param_hint="--period")
    try:
        return month_period(int(match.group(1)), int(match.group(2)))
    except InvalidPeriod as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from exc


@billing_cli.command("run")
@click.option("--period", "month", required=True, help="Calendar month to invoice, YYYY-MM.")
@click.option("--draft", is_flag=True, help="Create drafts instead of issuing.")
def run(month: str, draft: bool) -> None:
    """Issue (or draft) the invoices of every organization that had usage in the month."""
    period = parse_month(month)
    jobs = settings.current().jobs
    started = time.monotonic()
    try:
        if jobs.fan_out:
            summary = _fanned_out(period, draft)
        else:
            summary = billing_run(
                period,
                utcnow(),
                draft=draft,
                progress=lambda ids: click.progressbar(ids, label="Invoicing", show_pos=True, show_eta=True),
                settings=settings.current().billing,
            )
    except LockBusy as exc:
        raise click.ClickException(f"{exc} Try again when it has finished.") from exc
    elapsed = time.monotonic() - started
    handled = summary.created + len(summary.skipped) + len(summary.already) + len(summary.errors) + len(summary.waiting)
    where = f"over the workers of {jobs.namespace}" if jobs.fan_out else "in-process"
    click.echo(f"{handled} organization(s) in {elapsed:.1f} s ({where}).")
    click.echo(
        f"Billing run {period}: {len(summary.issued)} issued, {len(summary.drafted)} drafted, "
        f"{len(summary.skipped)} skipped (no billable usage), {len(summary.already)} already "
        f"invoiced, {len(summary.errors)} errors, {len(summary.waiting)} waiting (period not over "
        "in every zone yet)."
    )
    for currency, total in sorted(summary.totals.items()):
        click.echo(f"  total {currency}: {from_minor(total, currency)}")
    for waiting in summary.waiting:
        click.echo(f"  waiting: {waiting}")
    for error in summary.errors:
        click.echo(f"  error: {error}", err=True)
    if summary.created == 0 and not summary.errors:
        click.echo("Nothing new to invoice.")
    if summary.errors:
        raise SystemExit(1)


def _fanned_out(period: Period, draft: bool) -> RunSummary:
    """The run as batches over ``flask jobs worker`` processes, with a progress bar."""
    from portal.jobs.billing import fan_out_billing_run

    jobs = settings.current().jobs
    state: dict[str, object] = {}

    def progress(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            click.echo(f"Invoicing {total} organization(s) in batches of {jobs.batch_size} over the workers.")
            bar = click.progressbar(length=max(total, 1), label="Invoicing", show_pos=True, show_eta=True)
            bar.__enter__()
            state["bar"], state["done"] = bar, 0
        step = done - int(state["done"])  # type: ignore[call-overload]
        if step:
            bar.update(step)  # type: ignore[attr-defined]
            state["done"] = done

    try:
        return fan_out_billing_run(period, utcnow(), jobs, draft=draft, progress=progress)
    finally:
        bar = state.get("bar")
        if bar is not None:
            bar.__exit__(None, None, None)  # type: ignore[attr-defined]
