"""Admin pages for users (being written)."""
from __future__ import annotations

from flask import Blueprint, render_template_string

from portal.security import admin_required

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.route("/")
@admin_required
def index() -> str:
    """Placeholder list until the users forms land."""
    return render_template_string("{% extends 'base.html' %}{% block content %}<h1 class='h3'>users</h1>{% endblock %}")


@bp.route("/<int:user_id>")
@admin_required
def detail(user_id: int) -> str:
    """Placeholder detail."""
    return index()
