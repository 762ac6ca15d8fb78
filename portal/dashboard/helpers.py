"""Jinja globals that let the dashboards link to pages that may not be installed yet.

Other features (usages, invoices, sync, admin pages) land as separate blueprints.  The
dashboards link to them only when their endpoint exists at render time, so a page
renders the same whether or not a blueprint has been registered.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BuildError


def has_endpoint(name: str) -> bool:
    """True when the running app has a view registered under endpoint ``name``."""
    return name in current_app.view_functions


def endpoint_url(name: str | None, **values: Any) -> str | None:
    """``url_for(name, **values)`` when that endpoint exists and builds, else None.

    A missing blueprint or a route whose arguments differ from what the dashboard
    passes gives None, and the template shows plain text instead of a link.
    """
    if not name or not has_endpoint(name):
        return None
    try:
        return url_for(name, **values)
    except BuildError:
        return None


def install(state: BlueprintSetupState) -> None:
    """Register the globals on the app (used as a ``record_once`` callback)."""
    state.app.jinja_env.globals.update(has_endpoint=has_endpoint, endpoint_url=endpoint_url)
