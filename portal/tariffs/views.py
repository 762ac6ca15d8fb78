"""Admin pages for tariffs (being written)."""
from __future__ import annotations

from flask import Blueprint, render_template_string

from portal.security import admin_required

bp = Blueprint("tariffs", __name__, url_prefix="/admin/tariffs")


@bp.route("/")
@admin_required
def index() -> str:
    """Placeholder list until the tariffs forms land."""
    return render_template_string("{% extends 'base.html' %}{% block content %}<h1 class='h3'>tariffs</h1>{% endblock %}")


@bp.route("/<int:tariff_id>")
@admin_required
def detail(tariff_id: int) -> str:
    """Placeholder detail."""
    return index()
