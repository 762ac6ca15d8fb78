"""The Usages page and its CSV: admins for any organization; subscribers only where they may
see invoices (a membership with ``can_view_invoices``, or ownership of the organization or an
ancestor), since the page shows prices and amounts.  Anyone else gets 404."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.billing import BillingError
from portal.billing_read import billed_to, rate_scope
from portal.invoices.access import invoice_organization_or_404
from portal.invoices.service import ready_at
from portal.models import Organization, utcnow
from portal.usages.export import report_csv
from portal.usages.forms import PeriodForm
from portal.usages.report import UsageReport, build_report, format_duration

bp = Blueprint("usages", __name__, url_prefix="/organizations")
bp.add_app_template_filter(format_duration, "duration")


def _report(org: Organization, form: PeriodForm) -> tuple[UsageReport | None, str | None]:
    """Rate the chosen period; a billing error becomes a message, not a stack trace."""
    period = form.chosen(utcnow(), org.timezone)
    try:
        return build_report(*rate_scope(org, period, utcnow())), None
    except BillingError as error:
        return None, _("These usages cannot be priced: %(error)s.", error=error)


@bp.route("/<int:organization_id>/usages")
@login_required
def show(organization_id: int) -> tuple[str, int]:
    """Per-camera rows, per-tariff lines, total, trial share and a timeline for a period."""
    org = invoice_organization_or_404(current_user, organization_id)
    form = PeriodForm(request.args)
    report, error, status = None, None, 200
    if form.validate():
        report, error = _report(org, form)
    else:
        status = 400
    payer = billed_to(org)
    ready = ready_at(payer or org, report.period) if report else None
    return render_template(
        "usages/show.html",
        org=org,
        form=form,
        report=report,
        error=error,
        payer=payer,
        ready=ready,
        now=utcnow(),
        args=form.query_args(report.period) if report else {},
    ), status


@bp.route("/<int:organization_id>/usages.csv")
@login_required
def csv(organization_id: int) -> Response:
    """The per-camera rows and the lines of the chosen period as CSV."""
    org = invoice_organization_or_404(current_user, organization_id)
    form = PeriodForm(request.args)
    if not form.validate():
        return Response(
            _("Invalid period: %(errors)s", errors="; ".join(e for f in form for e in f.errors)) + "\n",
            status=400,
            mimetype="text/plain",
        )
    report, error = _report(org, form)
    if report is None:
        return Response(f"{error}\n", status=422, mimetype="text/plain")
    name = f"usages-{org.id}-{report.period.start.isoformat()}-{report.period.end.isoformat()}.csv"
    return Response(
        report_csv(report), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
