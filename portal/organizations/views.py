"""Admin pages for organizations (being written)."""
from __future__ import annotations

from flask import Blueprint, render_template_string

from portal.security import admin_required

bp = Blueprint("organizations", __name__, url_prefix="/admin/organizations")


@bp.route("/")
@admin_required
def index() -> str:
    """Placeholder list until the organizations forms land."""
    return render_template_string("{% extends 'base.html' %}{% block content %}<h1 class='h3'>organizations</h1>{% endblock %}")


@bp.route("/<int:organization_id>")
@admin_required
def detail(organization_id: int) -> str:
    """Placeholder detail."""
    return index()
