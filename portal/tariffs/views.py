"""Admin pages for tariffs: list, create, edit, detail with price history, archive and delete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal import unit_of_work
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ConfirmForm, format_minor_plain
from portal.i18n import N_
from portal.models import Service, Tariff, User
from portal.pagination import paginate
from portal.security import admin_required
from portal.tariffs import service as tariffs
from portal.tariffs.forms import NewTariffForm, PriceForm, TariffForm
from portal.tariffs.impact import PriceImpact
from portal.templating import money

bp = Blueprint("tariffs", __name__, url_prefix="/admin/tariffs")


def _today() -> date:
    """Today in the operator's default timezone (price versions start on local dates)."""
    return datetime.now(ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])).date()


def _me() -> User:
    return current_user._get_current_object()


def _get(tariff_id: int) -> Tariff:
    return db.session.get(Tariff, tariff_id) or abort(404)


def _service_choices() -> list[tuple[int, str]]:
    services = db.session.scalars(select(Service).order_by(Service.currency, Service.name))
    return [
        (s.id, _("%(name)s — %(price)s / month", name=s.name, price=money(s.monthly_price_minor, s.currency)))
        for s in services
    ]


def _blame(form: FlaskForm, error: DomainError) -> None:
    """Roll back; put a domain error beside its field, or flash it when the form has no such field."""
    unit_of_work.refuse(error, form)


@bp.route("/")
@admin_required
def index() -> str:
    """List tariffs with search and paging; archived ones only when asked."""
    q = request.args.get("q", "").strip()
    show_archived = request.args.get("archived") == "1"
    query = (
        select(Tariff)
        .options(selectinload(Tariff.services), selectinload(Tariff.prices))
        .order_by(func.lower(Tariff.name), Tariff.id)
    )
    if q:
        like = f"%{q}%"
        query = query.where(or_(Tariff.name.ilike(like), Tariff.note.ilike(like)))
    if not show_archived:
        query = query.where(Tariff.is_archived.is_(False))
    page = paginate(query)
    return render_template("tariffs/list.html", page=page, q=q, show_archived=show_archived, today=_today())


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create() -> str | Response:
    """Create a tariff and its first price version."""
    form = NewTariffForm()
    form.services.choices = _service_choices()
    if request.method == "GET":
        form.currency.data = current_app.config["DEFAULT_CURRENCY"]
        form.effective_from.data = _today()
    if form.validate_on_submit():
        currency = form.currency.data
        first_price = form.override_price.minor(currency) if form.price_mode.data == "override" else None
        tariff = Tariff()
        try:
            tariffs.save_tariff(
                tariff,
                _values(form, currency),
                first_price=first_price,
                effective_from=form.effective_from.data,
                by=_me(),
            )
        except DomainError as error:
            _blame(form, error)
        else:
            flash(_("Tariff “%(name)s” created.", name=tariff.name), "success")
            return redirect(url_for("tariffs.detail", tariff_id=tariff.id))
    return render_template("tariffs/form.html", form=form, tariff=None)


@bp.route("/<int:tariff_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(tariff_id: int) -> str | Response:
    """Edit a tariff's name, note, services, price mode and default offer (never its price)."""
    tariff = _get(tariff_id)
    form = TariffForm(obj=tariff)
    form.services.choices = _service_choices()
    if request.method == "GET":
        form.services.data = [s.id for s in tariff.services]
    if form.validate_on_submit():
        try:
            tariffs.save_tariff(tariff, _values(form, tariff.currency), by=_me())
        except DomainError as error:
            _blame(form, error)
        else:
            flash(
                _("Tariff “%(name)s” saved. Its price is unchanged; set a new one below if needed.", name=tariff.name),
                "success",
            )
            return redirect(url_for("tariffs.detail", tariff_id=tariff.id))
    return render_template("tariffs/form.html", form=form, tariff=tariff, services_sum=tariffs.services_sum(tariff))


def _values(form: TariffForm, currency: str) -> tariffs.TariffValues:
    return tariffs.TariffValues(
        name=form.name.data.strip(),
        note=(form.note.data or "").strip(),
        currency=currency,
        price_mode=form.price_mode.data,
        is_default_offer=bool(form.is_default_offer.data),
        service_ids=list(form.services.data or []),
    )


@bp.route("/<int:tariff_id>")
@admin_required
def detail(tariff_id: int) -> str:
    """One tariff: services, price history, organizations allowing it, and its actions."""
    tariff = _get(tariff_id)
    form = PriceForm(currency=tariff.currency, formdata=None)
    form.amount.data = format_minor_plain(tariffs.suggested_price(tariff, _today()), tariff.currency)
    form.effective_from.data = _today()
    return _render_detail(tariff, form)


def _render_detail(tariff: Tariff, price_form: PriceForm, impact: PriceImpact | None = None) -> str:
    today = _today()
    return render_template(
        "tariffs/detail.html",
        tariff=tariff,
        price_form=price_form,
        confirm=ConfirmForm(),
        today=today,
        impact=impact,
        current=tariff.price_on(today),
        services_sum=tariffs.services_sum(tariff),
        history=tariffs.price_history(tariff, today),
        organizations=tariffs.organizations_allowing(tariff),
        counts=tariffs.usage_counts(tariff),
    )


@bp.route("/<int:tariff_id>/prices", methods=["POST"])
@admin_required
def set_price(tariff_id: int) -> str | Response:
    """Add a price version from a date; errors are shown beside the form on the detail page."""
    tariff = _get(tariff_id)
    form = PriceForm(currency=tariff.currency)
    impact = None
    if form.validate_on_submit():
        try:
            tariffs.set_price(
                tariff,
                form.amount.minor(tariff.currency),
                form.effective_from.data,
                by=_me(),
                confirmed=request.form.get("confirm_impact") or None,
            )
        except tariffs.PriceImpactToConfirm as pending:
            unit_of_work.fail()  # nothing is saved until the admin confirms the impact
            impact = pending.impact
        except DomainError as error:
            _blame(form, error)
        else:
            flash(_("New price set from %(date)s.", date=form.effective_from.data.isoformat()), "success")
            return redirect(url_for("tariffs.detail", tariff_id=tariff.id))
    return _render_detail(tariff, form, impact)


@bp.route("/<int:tariff_id>/archive", methods=["POST"])
@admin_required
def archive(tariff_id: int) -> Response:
    """Archive a tariff."""
    return _act(tariff_id, tariffs.archive_tariff, N_("Tariff “%(name)s” archived."))


@bp.route("/<int:tariff_id>/unarchive", methods=["POST"])
@admin_required
def unarchive(tariff_id: int) -> Response:
    """Bring an archived tariff back."""
    return _act(tariff_id, tariffs.unarchive_tariff, N_("Tariff “%(name)s” is active again."))


@bp.route("/<int:tariff_id>/delete", methods=["POST"])
@admin_required
def delete(tariff_id: int) -> Response:
    """Delete a never-used tariff; a used one is refused with a message."""
    tariff = _get(tariff_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = tariff.name
    try:
        tariffs.delete_tariff(tariff, by=_me())
    except DomainError as error:
        unit_of_work.refuse(error)
        return redirect(url_for("tariffs.detail", tariff_id=tariff_id))
    flash(_("Tariff “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("tariffs.index"))


def _act(tariff_id: int, action: Callable[..., Tariff], message: str) -> Response:
    tariff = _get(tariff_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(tariff, by=_me())
    except DomainError as error:
        unit_of_work.refuse(error)
    else:
        flash(_(message, name=tariff.name), "success")
    return redirect(url_for("tariffs.detail", tariff_id=tariff_id))
