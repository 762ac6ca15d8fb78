"""The Audit page: every recorded change, filterable."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import Blueprint, render_template, request
from sqlalchemy import select

from portal.extensions import db
from portal.inputs import strict_int
from portal.models import AuditEvent
from portal.pagination import paginate
from portal.security import admin_required

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _date_arg(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    try:
        return datetime.combine(datetime.strptime(raw, "%Y-%m-%d").date(), time(), tzinfo=timezone.utc)
    except ValueError:
        return None


@bp.route("/")
@admin_required
def index() -> str:
    """List audit events, newest first, filtered by actor, action, object and dates (UTC)."""
    filters = {k: request.args.get(k, "").strip() for k in ("actor", "action", "object_type", "object_id")}
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if filters["actor"]:
        query = query.where(AuditEvent.actor_label.ilike(f"%{filters['actor']}%"))
    if filters["action"]:
        query = query.where(AuditEvent.action.ilike(f"{filters['action']}%"))
    if filters["object_type"]:
        query = query.where(AuditEvent.object_type == filters["object_type"])
    object_id = strict_int(filters["object_id"])
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    since, until = _date_arg("since"), _date_arg("until")
    if since:
        query = query.where(AuditEvent.created_at >= since)
    if until:
        query = query.where(AuditEvent.created_at < until + timedelta(days=1))
    page = paginate(query)
    object_types = db.session.scalars(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type))
    return render_template(
        "audit/list.html",
        page=page,
        filters=filters,
        object_types=list(object_types),
        since=request.args.get("since", ""),
        until=request.args.get("until", ""),
    )
