"""Admin pages for services."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from portal import unit_of_work
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import format_minor_plain
from portal.models import Service
from portal.pagination import paginate
from portal.security import admin_required
from portal.services.forms import ServiceForm
from portal.services.service import save_service, tariffs_using

bp = Blueprint("services", __name__, url_prefix="/admin/services")


@bp.route("/")
@admin_required
def index() -> str:
    """List services with search and paging."""
    q = request.args.get("q", "").strip()
    query = select(Service).order_by(Service.name)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Service.name.ilike(like), Service.description.ilike(like)))
    page = paginate(query)
    return render_template("services/list.html", page=page, q=q)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create() -> str | Response:
    """Create a service."""
    form = ServiceForm()
    if request.method == "GET":
        form.currency.data = current_app.config["DEFAULT_CURRENCY"]
    return _save(form, Service())


@bp.route("/<int:service_id>")
@admin_required
def detail(service_id: int) -> str:
    """One service and the tariffs that use it."""
    service = db.session.get(Service, service_id) or abort(404)
    return render_template("services/detail.html", service=service, tariffs=tariffs_using(service))


@bp.route("/<int:service_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(service_id: int) -> str | Response:
    """Edit a service."""
    service = db.session.get(Service, service_id) or abort(404)
    form = ServiceForm(obj=service)
    if request.method == "GET":
        form.monthly_price.data = format_minor_plain(service.monthly_price_minor, service.currency)
        form.analytics.data = service.analytics or ""
    return _save(form, service)


def _save(form: ServiceForm, service: Service) -> str | Response:
    if form.validate_on_submit():
        currency = form.currency.data
        values = {
            "name": form.name.data.strip(),
            "kind": form.kind.data,
            "archive_days": form.archive_days.data,
            "archive_gb": form.archive_gb.data,
            "analytics": form.analytics.data or None,
            "monthly_price_minor": form.monthly_price.minor(currency),
            "currency": currency,
            "description": (form.description.data or "").strip(),
        }
        try:
            save_service(service, values)
        except DomainError as error:
            unit_of_work.refuse(error, form, default_field="name")
        else:
            flash(_("Service “%(name)s” saved.", name=service.name), "success")
            return redirect(url_for("services.detail", service_id=service.id))
    return render_template("services/form.html", form=form, service=service)
