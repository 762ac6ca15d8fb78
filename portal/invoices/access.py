"""Who may see which invoices: admins and accountants all; subscribers only with the right to.

A subscriber sees the non-draft invoices of the organizations they own (and of
their subsidiaries) and of those where their membership has
``can_view_invoices``.  Anything else answers 404, like every tenant lookup.
The same rule guards every other view of an organization's money (the Usages
page and CSV, prices and expected cost on the dashboard).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select, union

from portal.extensions import db
from portal.models import Invoice, InvoiceStatus, Membership, Organization, User
from portal.tenancy import owned_subtree_parts, visible_organization_ids


def invoice_organization_ids(user: User) -> Select[tuple[int]]:
    """A SELECT of the organization ids whose invoices ``user`` may see."""
    if user.is_finance:
        return select(Organization.id)
    rights = select(Membership.organization_id).where(
        Membership.user_id == user.id, Membership.can_view_invoices.is_(True)
    )
    allowed = select(union(rights, *owned_subtree_parts(user)).subquery().c[0])
    return select(Organization.id).where(
        Organization.id.in_(allowed), Organization.id.in_(visible_organization_ids(user))
    )


def visible_invoices(user: User) -> Select[tuple[Invoice]]:
    """A SELECT of the invoices ``user`` may see (subscribers never see drafts): the one rule."""
    query = select(Invoice).where(Invoice.organization_id.in_(invoice_organization_ids(user)))
    if not user.is_finance:
        query = query.where(Invoice.status != InvoiceStatus.DRAFT)
    return query


def scoped_invoice_or_404(user: User, invoice_id: int) -> Invoice:
    """Load an invoice ``user`` may see, or answer 404."""
    invoice = db.session.scalar(visible_invoices(user).where(Invoice.id == invoice_id))
    if invoice is None:
        abort(404)
    return invoice


def invoice_organization_or_404(user: User, organization_id: int) -> Organization:
    """Load an organization whose money (invoices, usages, prices) ``user`` may see, or answer 404."""
    org = db.session.scalar(
        select(Organization).where(
            Organization.id == organization_id, Organization.id.in_(invoice_organization_ids(user))
        )
    )
    if org is None:
        abort(404)
    return org
