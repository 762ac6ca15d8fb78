"""Credit note pages: issue one on an invoice, view it, print it as PDF."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from portal import unit_of_work
from portal.billing import BillingError, parse_amount
from portal.credit_notes.forms import CreditNoteForm
from portal.credit_notes.service import create_credit_note, credited_line_ids, credited_subtotal
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import document_locale
from portal.invoices.access import scoped_invoice_or_404
from portal.invoices.pdf import render_pdf
from portal.models import CreditNote, Invoice, utcnow
from portal.payments.access import finance_write_required

bp = Blueprint("credit_notes", __name__)


@bp.route("/invoices/<int:invoice_id>/credit-notes/new", methods=["GET", "POST"])
@finance_write_required
def new(invoice_id: int) -> tuple[str, int] | BaseResponse:
    """Choose lines or an amount and a reason; the credit note is numbered and allocated."""
    invoice = db.session.get(Invoice, invoice_id) or abort(404)
    done = credited_line_ids(invoice.id)
    form = CreditNoteForm()
    form.lines.choices = [(ln.id, ln.description) for ln in invoice.lines if ln.amount_minor > 0 and ln.id not in done]
    if form.validate_on_submit():
        try:
            amount = None
            if (form.amount.data or "").strip():
                try:
                    amount = parse_amount(form.amount.data or "", invoice.currency)
                except BillingError:
                    raise DomainError(_("Enter an amount such as 12.50."), field="amount") from None
            note = create_credit_note(
                invoice,
                form.reason.data or "",
                utcnow(),
                line_ids=list(form.lines.data or []),
                amount_minor=amount,
                description=form.description.data or "",
                actor=current_user._get_current_object(),
            )
        except DomainError as exc:
            unit_of_work.refuse(exc, form, default_field="lines")
        else:
            flash(_("Credit note %(number)s issued.", number=note.number), "success")
            return redirect(url_for("credit_notes.detail", credit_note_id=note.id))
    return render_template(
        "credit_notes/form.html", form=form, invoice=invoice, credited=credited_subtotal(invoice.id)
    ), 400 if request.method == "POST" else 200


def _scoped(credit_note_id: int) -> CreditNote:
    note = db.session.get(CreditNote, credit_note_id) or abort(404)
    scoped_invoice_or_404(current_user, note.invoice_id)  # who may see the invoice may see its credit notes
    return note


@bp.route("/credit-notes/<int:credit_note_id>")
@login_required
def detail(credit_note_id: int) -> str:
    """One credit note."""
    return render_template("credit_notes/detail.html", note=_scoped(credit_note_id))


@bp.route("/credit-notes/<int:credit_note_id>/pdf")
@login_required
def pdf(credit_note_id: int) -> Response:
    """The credit note as PDF."""
    note = _scoped(credit_note_id)
    with document_locale(note.organization.document_language):  # a document: the organization's language
        html = render_template("credit_notes/print.html", note=note, for_pdf=True)
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{note.number}.pdf"'},
    )
