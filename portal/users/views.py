"""Admin pages for users: list, create, edit, detail, enable/disable and memberships."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from portal import unit_of_work
from portal.account import service as account
from portal.audit import service as audit
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.mail import MailError
from portal.models import Membership, Organization, User
from portal.models.user import RIGHT_LABELS, RIGHTS, ROLES
from portal.organizations.members import add_member_to
from portal.pagination import paginate
from portal.security import admin_required
from portal.users.forms import AddMembershipForm, UserForm
from portal.users.service import create_user, set_enabled, update_user

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.route("/")
@admin_required
def index() -> str:
    """List users with search (e-mail or name), a role filter and paging."""
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    query = select(User).order_by(User.email)
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.email.ilike(like), User.name.ilike(like)))
    if role in ROLES:
        query = query.where(User.role == role)
    page = paginate(query)
    return render_template("users/list.html", page=page, q=q, role=role if role in ROLES else "")


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create() -> str | Response:
    """Create a user (no password: it is set through activation, a later issue)."""
    return _save(UserForm(), User())


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(user_id: int) -> str | Response:
    """Edit a user's e-mail, name and role."""
    user = db.session.get(User, user_id) or abort(404)
    return _save(UserForm(obj=user), user)


@bp.route("/<int:user_id>")
@admin_required
def detail(user_id: int) -> str:
    """A user, their organizations with rights, and enable/disable."""
    user = db.session.get(User, user_id) or abort(404)
    return _detail(user, _membership_form(user))


@bp.route("/<int:user_id>/enabled", methods=["POST"])
@admin_required
def toggle_enabled(user_id: int) -> Response:
    """Enable (``enabled=1``) or disable the user; nobody disables themselves."""
    user = db.session.get(User, user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        enabled = request.form.get("enabled") == "1"
        try:
            set_enabled(user, enabled, actor=current_user)
        except DomainError as error:
            unit_of_work.refuse(error)
        else:
            flash(
                _("%(email)s enabled.", email=user.email) if enabled else _("%(email)s disabled.", email=user.email),
                "success",
            )
    return redirect(url_for("users.detail", user_id=user_id))


@bp.route("/<int:user_id>/send-link", methods=["POST"])
@admin_required
def send_link(user_id: int) -> Response:
    """E-mail the user an activation (no password yet) or a password-reset link."""
    user = db.session.get(User, user_id) or abort(404)
    purpose = "reset" if request.form.get("purpose") == "reset" else "activate"
    if ConfirmForm().validate_on_submit() and user.is_enabled:
        try:
            account.send_link(user, purpose)
        except MailError as error:
            flash(str(error), "error")
        else:
            audit.record(
                f"user.{purpose}_link_sent",
                "user",
                user.id,
                summary=user.email,
                actor=current_user._get_current_object(),
            )
            sent = (
                _("Activation e-mail sent to %(email)s.")
                if purpose == "activate"
                else _("Password reset e-mail sent to %(email)s.")
            )
            flash(sent % {"email": user.email}, "success")
    return redirect(url_for("users.detail", user_id=user_id))


@bp.route("/<int:user_id>/memberships", methods=["POST"])
@admin_required
def add_membership(user_id: int) -> str | Response:
    """Give the user rights in one more organization."""
    user = db.session.get(User, user_id) or abort(404)
    form = _membership_form(user)
    if form.validate_on_submit():
        try:
            member = add_member_to(db.session.get(Organization, form.organization_id.data), user, form.rights())
        except DomainError as error:
            unit_of_work.refuse(
                error, form, field="organization_id" if error.field in (None, "user_id") else error.field
            )
        else:
            flash(
                _("%(email)s added to “%(organization)s”.", email=user.email, organization=member.organization.title),
                "success",
            )
            return redirect(url_for("users.detail", user_id=user.id))
    return _detail(user, form)


def _detail(user: User, form: AddMembershipForm) -> str:
    memberships = list(
        db.session.scalars(
            select(Membership).join(Organization).where(Membership.user_id == user.id).order_by(Organization.title)
        )
    )
    owned = list(
        db.session.scalars(select(Organization).where(Organization.owner_id == user.id).order_by(Organization.title))
    )
    return render_template(
        "users/detail.html",
        user=user,
        memberships=memberships,
        owned=owned,
        membership_form=form,
        confirm=ConfirmForm(),
        rights=RIGHTS,
        right_labels=RIGHT_LABELS,
    )


def _membership_form(user: User) -> AddMembershipForm:
    form = AddMembershipForm()
    taken = select(Membership.organization_id).where(Membership.user_id == user.id)
    orgs = db.session.scalars(select(Organization).where(Organization.id.not_in(taken)).order_by(Organization.title))
    form.organization_id.choices = [("", _("— choose an organization —"))] + [(o.id, o.title) for o in orgs]
    return form


def _save(form: UserForm, user: User) -> str | Response:
    if form.validate_on_submit():
        try:
            if user.id is None:
                user = create_user(form.email.data, form.name.data or "", form.role.data)
            else:
                update_user(user, form.email.data, form.name.data or "", form.role.data, actor=current_user)
        except DomainError as error:
            unit_of_work.refuse(error, form, default_field="email")
        else:
            if user.id == current_user.id:
                login_user(user)  # one's own new e-mail ended the old session; keep this one
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for("users.detail", user_id=user.id))
    return render_template("users/form.html", form=form, user=user)
