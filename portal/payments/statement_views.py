"""Statement of account pages: on screen, CSV and PDF; a subscriber sees their own."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from portal.billing_read import billed_to
from portal.extensions import db
from portal.i18n import document_locale
from portal.invoices.access import invoice_organization_or_404
from portal.invoices.documents import buyer_snapshot, current_seller
from portal.invoices.pdf import render_pdf
from portal.models import Organization, utcnow
from portal.payments import ledger
from portal.payments.statement import accounts, statement_csv

bp = Blueprint("statements", __name__)


def _context(organization_id: int) -> dict[str, object]:
    org: Organization = invoice_organization_or_404(current_user, organization_id)
    payer = billed_to(org)
    found = accounts(db.session, org) if payer is None else []
    places = {a.currency: _places(a.currency) for a in found}
    return {
        "org": org,
        "billed_to": payer,
        "accounts": found,
        "places": places,
        "credit": ledger.credit_available(db.session, org.id),
        "printed_at": utcnow(),
        "seller": current_seller(),  # a statement is made when printed: today's details of both sides
        "buyer": buyer_snapshot(org),
    }


def _places(currency: str) -> int:
    from portal.billing import exponent

    return exponent(currency)


@bp.route("/organizations/<int:organization_id>/statement")
@login_required
def show(organization_id: int) -> str:
    """The statement on screen."""
    return render_template("statements/show.html", **_context(organization_id))


@bp.route("/organizations/<int:organization_id>/statement.csv")
@login_required
def csv(organization_id: int) -> Response:
    """The statement as CSV."""
    context = _context(organization_id)
    org = context["org"]
    assert isinstance(org, Organization)
    body = statement_csv(org, context["accounts"], context["places"])  # type: ignore[arg-type]
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="statement-{org.id}.csv"'}
    )


@bp.route("/organizations/<int:organization_id>/statement.pdf")
@login_required
def pdf(organization_id: int) -> Response:
    """The statement as PDF (rendered on demand, never cached: it changes with every payment)."""
    context = _context(organization_id)
    org = context["org"]
    assert isinstance(org, Organization)
    with document_locale(org.document_language):  # a document: the organization's language
        html = render_template("statements/print.html", **context)
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="statement-{org.id}.pdf"'},
    )
