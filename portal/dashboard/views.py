"""Home page: the admin's overview or the subscriber's organizations."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Camera, Organization, Tariff, User
from portal.tenancy import scoped_organization_or_404, visible_organizations

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@login_required
def index() -> str:
    """Admins get counts of the catalog; subscribers the list of their organizations."""
    if current_user.is_admin:
        counts = {
            "organizations": db.session.scalar(select(func.count()).select_from(Organization)),
            "users": db.session.scalar(select(func.count()).select_from(User)),
            "tariffs": db.session.scalar(select(func.count()).select_from(Tariff)
                                         .where(Tariff.is_archived.is_(False))),
            "cameras": db.session.scalar(select(func.count()).select_from(Camera)
                                         .where(Camera.missing_since.is_(None))),
        }
        return render_template("dashboard/admin.html", counts=counts)
    return render_template("dashboard/subscriber.html", organizations=visible_organizations(current_user))


@bp.route("/my/organizations/<int:organization_id>")
@login_required
def organization(organization_id: int) -> str:
    """A subscriber's view of one of their organizations (404 for anyone else's)."""
    org = scoped_organization_or_404(current_user, organization_id)
    cameras = list(db.session.scalars(select(Camera).where(
        Camera.organization_id == org.id, Camera.missing_since.is_(None)).order_by(Camera.name)))
    return render_template("dashboard/organization.html", org=org, cameras=cameras)
