"""Admin pages: the operator's details, taxes, and an organization's own prices and tax."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from portal import unit_of_work
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ConfirmForm, parse_money
from portal.invoices.documents import missing_details
from portal.models import DocumentLogo, IndividualPrice, Organization, Tariff, Tax, TaxRate, User
from portal.security import admin_required
from portal.templating import money
from portal.terms import display
from portal.terms import service as terms
from portal.terms.forms import IndividualPriceForm, OperatorForm, OrganizationTermsForm, TaxForm, TaxRateForm

bp = Blueprint("terms", __name__)


@bp.record_once
def _install(state: BlueprintSetupState) -> None:
    display.register(state.app)  # type: ignore[arg-type]  # a Flask app: record_once runs on registration


def _me() -> User:
    return current_user._get_current_object()


@bp.route("/admin/operator", methods=["GET", "POST"])
@admin_required
def operator() -> str | Response:
    """The operator's legal identity, printed on every invoice (issued ones keep theirs)."""
    profile = terms.operator()
    form = OperatorForm(obj=profile)
    if form.validate_on_submit():
        upload = request.files.get(form.logo.name)
        data = upload.read(terms.LOGO_MAX_BYTES + 1) if upload and upload.filename else None
        values = terms.OperatorValues(
            legal_name=form.legal_name.data or "",
            address=form.address.data or "",
            tax_id=form.tax_id.data or "",
            registration=form.registration.data or "",
            payment_details=form.payment_details.data or "",
            footer=form.footer.data or "",
        )
        try:
            terms.save_operator(values, logo=data, remove_logo=bool(form.remove_logo.data), by=_me())
        except DomainError as error:
            unit_of_work.refuse(error, form)
        else:
            flash(_("The operator's details are saved."), "success")
            return redirect(url_for("terms.operator"))
    return render_template("settings/operator.html", form=form, profile=profile, missing=missing_details(profile))


@bp.route("/documents/logos/<sha256>")
@login_required
def logo(sha256: str) -> Response:
    """A logo printed on documents (immutable: addressed by its content)."""
    found = db.session.get(DocumentLogo, sha256) or abort(404)
    response = Response(found.data, mimetype=found.mime)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _bp_of(text: str) -> int:
    """A percentage typed by a person (``21``, ``10,5``) in basis points."""
    return parse_money(text, "EUR")  # two decimals: 21.5 % -> 2150 bp


@bp.route("/admin/taxes", methods=["GET", "POST"])
@admin_required
def taxes() -> str | Response:
    """Named taxes with their effective-dated rates; a new tax with its first rate."""
    form = TaxForm()
    if form.validate_on_submit():
        try:
            rate = _bp_of(form.rate.data or "")
            tax = terms.save_tax(form.name.data or "", by=_me())
            terms.add_tax_rate(tax, form.effective_from.data, rate, by=_me())
        except ValueError as error:
            unit_of_work.refuse(DomainError(str(error), field="rate"), form)
        except DomainError as error:
            unit_of_work.refuse(error, form)
        else:
            flash(_("Tax “%(name)s” added.", name=tax.name), "success")
            return redirect(url_for("terms.taxes"))
    return render_template(
        "taxes/list.html", form=form, taxes=terms.taxes(), rate_form=TaxRateForm(formdata=None), confirm=ConfirmForm()
    )


@bp.route("/admin/taxes/<int:tax_id>/rates", methods=["POST"])
@admin_required
def add_rate(tax_id: int) -> Response:
    """A new rate of a tax; refused inside an invoiced period."""
    tax = db.session.get(Tax, tax_id) or abort(404)
    form = TaxRateForm()
    if not form.validate_on_submit():
        flash(_("Enter a rate and the date it is effective from."), "error")
        return redirect(url_for("terms.taxes"))
    try:
        terms.add_tax_rate(tax, form.effective_from.data, _bp_of(form.rate.data or ""), by=_me())
    except ValueError as error:
        unit_of_work.refuse(DomainError(str(error)))
    except DomainError as error:
        unit_of_work.refuse(error)
    else:
        flash(_("Rate added to “%(name)s”.", name=tax.name), "success")
    return redirect(url_for("terms.taxes"))


