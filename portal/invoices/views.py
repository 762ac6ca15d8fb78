"""Invoice pages: preview -> draft/issue, list, detail, print, PDF, CSV, pay, void."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal import settings, unit_of_work
from portal.billing import BillingError, InvalidPeriod, Period
from portal.billing_read import rate_scope
from portal.documents.invoice import invoice_pdf, is_rendering, pdf_state, printable_html, retry_pdf
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.inputs import strict_int
from portal.invoices.access import invoice_organization_ids, scoped_invoice_or_404, visible_invoices
from portal.invoices.annex import annex_page
from portal.invoices.export import invoice_csv
from portal.invoices.forms import CreateInvoiceForm, InvoiceFilterForm, PayForm, VoidForm
from portal.invoices.service import (
    PeriodAlreadyInvoiced,
    check_payer,
    create_invoice,
    delete_draft,
    find_overlapping,
    issue_invoice,
    mark_paid,
    refresh_draft,
    void_invoice,
)
from portal.models import Invoice, Organization, utcnow
from portal.pagination import paginate
from portal.payments.ledger import invoice_settlement
from portal.security import admin_required
from portal.usages.forms import PeriodForm
from portal.usages.report import build_report
from portal.usages.views import page_of_cameras

bp = Blueprint("invoices", __name__)


@bp.route("/organizations/<int:organization_id>/invoices/preview")
@admin_required
def preview(organization_id: int) -> tuple[str, int]:
    """What the invoice would say, built by the same function as the Usages page."""
    org = db.session.get(Organization, organization_id) or abort(404)
    form = PeriodForm(request.args)
    report, error = None, None
    if not form.validate():
        return render_template(
            "invoices/preview.html",
            org=org,
            report=None,
            form=None,
            error=_("Choose a valid period on the Usages page."),
        ), 400
    period = form.chosen(utcnow(), org.timezone)
    try:
        check_payer(org)
        report = build_report(*rate_scope(org, period, utcnow(), mode=settings.current().billing.proration))
    except (DomainError, BillingError) as exc:
        error = getattr(exc, "message", None) or _("This invoice cannot be priced: %(error)s.", error=exc)
    create = CreateInvoiceForm(start=period.start.isoformat(), end=period.end.isoformat())
    cams, page_url = page_of_cameras(report) if report else (None, None)
    return render_template(
        "invoices/preview.html",
        org=org,
        report=report,
        form=create,
        error=error,
        period=period,
        cams=cams,
        page_url=page_url,
    ), 200


@bp.route("/organizations/<int:organization_id>/invoices", methods=["POST"])
@admin_required
def create(organization_id: int) -> BaseResponse:
    """Create a draft or issue at once; issuing a period twice shows the existing invoice."""
    org = db.session.get(Organization, organization_id) or abort(404)
    form = CreateInvoiceForm()
    try:
        if not form.validate_on_submit():
            raise InvalidPeriod("missing period")
        period = Period(date.fromisoformat(form.start.data), date.fromisoformat(form.end.data))
    except ValueError:
        flash(_("Choose a valid period."), "error")
        return redirect(url_for("usages.show", organization_id=org.id))
    args: dict[str, Any] = {"period": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()}
    try:
        invoice = create_invoice(
            org,
            period,
            utcnow(),
            issue=bool(form.issue.data),
            actor=current_user._get_current_object(),
            settings=settings.current().billing,
        )
    except PeriodAlreadyInvoiced as exc:
        unit_of_work.refuse(exc, category="warning")
        existing = exc.existing or find_overlapping(org.id, period)
        if existing is not None:
            return redirect(url_for("invoices.detail", invoice_id=existing.id))
        return redirect(url_for("invoices.preview", organization_id=org.id, **args))
    except (DomainError, BillingError) as exc:
        unit_of_work.refuse(exc, message=_("This invoice cannot be priced: %(error)s.", error=exc))
        return redirect(url_for("invoices.preview", organization_id=org.id, **args))
    flash(
        _("Invoice %(number)s issued.", number=invoice.number) if invoice.number else _("Draft invoice created."),
        "success",
    )
    return redirect(url_for("invoices.detail", invoice_id=invoice.id))


@bp.route("/invoices/")
@login_required
def index() -> str:
    """Invoices the user may see; admins filter by organization, status and period."""
    form = InvoiceFilterForm(request.args)
    orgs = list(
        db.session.scalars(
            select(Organization)
            .where(Organization.id.in_(invoice_organization_ids(current_user)))
            .order_by(Organization.title)
        )
    )
    form.organization.choices = [("", _("All organizations"))] + [(str(o.id), o.title) for o in orgs]
    query = visible_invoices(current_user).order_by(Invoice.period_start.desc(), Invoice.id.desc())
    form.validate()
    organization_id = strict_int(form.organization.data)
    if organization_id is not None:
        query = query.where(Invoice.organization_id == organization_id)
    if form.status.data:
        query = query.where(Invoice.status == form.status.data)
    if form.start.data and not form.start.errors:
        query = query.where(Invoice.period_end >= form.start.data)
    if form.end.data and not form.end.errors:
        query = query.where(Invoice.period_start <= form.end.data)
    page = paginate(query)
    args = {k: v for k, v in request.args.items() if k in ("organization", "status", "start", "end") and v}
    return render_template("invoices/list.html", page=page, form=form, args=args)


@bp.route("/invoices/<int:invoice_id>")
@login_required
def detail(invoice_id: int) -> str:
    """One invoice with its lines, annex and (for admins) the lifecycle actions."""
    invoice = scoped_invoice_or_404(current_user, invoice_id)
    annex = annex_page(invoice, strict_int(request.args.get("page")), show_all=request.args.get("all") == "1")

    def page_url(number: int | None = None, everything: bool = False) -> str:
        extra = {"all": "1"} if everything else ({"page": number} if number and number > 1 else {})
        return url_for("invoices.detail", invoice_id=invoice.id, **extra) + "#invoice-annex"

    return render_template(
        "invoices/detail.html",
        invoice=invoice,
        confirm=ConfirmForm(),
        pay_form=PayForm(),
        void_form=VoidForm(),
        **invoice_settlement(invoice),
        annex=annex,
        page_url=page_url,
        document=pdf_state(invoice),
    )


@bp.route("/invoices/<int:invoice_id>/print")
@login_required
def printable(invoice_id: int) -> str:
    """The invoice as a printable page (its own template and print CSS)."""
    return printable_html(scoped_invoice_or_404(current_user, invoice_id), for_pdf=False)


@bp.route("/invoices/<int:invoice_id>/pdf")
@login_required
def pdf(invoice_id: int) -> BaseResponse:
    """The invoice as PDF: the stored file (rendered when issued); while a renderer is still at
    work, the invoice page says so instead of rendering it a second time."""
    invoice = scoped_invoice_or_404(current_user, invoice_id)
    if is_rendering(pdf_state(invoice)):
        flash(_("The PDF is being prepared; it will be ready in a moment."), "info")
        return redirect(url_for("invoices.detail", invoice_id=invoice.id) + "#invoice-pdf")
    data = invoice_pdf(invoice)
    name = f"{invoice.number or f'draft-{invoice.id}'}.pdf"
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.route("/invoices/<int:invoice_id>/pdf/retry", methods=["POST"])
@admin_required
def pdf_retry(invoice_id: int) -> BaseResponse:
    """Render a failed PDF again."""
    invoice = db.session.get(Invoice, invoice_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        retry_pdf(invoice)
        flash(_("The PDF is being prepared again."), "info")
    return redirect(url_for("invoices.detail", invoice_id=invoice.id) + "#invoice-pdf")


@bp.route("/invoices/<int:invoice_id>/csv")
@login_required
def csv(invoice_id: int) -> Response:
    """The invoice's lines and camera annex as CSV."""
    invoice = scoped_invoice_or_404(current_user, invoice_id)
    name = f"{invoice.number or f'draft-{invoice.id}'}.csv"
    return Response(
        invoice_csv(invoice), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _act(invoice_id: int, action: str) -> BaseResponse:
    """Run one lifecycle action behind a confirm/pay/void form and redirect."""
    invoice = db.session.get(Invoice, invoice_id) or abort(404)
    form: Any = {"pay": PayForm, "void": VoidForm}.get(action, ConfirmForm)()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("invoices.detail", invoice_id=invoice.id))
    actor, now, done = current_user._get_current_object(), utcnow(), ""
    billing = settings.current().billing
    try:
        if action == "issue":
            issue_invoice(invoice, now, actor, billing)
            done = _("Invoice %(number)s issued.", number=invoice.number)
        elif action == "refresh":
            refresh_draft(invoice, now, actor, billing)
            done = _("Draft recomputed from the current usage and prices.")
        elif action == "pay":
            mark_paid(invoice, form.paid_on.data, form.reference.data or "", actor)
            done = _("Invoice %(number)s marked paid.", number=invoice.number)
        elif action == "void":
            void_invoice(invoice, form.reason.data or "", now, actor)
            done = _("Invoice %(number)s voided.", number=invoice.number)
        else:
            delete_draft(invoice, actor)
            flash(_("Draft deleted."), "success")
            return redirect(url_for("invoices.index"))
    except (DomainError, BillingError) as exc:
        unit_of_work.refuse(exc, message=_("This invoice cannot be priced: %(error)s.", error=exc))
    else:
        flash(done, "success")
    return redirect(url_for("invoices.detail", invoice_id=invoice_id))


@bp.route("/invoices/<int:invoice_id>/<any(issue, refresh, delete, pay, void):action>", methods=["POST"])
@admin_required
def act(invoice_id: int, action: str) -> BaseResponse:
    """Issue, refresh or delete a draft; mark an issued invoice paid; void it."""
    return _act(invoice_id, action)
