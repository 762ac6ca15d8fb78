"""The seller and the buyer on a document, frozen when it is issued.

:func:`seller_snapshot` (the operator's profile) and :func:`buyer_snapshot` (the paying
organization with its tax ID and exemption note) build plain dicts; issuing stores them as
JSON on the invoice (with :func:`tax_snapshot`, the taxes per rate; the columns are
mapped once, in :mod:`portal.invoices.rows`, for the per-invoice path and the billing run), and the database
refuses changing them afterwards (:mod:`portal.models.document_rules`).  A later edit of
the operator's profile or of the organization never changes an issued document.  Drafts
show the live details (:func:`seller_of` / :func:`buyer_of`).

Issuing is refused (:class:`SellerDetailsMissing`) while a required detail of the operator
is missing: the billing run reports it per organization.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal.billing import InvoiceDraft
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Invoice, OperatorProfile, Organization, OrganizationTerms

#: Details without which no document may be issued (field name -> label).
REQUIRED = {
    "legal_name": _l("legal name"),
    "address": _l("address"),
    "tax_id": _l("tax ID"),
    "payment_details": _l("bank or payment details"),
}
SELLER_FIELDS = ("legal_name", "address", "tax_id", "registration", "payment_details", "footer")


class SellerDetailsMissing(DomainError):
    """The operator's legal identity is incomplete: documents cannot be issued yet."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(
            gettext(
                "The operator's details are incomplete (missing: %(missing)s). "
                "Complete them under Settings → Operator details before issuing.",
                missing=", ".join(missing),
            )
        )
        self.missing = missing


def operator_profile() -> OperatorProfile | None:
    """The operator's profile row, if it was ever saved."""
    return db.session.get(OperatorProfile, 1)


def missing_details(profile: OperatorProfile | None) -> list[str]:
    """Labels of the required details that are empty."""
    return [str(label) for name, label in REQUIRED.items() if not (getattr(profile, name, "") or "").strip()]


def seller_snapshot(profile: OperatorProfile | None = None) -> dict[str, Any]:
    """The seller as printed today; raises :class:`SellerDetailsMissing` when incomplete."""
    profile = profile if profile is not None else operator_profile()
    missing = missing_details(profile)
    if missing:
        raise SellerDetailsMissing(missing)
    assert profile is not None
    found: dict[str, Any] = {name: (getattr(profile, name) or "").strip() for name in SELLER_FIELDS}
    found["logo_sha256"] = profile.logo_sha256
    return found


def buyer_snapshot(org: Organization) -> dict[str, Any]:
    """The buyer as printed today: title, billing contact, tax ID and exemption note."""
    return buyer_details(org, db.session.get(OrganizationTerms, org.id))


def buyer_details(org: Organization, terms: OrganizationTerms | None) -> dict[str, Any]:
    """:func:`buyer_snapshot` from ``org``'s terms row already loaded (the billing run loads a batch's at once)."""
    return {
        "title": org.title,
        "billing_contact": (org.billing_contact or "").strip(),
        "tax_id": terms.customer_tax_id.strip() if terms else "",
        "tax_note": terms.tax_note.strip() if terms else "",
    }


def tax_snapshot(draft: InvoiceDraft) -> list[dict[str, Any]]:
    """The draft's taxes per rate: name, basis points, base and tax in minor units."""
    return [
        {"name": s.name, "rate_bp": s.rate_bp, "base_minor": s.base_minor, "tax_minor": s.tax_minor}
        for s in draft.taxes
    ]


def seller_of(invoice: Invoice) -> dict[str, Any]:
    """The seller to print: the frozen snapshot, or (draft) today's profile, possibly incomplete."""
    if invoice.seller_snapshot:
        frozen: dict[str, Any] = json.loads(invoice.seller_snapshot)
        return frozen
    return current_seller()


def current_seller() -> dict[str, Any]:
    """Today's operator details as printed on a document made now (a statement, a draft), possibly incomplete."""
    profile = operator_profile()
    live: dict[str, Any] = {name: (getattr(profile, name, "") or "") for name in SELLER_FIELDS}
    live["logo_sha256"] = profile.logo_sha256 if profile else None
    return live


def buyer_of(invoice: Invoice) -> dict[str, Any]:
    """The buyer to print: the frozen snapshot, or (draft) today's organization."""
    if invoice.buyer_snapshot:
        frozen: dict[str, Any] = json.loads(invoice.buyer_snapshot)
        return frozen
    return buyer_snapshot(invoice.organization)


def taxes_of(invoice: Invoice) -> list[dict[str, Any]]:
    """The invoice's taxes per rate (one row at ``tax_rate_bp`` for invoices from before the breakdown)."""
    if invoice.tax_breakdown:
        rows: list[dict[str, Any]] = json.loads(invoice.tax_breakdown)
        return rows
    return [
        {
            "name": "",
            "rate_bp": invoice.tax_rate_bp,
            "base_minor": invoice.subtotal_minor,
            "tax_minor": invoice.tax_minor,
        }
    ]
