"""Payment pages: an organization's payments and balance, record, reverse, refund, bank import."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from portal import unit_of_work
from portal.billing import BillingError, exponent, parse_amount
from portal.billing.periods import local_date
from portal.billing_read import payer_of
from portal.errors import DomainError
from portal.extensions import db
from portal.invoices.export import _major
from portal.models import Organization, Payment, utcnow
from portal.payments import bank_import, ledger
from portal.payments.access import finance_read_required, finance_write_required
from portal.payments.forms import METHOD_LABELS, ConfirmImportForm, ImportForm, PaymentForm, RefundForm, ReverseForm
from portal.payments.service import record_payment, refund_payment, reverse_payment

bp = Blueprint("payments", __name__)


def _amount(text: str, currency: str) -> int:
    try:
        return parse_amount(text, currency)
    except BillingError:
        raise DomainError(
            _("Enter an amount such as 12.50 (at most %(n)s decimals, no sign).", n=exponent(currency)), field="amount"
        ) from None


@bp.route("/organizations/<int:organization_id>/payments")
@finance_read_required
def index(organization_id: int) -> str:
    """The payer's payments, balances and credit per currency."""
    org = db.session.get(Organization, organization_id) or abort(404)
    payer = payer_of(org)
    payments = list(
        db.session.scalars(
            select(Payment).where(Payment.organization_id == payer.id).order_by(Payment.received_on.desc(), Payment.id)
        )
    )
    left = ledger.payment_left(db.session, [p.id for p in payments])
    return render_template(
        "payments/list.html",
        org=org,
        payer=payer,
        payments=payments,
        left=left,
        balance=ledger.balance(db.session, payer.id),
        credit=ledger.credit_available(db.session, payer.id),
        methods=METHOD_LABELS,
    )


@bp.route("/organizations/<int:organization_id>/payments/new", methods=["GET", "POST"])
@finance_write_required
def new(organization_id: int) -> str | BaseResponse:
    """Record a payment of the payer; ``?invoice=ID`` preselects an invoice."""
    org = db.session.get(Organization, organization_id) or abort(404)
    payer = payer_of(org)
    opened = ledger.open_invoices(db.session, payer.id)
    form = PaymentForm()
    form.invoices.choices = [
        (
            inv.id,
            _(
                "%(number)s · open %(amount)s %(currency)s",
                number=inv.number,
                amount=_major(open_minor, inv.minor_units),
                currency=inv.currency,
            ),
        )
        for inv, open_minor in opened
    ]
    if request.method == "GET":
        form.received_on.data = local_date(utcnow(), payer.timezone)
        chosen = request.args.get("invoice", type=int)
        if chosen:
            form.invoices.data = [chosen]
            for inv, open_minor in opened:
                if inv.id == chosen:
                    form.amount.data = str(_major(open_minor, inv.minor_units))
    if form.validate_on_submit():
        try:
            payment = record_payment(
                payer,
                _amount(form.amount.data or "", payer.currency),
                form.received_on.data,
                utcnow(),
                method=form.method.data,
                reference=form.reference.data or "",
                note=form.note.data or "",
                invoice_ids=list(form.invoices.data or []),
                actor=current_user._get_current_object(),
            )
        except DomainError as exc:
            unit_of_work.refuse(exc, form, default_field="amount")
        else:
            flash(_("Payment recorded."), "success")
            return redirect(url_for("payments.detail", payment_id=payment.id))
    status = 400 if request.method == "POST" else 200
    return render_template("payments/form.html", form=form, org=org, payer=payer), status  # type: ignore[return-value]


@bp.route("/payments/<int:payment_id>")
@finance_read_required
def detail(payment_id: int) -> str:
    """One payment: what it settled, its refunds, and the reverse/refund forms."""
    payment = db.session.get(Payment, payment_id) or abort(404)
    return render_template(
        "payments/detail.html",
        payment=payment,
        left=ledger.payment_left(db.session, [payment.id])[payment.id],
        methods=METHOD_LABELS,
        reverse_form=ReverseForm(),
        refund_form=RefundForm(),
    )


@bp.route("/payments/<int:payment_id>/reverse", methods=["POST"])
@finance_write_required
def reverse(payment_id: int) -> BaseResponse:
    """Reverse a payment with a reason; what it settled is open again."""
    payment = db.session.get(Payment, payment_id) or abort(404)
    form = ReverseForm()
    if not form.validate_on_submit():
        for message in form.reason.errors:
            flash(message, "error")
    else:
        try:
            reverse_payment(payment, form.reason.data or "", utcnow(), current_user._get_current_object())
        except DomainError as exc:
            unit_of_work.refuse(exc)
        else:
            flash(_("Payment reversed."), "success")
    return redirect(url_for("payments.detail", payment_id=payment_id))


@bp.route("/payments/<int:payment_id>/refund", methods=["POST"])
@finance_write_required
def refund(payment_id: int) -> BaseResponse:
    """Refund part of a payment's unallocated money."""
    payment = db.session.get(Payment, payment_id) or abort(404)
    form = RefundForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("payments.detail", payment_id=payment_id))
    try:
        refund_payment(
            payment,
            _amount(form.amount.data or "", payment.currency),
            form.refunded_on.data,
            utcnow(),
            method=form.method.data,
            reference=form.reference.data or "",
            reason=form.reason.data or "",
            actor=current_user._get_current_object(),
        )
    except DomainError as exc:
        unit_of_work.refuse(exc)
    else:
        flash(_("Refund recorded."), "success")
    return redirect(url_for("payments.detail", payment_id=payment_id))


@bp.route("/payments/import", methods=["GET", "POST"])
@finance_write_required
def import_statement() -> tuple[str, int]:
    """Upload a bank statement CSV and review the matches; nothing is booked here."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("payments/import.html", form=form), 400 if request.method == "POST" else 200
    content = form.file.data.read().decode("utf-8", errors="replace")
    try:
        matches = bank_import.review(bank_import.parse(content), utcnow())
    except bank_import.ImportRefused as exc:
        form.file.errors = list(exc.problems)
        return render_template("payments/import.html", form=form), 400
    confirm = ConfirmImportForm(content=content)
    return render_template("payments/preview.html", matches=matches, confirm=confirm), 200


@bp.route("/payments/import/confirm", methods=["POST"])
@finance_write_required
def confirm_import() -> BaseResponse:
    """Book the reviewed statement (checked and matched again: all rows or none)."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash(_("The review expired: upload the statement again."), "error")
        return redirect(url_for("payments.import_statement"))
    try:
        payments = bank_import.book(
            bank_import.review(bank_import.parse(form.content.data or ""), utcnow()),
            utcnow(),
            current_user._get_current_object(),
        )
    except DomainError as exc:
        unit_of_work.refuse(exc)
        return redirect(url_for("payments.import_statement"))
    flash(_("%(n)s payments booked.", n=len(payments)), "success")
    return redirect(url_for("payments.import_statement"))
