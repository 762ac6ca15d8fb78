"""Admin pages for organizations: list, tree, create, edit, detail and members."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, selectinload
from werkzeug.wrappers import Response

from portal import unit_of_work
from portal.account.service import send_link
from portal.billing_mail.timeline import organization_timeline
from portal.errors import DomainError
from portal.extensions import db
from portal.invoices.coverage import invoiced_until
from portal.mail import MailError
from portal.models import Camera, Membership, Organization, User
from portal.models.user import RIGHT_LABELS, RIGHTS, ROLE_SUBSCRIBER
from portal.organizations.forms import AddMemberForm, OrganizationForm, RightsForm
from portal.organizations.members import add_member_to, remove_membership, set_membership
from portal.organizations.service import (
    OrganizationData,
    active_tariffs,
    change_owner,
    create_organization,
    find_organization,
    move_organization,
    tree,
    update_organization,
)
from portal.pagination import paginate
from portal.security import admin_required, finance_read_required
from portal.users.service import create_owner_from_email

bp = Blueprint("organizations", __name__, url_prefix="/admin/organizations")


@bp.route("/")
@finance_read_required
def index() -> str:
    """List organizations with search (title, owner e-mail, billing contact) and paging."""
    q = request.args.get("q", "").strip()
    owner = aliased(User)
    query = (
        select(Organization)
        .outerjoin(owner, Organization.owner_id == owner.id)
        .options(selectinload(Organization.owner), selectinload(Organization.parent))
        .order_by(Organization.title)
    )
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(Organization.title.ilike(like), owner.email.ilike(like), Organization.billing_contact.ilike(like))
        )
    page = paginate(query)
    return render_template("organizations/list.html", page=page, q=q)


@bp.route("/tree")
@finance_read_required
def tree_view() -> str:
    """Parents and their subsidiaries as a nested list."""
    roots, children = tree()
    return render_template("organizations/tree.html", roots=roots, children=children)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create() -> str | Response:
    """Create an organization, with an existing owner or a new one from an e-mail."""
    form = OrganizationForm()
    _choices(form, None)
    if request.method == "GET":
        form.currency.data = current_app.config["DEFAULT_CURRENCY"]
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
        form.allowed_tariffs.data = [t.id for t in active_tariffs() if t.is_default_offer]
        form.parent_id.data = request.args.get("parent_id", type=int)
    return _save(form, Organization())


@bp.route("/<int:organization_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(organization_id: int) -> str | Response:
    """Edit an organization, move it in the hierarchy or change its owner."""
    org = db.session.get(Organization, organization_id) or abort(404)
    form = OrganizationForm(obj=org)
    _choices(form, org)
    if request.method == "GET":
        form.allowed_tariffs.data = [t.id for t in org.allowed_tariffs if not t.is_archived]
    return _save(form, org)


@bp.route("/<int:organization_id>")
@finance_read_required
def detail(organization_id: int) -> str:
    """All fields, members with rights, subsidiaries, sync state, camera count and timeline.

    Accountants get a read-only page (no member forms, no edit links).
    """
    org = db.session.get(Organization, organization_id) or abort(404)
    if not current_user.is_admin:
        return render_template(
            "organizations/read_only.html",
            org=org,
            cameras=_camera_count(org),
            timeline=organization_timeline(db.session, org.id),
        )
    return _detail(org, _member_form(org))


@bp.route("/<int:organization_id>/members", methods=["POST"])
@admin_required
def add_member(organization_id: int) -> str | Response | tuple[str, int]:
    """Add a user with rights to the organization."""
    org = db.session.get(Organization, organization_id) or abort(404)
    form = _member_form(org)
    if form.validate_on_submit():
        try:
            member = add_member_to(org, db.session.get(User, form.user_id.data), form.rights())
        except DomainError as error:
            unit_of_work.refuse(error, form, default_field="user_id")
        else:
            flash(
                _("%(email)s added to “%(organization)s”.", email=member.user.email, organization=org.title), "success"
            )
            return redirect(url_for("organizations.detail", organization_id=org.id))
    return _detail(org, form), 200


@bp.route("/<int:organization_id>/members/<int:user_id>", methods=["POST"])
@admin_required
def update_member(organization_id: int, user_id: int) -> Response:
    """Change a member's rights."""
    membership = db.session.get(Membership, (user_id, organization_id)) or abort(404)
    form = RightsForm()
    if form.validate_on_submit():
        set_membership(membership.organization, membership.user, form.rights())
        flash(_("Rights of %(email)s saved.", email=membership.user.email), "success")
    return _back(organization_id, user_id)


@bp.route("/<int:organization_id>/members/<int:user_id>/remove", methods=["POST"])
@admin_required
def remove_member(organization_id: int, user_id: int) -> Response:
    """Remove a member (not the owner)."""
    membership = db.session.get(Membership, (user_id, organization_id)) or abort(404)
    form = RightsForm()
    email = membership.user.email
    if form.validate_on_submit():
        try:
            remove_membership(membership)
        except DomainError as error:
            unit_of_work.refuse(error)
        else:
            flash(_("%(email)s removed.", email=email), "success")
    return _back(organization_id, user_id)


