"""The billing portal: application factory."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, send_from_directory
from flask_babel import gettext
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import configure_mappers

from portal.config import INSTANCE, ROOT, load_config
from portal.extensions import bootstrap, csrf, db, limiter, login_manager, migrate
from portal.i18n import N_

if TYPE_CHECKING:
    from portal.models import User


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the portal application.

    ``test_config`` overrides settings read from the environment.  No network
    call and no migration happens here.
    """
    app = Flask(
        __name__,
        instance_path=str(INSTANCE),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(load_config())
    if test_config:
        app.config.update(test_config)
    from portal import settings

    settings.install(app)  # typed and validated once; services get it, never app.config
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("urllib3").setLevel(logging.WARNING)  # it would log full URLs at DEBUG
    from portal import logredact

    logredact.install()

    _register_extensions(app)
    from portal import inputs

    inputs.register(app)  # before the blueprints: it bounds <int:...> in their URLs
    _register_blueprints(app)
    # Every model is imported by now: set the mappers up here, once per process (later calls
    # return at once), not in the first request or job, which would pay ~0.3 s for it.
    configure_mappers()
    from portal import cli, errors, i18n, security, templating, unit_of_work

    i18n.register(app)
    from portal.payments import hooks as payment_hooks

    payment_hooks.register()
    unit_of_work.register(app)
    errors.register(app)
    security.register(app)
    templating.register(app)
    cli.register(app)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    return app


def _favicon() -> Response:
    """Browsers ask for /favicon.ico on every first visit: answer it rather than log a 404."""
    return send_from_directory(ROOT / "static", "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Turn on foreign keys for SQLite, which ignores them by default."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


@event.listens_for(Engine, "connect")
def _psycopg_plans(dbapi_connection: Any, _record: Any) -> None:
    """PostgreSQL: plan every statement for its own parameters (psycopg prepares none).

    psycopg prepares a statement on the server once it has run five times, and the server
    may then keep one generic plan for it.  A job that grows a table while it runs (the
    first sync inserts a hundred thousand cameras page by page) kept the plan it made
    while the table was nearly empty, a scan that every later page paid again: the first
    sync of a new database took four times its reads.  Planning anew costs well under a
    millisecond; it also keeps the portal usable behind a transaction-pooling PgBouncer.
    """
    if type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.prepare_threshold = None


def _register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    login_manager.login_message = N_("Please log in to access this page.")
    login_manager.localize_callback = gettext  # translated when flashed, in the visitor's language
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def load_user(alternative_id: str) -> User | None:
        """``"<id>:<version>"`` from the session or remember cookie; a stale version is refused."""
        return load_session_user(alternative_id)


def load_session_user(alternative_id: str) -> User | None:
    """The enabled user whose id *and* current session version are in ``alternative_id``."""
    from portal.inputs import strict_int
    from portal.models import User

    raw_id, sep, raw_version = alternative_id.partition(":")
    user_id, version = strict_int(raw_id), strict_int(raw_version)
    if not sep or user_id is None or version is None or user_id < 1:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_enabled or user.session_version != version:
        return None
    return user


def _register_blueprints(app: Flask) -> None:
    from portal.account.views import bp as account_bp
    from portal.audit.views import bp as audit_bp
    from portal.auth.views import bp as auth_bp
    from portal.credit_notes.views import bp as credit_notes_bp
    from portal.dashboard.views import bp as dashboard_bp
    from portal.dunning.views import bp as dunning_bp
    from portal.extauth.views import bp as extauth_bp
    from portal.invoices.views import bp as invoices_bp
    from portal.organizations.views import bp as organizations_bp
    from portal.payments.statement_views import bp as statements_bp
    from portal.payments.views import bp as payments_bp
    from portal.services.views import bp as services_bp
    from portal.sync.views import bp as sync_bp
    from portal.tariffs.views import bp as tariffs_bp
    from portal.terms.views import bp as terms_bp
    from portal.usages.views import bp as usages_bp
    from portal.users.views import bp as users_bp

    for blueprint in (
        auth_bp,
        account_bp,
        dashboard_bp,
        services_bp,
        tariffs_bp,
        organizations_bp,
        users_bp,
        audit_bp,
        sync_bp,
        extauth_bp,
        usages_bp,
        invoices_bp,
        dunning_bp,
        payments_bp,
        statements_bp,
        credit_notes_bp,
        terms_bp,
    ):
        app.register_blueprint(blueprint)
