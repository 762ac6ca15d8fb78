"""``flask documents render``: render the stored documents still pending (the worker does it too)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

documents_cli = AppGroup("documents", help="Rendered documents (invoice PDFs) stored in the database.")


@documents_cli.command("render")
@click.option("--limit", default=50, show_default=True, help="At most this many documents.")
def render_command(limit: int) -> None:
    """Render pending documents (left by a crash, a restart, or DOCUMENTS_RENDER_IN_PROCESS=0)."""
    from portal.documents.store import render_pending

    click.echo(f"Rendered {render_pending(limit)} document(s).")
