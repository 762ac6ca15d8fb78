"""Command-line commands: ``flask users ...`` and ``flask demo ...``."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from portal import unit_of_work
from portal.auth.service import normalize_email
from portal.extensions import db
from portal.models import ROLE_ADMIN, User

users_cli = AppGroup("users", help="Manage portal users.")
demo_cli = AppGroup("demo", help="Demo data.")

MIN_PASSWORD = 10


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
def create_admin(email: str, name: str) -> None:
    """Create a billing admin EMAIL (password from PORTAL_ADMIN_PASSWORD or a prompt)."""
    from portal.audit import service as audit

    email = normalize_email(email)
    if "@" not in email:
        raise click.BadParameter("EMAIL must be an e-mail address.")
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        raise click.ClickException(f"A user {email} already exists.")
    password = os.environ.get("PORTAL_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"The password must have at least {MIN_PASSWORD} characters.")
    with unit_of_work.transaction():
        user = User(email=email, name=name, role=ROLE_ADMIN, is_enabled=True)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        audit.record(
            "user.create",
            "user",
            user.id,
            summary=f"admin {email} created from the command line",
            after={"email": email, "role": ROLE_ADMIN},
        )
    click.echo(f"Admin {email} created.")


@demo_cli.command("load")
def demo_load() -> None:
    """Create a realistic small operator (idempotent: does nothing if demo data exists)."""
    from portal.demo import DEMO_LOGINS, load_demo
    from portal.sync.connection import watcher_configured
    from portal.sync.service import run_dispatch
    from portal.watcher import WatcherError

    created = unit_of_work.run_job(load_demo)
    click.echo("Demo data loaded." if created else "Demo data already present.")
    if created and watcher_configured():
        try:
            result = run_dispatch()
            click.echo(f"Pushed to Watcher: {result.delivered} delivered, {result.failed} waiting for a retry.")
        except WatcherError as error:
            click.echo(f"Watcher not reachable yet ({error.title or error}); the worker will push later.")
    for role, email, password in DEMO_LOGINS:
        click.echo(f"  {role:<10} {email:<32} {password}")


def register(app: Flask) -> None:
    """Attach the command groups."""
    from portal.sync.cli import mail_cli, watcher_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(watcher_cli)
    app.cli.add_command(mail_cli)
    from portal.billing_cli import billing_cli

    app.cli.add_command(billing_cli)
    from portal.dunning.cli import dunning_cli

    app.cli.add_command(dunning_cli)
    from portal.documents.cli import documents_cli

    app.cli.add_command(documents_cli)
    from portal.jobs.cli import jobs_cli

    app.cli.add_command(jobs_cli)