def _back(organization_id: int, user_id: int) -> Response:
    """Back to the page the member form was on: the user's (``back=user``) or the organization's."""
    if request.form.get("back") == "user":
        return redirect(url_for("users.detail", user_id=user_id))
    return redirect(url_for("organizations.detail", organization_id=organization_id))


def _camera_count(org: Organization) -> int | None:
    return db.session.scalar(
        select(func.count()).select_from(Camera).where(Camera.organization_id == org.id, Camera.missing_since.is_(None))
    )


def _detail(org: Organization, member_form: AddMemberForm) -> str:
    cameras = _camera_count(org)
    memberships = list(
        db.session.scalars(
            select(Membership).join(User).where(Membership.organization_id == org.id).order_by(User.email)
        )
    )
    return render_template(
        "organizations/detail.html",
        org=org,
        cameras=cameras,
        memberships=memberships,
        member_form=member_form,
        rights_form=RightsForm(formdata=None),
        rights=RIGHTS,
        right_labels=RIGHT_LABELS,
        timeline=organization_timeline(db.session, org.id),
    )


def _member_form(org: Organization) -> AddMemberForm:
    form = AddMemberForm()
    taken = select(Membership.user_id).where(Membership.organization_id == org.id)
    users = db.session.scalars(
        select(User).where(User.role == ROLE_SUBSCRIBER, User.id.not_in(taken)).order_by(User.email)
    )
    form.user_id.choices = [("", _("— choose a user —"))] + [(u.id, u.email) for u in users]
    return form


def _choices(form: OrganizationForm, org: Organization | None) -> None:
    owners = db.session.scalars(select(User).where(User.role == ROLE_SUBSCRIBER).order_by(User.email))
    form.owner_id.choices = [("", _("— new owner by e-mail —"))] + [
        (u.id, u.email + ("" if u.is_enabled else " (disabled)")) for u in owners
    ]
    roots, children = tree()
    options: list[tuple[object, str]] = [("", _("— none (top level) —"))]

    def walk(nodes: list[Organization]) -> None:
        for node in nodes:
            if org is None or node.id != org.id:
                options.append((node.id, "\u2003" * node.depth + node.title))
            walk(children.get(node.id, []))

    walk(roots)
    form.parent_id.choices = options
    form.allowed_tariffs.choices = [(t.id, f"{t.name} ({t.currency})") for t in active_tariffs()]


def _data(form: OrganizationForm) -> OrganizationData:
    return OrganizationData(
        title=form.title.data.strip(),
        timezone=form.timezone.data,
        currency=form.currency.data,
        tariff_ids=tuple(form.allowed_tariffs.data or ()),
        trial_start=form.trial_start.data,
        trial_end=form.trial_end.data,
        camera_limit=form.camera_limit.data,
        user_limit=form.user_limit.data,
        billing_contact=form.billing_contact.data or "",
        billing_email=form.billing_email.data or "",
        invoice_to_parent=bool(form.invoice_to_parent.data),
        document_language=form.document_language.data or "en",
    )


def _owner(form: OrganizationForm) -> User:
    if form.owner_id.data is not None:
        owner = db.session.get(User, form.owner_id.data)
        if owner is None:
            raise DomainError(_("This user does not exist."), field="owner_id")
        return owner
    return create_owner_from_email(form.owner_email.data)


def _send_activation(owner: User) -> None:
    """E-mail the new owner an activation link (after commit); a mail failure is reported, not fatal."""
    try:
        send_link(owner, "activate")
    except MailError as error:
        flash(_("%(error)s Send it again from the user's page.", error=error), "warning")
    else:
        flash(_("An activation e-mail was sent to %(email)s.", email=owner.email), "info")


def _save(form: OrganizationForm, org: Organization) -> str | Response:
    if form.validate_on_submit():
        new_owner = form.owner_id.data is None
        try:
            parent = find_organization(form.parent_id.data)
            owner = _owner(form)
            if org.id is None:
                org = create_organization(_data(form), owner, parent)
            else:
                move_organization(org, parent)
                update_organization(org, _data(form))
                change_owner(org, owner)
        except DomainError as error:
            unit_of_work.refuse(error, form, default_field="title")
        else:
            flash(_("Organization “%(name)s” saved.", name=org.title), "success")
            if new_owner and org.owner is not None:
                _send_activation(org.owner)
            return redirect(url_for("organizations.detail", organization_id=org.id))
    archived = [t for t in org.allowed_tariffs if t.is_archived] if org.id else []
    return render_template(
        "organizations/form.html",
        form=form,
        org=org,
        archived_tariffs=archived,
        invoiced=invoiced_until(org.id) if org.id else None,
    )