@bp.route("/admin/taxes/rates/<int:rate_id>/delete", methods=["POST"])
@admin_required
def delete_rate(rate_id: int) -> Response:
    """Delete a rate no invoiced period used."""
    rate = db.session.get(TaxRate, rate_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        terms.delete_tax_rate(rate, by=_me())
    except DomainError as error:
        unit_of_work.refuse(error)
    else:
        flash(_("Rate deleted."), "success")
    return redirect(url_for("terms.taxes"))


def _tariff_choices(org: Organization) -> list[tuple[str, str]]:
    tariffs = sorted({t.id: t for t in org.allowed_tariffs}.values(), key=lambda t: t.name)
    return [(str(t.id), t.name) for t in tariffs]


@bp.route("/admin/organizations/<int:organization_id>/pricing", methods=["GET", "POST"])
@admin_required
def pricing(organization_id: int) -> str | Response:
    """The organization's tax, tax ID and note, and its individual prices."""
    org = db.session.get(Organization, organization_id) or abort(404)
    current = terms.terms_of(org)
    terms_form = OrganizationTermsForm(obj=current, prefix="terms")
    terms_form.tax.choices = [("", _("Default rate"))] + [(str(t.id), t.name) for t in terms.taxes()]
    price_form = IndividualPriceForm(prefix="price")
    price_form.tariff.choices = _tariff_choices(org)
    if request.method == "GET":
        terms_form.tax.data = str(current.tax_id or "")
    if terms_form.submit.data and terms_form.validate_on_submit():
        tax = db.session.get(Tax, int(terms_form.tax.data)) if (terms_form.tax.data or "").isdigit() else None
        terms.save_org_terms(org, tax, terms_form.customer_tax_id.data or "", terms_form.tax_note.data or "", by=_me())
        flash(_("Terms saved."), "success")
        return redirect(url_for("terms.pricing", organization_id=org.id))
    if price_form.submit.data and price_form.validate_on_submit():
        if _add_price(org, price_form):
            return redirect(url_for("terms.pricing", organization_id=org.id))
    tariffs = {t.id: t for t in db.session.query(Tariff).all()}
    return render_template(
        "pricing/organization.html",
        org=org,
        terms_form=terms_form,
        price_form=price_form,
        prices=terms.individual_prices(org),
        tariffs=tariffs,
        confirm=ConfirmForm(),
    )


def _add_price(org: Organization, form: IndividualPriceForm) -> bool:
    tariff = db.session.get(Tariff, int(form.tariff.data)) if (form.tariff.data or "").isdigit() else None
    if tariff is None:
        unit_of_work.refuse(DomainError(_("Choose a tariff."), field="tariff"), form)
        return False
    kind = form.kind.data or ""
    try:
        text = form.value.data or "0"
        value = _bp_of(text) if kind == "percent" else (0 if kind == "list" else parse_money(text, tariff.currency))
        terms.add_individual_price(org, tariff, form.effective_from.data, kind, value, by=_me())
    except ValueError as error:
        unit_of_work.refuse(DomainError(str(error), field="value"), form)
        return False
    except DomainError as error:
        unit_of_work.refuse(error, form)
        return False
    flash(_("Individual price added."), "success")
    return True


@bp.route("/admin/individual-prices/<int:price_id>/delete", methods=["POST"])
@admin_required
def delete_price(price_id: int) -> Response:
    """Delete an individual price no invoiced period used."""
    price = db.session.get(IndividualPrice, price_id) or abort(404)
    org_id = price.organization_id
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        terms.delete_individual_price(price, by=_me())
    except DomainError as error:
        unit_of_work.refuse(error)
    else:
        flash(_("Individual price deleted."), "success")
    return redirect(url_for("terms.pricing", organization_id=org_id))


def describe(price: IndividualPrice, currency: str) -> str:
    """``€9.00 / month``, ``10% off``, ``€2.00 off`` or ``list price`` for the table."""
    if price.kind == "override":
        return _("%(price)s / month", price=money(price.value, currency))
    if price.kind == "percent":
        return _("%(rate)s off", rate=display.percent_bp(price.value))
    if price.kind == "fixed":
        return _("%(amount)s off", amount=money(price.value, currency))
    return _("list price")


@bp.app_template_global("describe_individual_price")
def _describe(price: IndividualPrice, currency: str) -> str:
    return describe(price, currency)
