"""``flask billing run --period 2026-10 [--draft]``: the monthly invoicing job."""

from __future__ import annotations

import re

import click
from flask.cli import AppGroup

from portal import settings
from portal.billing import InvalidPeriod, Period, from_minor, month_period
from portal.invoices.run import billing_run
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
    try:
        summary = billing_run(
            period,
            utcnow(),
            draft=draft,
            progress=lambda ids: click.progressbar(ids, label="Invoicing"),
            settings=settings.current().billing,
        )
    except LockBusy as exc:
        raise click.ClickException(f"{exc} Try again when it has finished.") from exc
    click.echo(
        f"Billing run {period}: {len(summary.issued)} issued, {len(summary.drafted)} drafted, "
        f"{len(summary.skipped)} skipped (no billable usage), {len(summary.already)} already "
        f"invoiced, {len(summary.errors)} errors."
    )
    for currency, total in sorted(summary.totals.items()):
        click.echo(f"  total {currency}: {from_minor(total, currency)}")
    for error in summary.errors:
        click.echo(f"  error: {error}", err=True)
    if summary.created == 0 and not summary.errors:
        click.echo("Nothing new to invoice.")
    if summary.errors:
        raise SystemExit(1)
