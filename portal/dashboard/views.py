"""Home page: the admin's overview or the subscriber's organizations, and one organization's page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user, login_required

from portal import settings
from portal.collections.dashboard import collections_overview
from portal.dashboard import helpers
from portal.dashboard.admin import admin_overview
from portal.dashboard.attention import attention_list
from portal.dashboard.figures import local_today
from portal.dashboard.subscriber import current_cameras, invoice_rows, organization_summaries, visible_children
from portal.extensions import db
from portal.models import utcnow
from portal.tenancy import scoped_organization_or_404

bp = Blueprint("dashboard", __name__)
bp.record_once(helpers.install)


@bp.route("/")
@login_required
def index() -> str:
    """Admins get the overview and the attention list; subscribers their organizations and invoices."""
    now = utcnow()
    if current_user.is_finance:
        overview = admin_overview(now, current_app.config.get("DEFAULT_TIMEZONE", "UTC"))
        config = settings.current()
        collections = collections_overview(db.session, now, config.default_timezone, config.reminders)
        attention = attention_list() if current_user.is_admin else []
        return render_template("dashboard/admin.html", o=overview, attention=attention, c=collections)
    summaries = organization_summaries(current_user, now)
    today = local_today(now, current_app.config.get("DEFAULT_TIMEZONE", "UTC"))
    return render_template(
        "dashboard/subscriber.html",
        organizations=summaries,
        invoices=invoice_rows(current_user, today),
        shows_invoices=any(s.can_view_invoices for s in summaries),
    )


@bp.route("/my/organizations/<int:organization_id>")
@login_required
def organization(organization_id: int) -> str:
    """A subscriber's view of one of their organizations (404 for anyone else's)."""
    org = scoped_organization_or_404(current_user, organization_id)
    summaries = organization_summaries(current_user, utcnow(), only_id=org.id)
    if not summaries:  # pragma: no cover - scoped_organization_or_404 already checked visibility
        abort(404)
    summary = summaries[0]
    invoices = invoice_rows(current_user, summary.today, org.id) if summary.can_view_invoices else []
    return render_template(
        "dashboard/organization.html",
        s=summary,
        invoices=invoices,
        cameras=current_cameras(org.id),
        children=visible_children(current_user, org.id),
    )
