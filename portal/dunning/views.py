"""The dunning panel on the organization page and its admin actions (suspend, restore, exempt, policy)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal import settings as portal_settings
from portal import unit_of_work
from portal.dunning import (
    mail,  # noqa: F401  (registers the mail composers at start-up)
    service,
)
from portal.dunning.forms import ExemptForm, PolicyForm, RestoreForm, SuspendForm
from portal.dunning.policy import suspension_date
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import format_minor_plain
from portal.models import Organization, Suspension, utcnow
from portal.security import admin_required

bp = Blueprint("dunning", __name__, url_prefix="/admin/organizations/<int:organization_id>/dunning")


def _org(organization_id: int) -> Organization:
    org = db.session.get(Organization, organization_id)
    if org is None:
        abort(404)
    return org


def _back(org: Organization) -> Response:
    return redirect(url_for("organizations.detail", organization_id=org.id) + "#dunning")


@bp.route("/suspend", methods=["POST"])
@admin_required
def suspend(organization_id: int) -> Response | str:
    """Suspend the organization (and those billed to it) by hand."""
    org = _org(organization_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        return panel_page(org, suspend_form=form)
    try:
        opened = service.suspend(org, manual=True, reason=form.reason.data or "", actor=current_user)
    except DomainError as error:
        unit_of_work.refuse(error)
        return _back(org)
    flash(_("Suspended: %(n)s organization(s); Watcher is being updated.", n=len(opened)), "success")
    return _back(org)


@bp.route("/restore", methods=["POST"])
@admin_required
def restore(organization_id: int) -> Response | str:
    """Restore by hand the suspension that covers this organization (its payer's, if it is billed to one)."""
    org = _org(organization_id)
    form = RestoreForm()
    if not form.validate_on_submit():
        return panel_page(org, restore_form=form)
    window = service.current_suspension(org.id)
    if window is None:
        flash(_("This organization is not suspended."), "warning")
        return _back(org)
    payer = db.session.get(Organization, window.payer_id) or org
    closed = service.restore(payer, manual=True, reason=form.reason.data or _("by hand"), actor=current_user)
    flash(_("Restored: %(n)s organization(s); Watcher is being updated.", n=len(closed)), "success")
    return _back(org)


@bp.route("/exempt", methods=["POST"])
@admin_required
def exempt(organization_id: int) -> Response | str:
    """Exempt the organization from automatic suspension, or lift the exemption."""
    org = _org(organization_id)
    form = ExemptForm()
    if not form.validate_on_submit():
        return panel_page(org, exempt_form=form)
    service.set_exempt(org, form.exempt.data == "1", actor=current_user)
    flash(_("Saved."), "success")
    return _back(org)


@bp.route("/policy", methods=["POST"])
@admin_required
def policy(organization_id: int) -> Response | str:
    """Override the default policy for this organization."""
    org = _org(organization_id)
    form = PolicyForm(currency=org.currency)
    if not form.validate_on_submit():
        return panel_page(org, policy_form=form)
    stop = {"": None, "1": True, "0": False}[form.stop_recording.data or ""]
    tolerance = form.tolerance.minor(org.currency) if form.tolerance.data else None
    service.set_policy(org, form.suspend_after_days.data, tolerance, stop, actor=current_user)
    flash(_("Dunning policy saved."), "success")
    return _back(org)


def panel_page(org: Organization, **forms: Any) -> str:
    """The panel on its own page, for a form with errors (what was typed is kept)."""
    return render_template("dunning/page.html", org=org, d=panel(org, **forms))


def panel(org: Organization, **forms: Any) -> dict[str, Any]:
    """Everything the panel shows for ``org`` (a template global of the organization page)."""
    now = utcnow()
    today = service.local_today(org, now)
    row = service.policy_row(org)
    effective = service.effective_policy(org, row)
    window = service.current_suspension(org.id)
    payer = db.session.get(Organization, window.payer_id) if window is not None else None
    dues, found = service.dues_of(org, today)
    projected = None
    if dues.above(effective.tolerance_minor) and dues.oldest_due is not None and not effective.exempt:
        projected = suspension_date(effective, dues.oldest_due, row.warned_on if row else None, today)
    history = list(
        db.session.scalars(
            select(Suspension)
            .where(Suspension.organization_id == org.id)
            .order_by(Suspension.started_at.desc())
            .limit(10)
        )
    )
    policy_form = forms.get("policy_form") or PolicyForm(
        currency=org.currency,
        formdata=None,
        suspend_after_days=row.suspend_after_days if row else None,
        tolerance=format_minor_plain(row.tolerance_minor, org.currency)
        if row and row.tolerance_minor is not None
        else "",
        stop_recording="" if row is None or row.stop_recording is None else ("1" if row.stop_recording else "0"),
    )
    return {
        "today": today,
        "row": row,
        "policy": effective,
        "defaults": portal_settings.current().dunning,
        "window": window,
        "payer": payer,
        "dues": dues,
        "overdue": found,
        "projected": projected,
        "history": history,
        "suspend_form": forms.get("suspend_form") or SuspendForm(formdata=None),
        "restore_form": forms.get("restore_form") or RestoreForm(formdata=None),
        "exempt_form": forms.get("exempt_form") or ExemptForm(formdata=None, exempt="0" if effective.exempt else "1"),
        "policy_form": policy_form,
    }


@bp.app_template_global("dunning_panel")
def dunning_panel(org: Organization) -> dict[str, Any]:
    """The panel's data for the organization page (``templates/dunning/_panel.html``)."""
    return panel(org)


@bp.app_template_global("dunning_counts")
def dunning_counts() -> service.Counts:
    """The admin dashboard's "suspended" and "to suspend tomorrow" figures."""
    return service.counts()
