"""The Usages page and its CSV: admins for any organization; subscribers only where they may
see invoices (a membership with ``can_view_invoices``, or ownership of the organization or an
ancestor), since the page shows prices and amounts.  Anyone else gets 404."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.billing import BillingError
from portal.billing_read import billed_to, rate_scope
from portal.inputs import strict_int
from portal.invoices.access import invoice_organization_or_404
from portal.invoices.service import ready_at
from portal.models import Organization, utcnow
from portal.usages import cache
from portal.usages.export import report_csv
from portal.usages.forms import PeriodForm
from portal.usages.paging import CameraPage, camera_page
from portal.usages.report import UsageReport, build_report, format_duration

bp = Blueprint("usages", __name__, url_prefix="/organizations")
bp.add_app_template_filter(format_duration, "duration")


def _report(org: Organization, form: PeriodForm) -> tuple[UsageReport | None, str | None, datetime]:
    """Rate the chosen period (cached per ledger stamp); a billing error becomes a message.

    Also returns the instant the figures are as of (``now``, or a little earlier for a
    running period served from the cache).
    """
    now = utcnow()
    period = form.chosen(now, org.timezone)
    try:
        report, at = cache.cached_report(
            org, period, now, str(get_locale()), lambda at: build_report(*rate_scope(org, period, at))
        )
        return report, None, at
    except BillingError as error:
        return None, _("These usages cannot be priced: %(error)s.", error=error), now


def page_of_cameras(report: UsageReport) -> tuple[CameraPage, Callable[..., str]]:
    """The page of cameras the request asks for (``page``, ``all``) and a link maker for others."""
    cams = camera_page(report, strict_int(request.args.get("page")), request.args.get("all") == "1")
    kept: dict[str, object] = {k: v for k, v in request.args.items() if k not in ("page", "all")}

    def link(number: int | None = None, everything: bool = False) -> str:
        extra: dict[str, object] = {"all": "1"} if everything else ({"page": number} if number and number > 1 else {})
        values: dict[str, object] = {**(request.view_args or {}), **kept, **extra}
        return url_for(str(request.endpoint), **values) + "#usage-cameras"  # type: ignore[arg-type]

    return cams, link


@bp.route("/<int:organization_id>/usages")
@login_required
def show(organization_id: int) -> tuple[str, int]:
    """Per-camera rows, per-tariff lines, total, trial share and a timeline for a period."""
    org = invoice_organization_or_404(current_user, organization_id)
    form = PeriodForm(request.args)
    report, error, status, now = None, None, 200, utcnow()
    if form.validate():
        report, error, as_of = _report(org, form)
    else:
        status, as_of = 400, now
    payer = billed_to(org)
    ready = ready_at(payer or org, report.period) if report else None
    cams, page_url = page_of_cameras(report) if report else (None, None)
    return render_template(
        "usages/show.html",
        org=org,
        form=form,
        report=report,
        error=error,
        payer=payer,
        ready=ready,
        now=now,
        as_of=as_of if as_of < now else None,
        cams=cams,
        page_url=page_url,
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
    report, error, _at = _report(org, form)
    if report is None:
        return Response(f"{error}\n", status=422, mimetype="text/plain")
    name = f"usages-{org.id}-{report.period.start.isoformat()}-{report.period.end.isoformat()}.csv"
    return Response(
        report_csv(report), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
