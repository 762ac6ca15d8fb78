"""The operator's details, taxes and each organization's own terms (add and flush; the view commits).

Rules kept here:

* The logo is a PNG or JPEG of at most :data:`LOGO_MAX_BYTES`, checked by decoding it
  (not by its name); it is stored once per content (SHA-256) and never changed.
* A tax rate, an individual price (override, discount or back to list) and so on obey the
  rule of price versions: none may start inside a period an issued (or paid) invoice already
  billed.  A new record from date D applies until the next record of the same series, so
  the refused invoices are those whose period overlaps ``[D, next)`` and whose organization
  the record would reach (the organization, or the payer it is billed to; for a tax, every
  organization assigned to it).  The error names them.
* The same date twice in one series is refused.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.audit import service as audit
from portal.billing.pricing import next_version_start
from portal.billing_read import payer_of
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    ADJUSTMENT_KINDS,
    DocumentLogo,
    IndividualPrice,
    Invoice,
    InvoiceStatus,
    OperatorProfile,
    Organization,
    OrganizationTerms,
    Tariff,
    Tax,
    TaxRate,
    User,
)

LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
FINAL = (InvoiceStatus.ISSUED.value, InvoiceStatus.PAID.value)


class StartsInInvoicedPeriod(DomainError):
    """A dated record would change a period that an issued invoice already billed."""

    def __init__(self, starts_on: date, invoices: list[Invoice]) -> None:
        numbers = ", ".join(i.number or f"#{i.id}" for i in invoices)
        super().__init__(
            _(
                "From %(day)s this would change a period already invoiced (%(numbers)s). "
                "Choose a date after the last invoiced period.",
                day=starts_on.isoformat(),
                numbers=numbers,
            ),
            field="effective_from",
        )
        self.invoices = invoices


@dataclass(frozen=True)
class OperatorValues:
    """Validated form input for :func:`save_operator`."""

    legal_name: str
    address: str
    tax_id: str
    registration: str
    payment_details: str
    footer: str


def operator() -> OperatorProfile:
    """The operator's profile (a new, empty one if never saved)."""
    return db.session.get(OperatorProfile, 1) or OperatorProfile(
        id=1, legal_name="", address="", tax_id="", registration="", payment_details="", footer=""
    )


def check_logo(data: bytes) -> str:
    """The MIME type of an acceptable logo; raises :class:`DomainError` otherwise."""
    if not data:
        raise DomainError(_("The logo file is empty."), field="logo")
    if len(data) > LOGO_MAX_BYTES:
        raise DomainError(_("The logo is larger than %(kb)s KB.", kb=LOGO_MAX_BYTES // 1024), field="logo")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError(_("The logo is not a readable PNG or JPEG image."), field="logo") from None
    if kind not in LOGO_TYPES:
        raise DomainError(_("The logo must be a PNG or JPEG image."), field="logo")
    return LOGO_TYPES[kind]


def save_operator(
    values: OperatorValues, logo: bytes | None = None, remove_logo: bool = False, by: User | None = None
) -> OperatorProfile:
    """Save the operator's details (and a new logo); issued documents keep their snapshot."""
    profile = operator()
    for name, value in vars(values).items():
        setattr(profile, name, value.strip())
    if logo:
        mime = check_logo(logo)
        digest = hashlib.sha256(logo).hexdigest()
        if db.session.get(DocumentLogo, digest) is None:
            db.session.add(DocumentLogo(sha256=digest, mime=mime, data=logo))
        profile.logo_sha256 = digest
    elif remove_logo:
        profile.logo_sha256 = None
    db.session.add(profile)
    db.session.flush()
    audit.record("operator.save", "operator", 1, actor=by, summary=profile.legal_name)
    return profile


def _refuse_invoiced(starts_on: date, until: date | None, organization_ids: set[int]) -> None:
    if not organization_ids:
        return
    query = (
        select(Invoice)
        .where(
            Invoice.status.in_(FINAL),
            Invoice.organization_id.in_(organization_ids),
            Invoice.period_end >= starts_on,
        )
        .order_by(Invoice.period_start, Invoice.number)
    )
    if until is not None:
        query = query.where(Invoice.period_start < until)
    found = list(db.session.scalars(query))
    if found:
        raise StartsInInvoicedPeriod(starts_on, found)


def _with_payers(orgs: list[Organization]) -> set[int]:
    """The organizations and the ones their usage is invoiced to (the one payer rule)."""
    return {o.id for o in orgs} | {payer_of(o).id for o in orgs}


def save_tax(name: str, tax: Tax | None = None, by: User | None = None) -> Tax:
    """Create a tax or rename one; the name is unique regardless of case."""
    name = name.strip()
    clash = db.session.scalar(select(Tax).where(Tax.name.ilike(name)))
    if clash is not None and clash is not tax:
        raise DomainError(_("A tax with this name already exists."), field="name")
    tax = tax or Tax()
    tax.name = name
    db.session.add(tax)
    db.session.flush()
    audit.record("tax.save", "tax", tax.id, actor=by, summary=name)
    return tax


def _dependants(tax: Tax) -> list[Organization]:
    return list(
        db.session.scalars(select(Organization).join(OrganizationTerms).where(OrganizationTerms.tax_id == tax.id))
    )


def add_tax_rate(tax: Tax, effective_from: date, rate_bp: int, by: User | None = None) -> TaxRate:
    """A new rate of ``tax`` from ``effective_from``; refused inside an invoiced period."""
    if not 0 <= rate_bp <= 10_000:
        raise DomainError(_("A rate is between 0 % and 100 %."), field="rate")
    if any(r.effective_from == effective_from for r in tax.rates):
        raise DomainError(_("This tax already has a rate from that date."), field="effective_from")
    until = next_version_start(tax.rates, effective_from)
    _refuse_invoiced(effective_from, until, _with_payers(_dependants(tax)))
    rate = TaxRate(tax=tax, effective_from=effective_from, rate_bp=rate_bp)
    db.session.add(rate)
    db.session.flush()
    audit.record("tax.rate", "tax", tax.id, actor=by, summary=f"{tax.name}: {rate_bp} bp from {effective_from}")
    return rate


def delete_tax_rate(rate: TaxRate, by: User | None = None) -> None:
    """Delete a rate that no invoiced period used."""
    tax = rate.tax
    until = next_version_start(tax.rates, rate.effective_from)
    _refuse_invoiced(rate.effective_from, until, _with_payers(_dependants(tax)))
    audit.record("tax.rate.delete", "tax", tax.id, actor=by, summary=f"{tax.name}: from {rate.effective_from}")
    tax.rates.remove(rate)
    db.session.flush()


def terms_of(org: Organization) -> OrganizationTerms:
    """The organization's terms row (a new, empty one if it has none)."""
    return db.session.get(OrganizationTerms, org.id) or OrganizationTerms(
        organization_id=org.id, tax_id=None, customer_tax_id="", tax_note=""
    )


def save_org_terms(
    org: Organization, tax: Tax | None, customer_tax_id: str, tax_note: str, by: User | None = None
) -> OrganizationTerms:
    """Set the organization's tax, its tax ID and its exemption or reverse-charge note.

    A change applies to periods not invoiced yet (issued invoices keep their taxes).
    """
    terms = terms_of(org)
    terms.tax_id = tax.id if tax else None
    terms.customer_tax_id, terms.tax_note = customer_tax_id.strip(), tax_note.strip()
    db.session.add(terms)
    db.session.flush()
    audit.record(
        "organization.terms", "organization", org.id, actor=by, summary=f"tax: {tax.name if tax else 'default'}"
    )
    return terms


def individual_prices(org: Organization) -> list[IndividualPrice]:
    """The organization's individual prices, by tariff and date."""
    return list(
        db.session.scalars(
            select(IndividualPrice)
            .where(IndividualPrice.organization_id == org.id)
            .order_by(IndividualPrice.tariff_id, IndividualPrice.effective_from)
        )
    )


def _series(org: Organization, tariff: Tariff) -> list[IndividualPrice]:
    return [p for p in individual_prices(org) if p.tariff_id == tariff.id]


def add_individual_price(
    org: Organization,
    tariff: Tariff,
    effective_from: date,
    kind: str,
    value: int,
    by: User | None = None,
) -> IndividualPrice:
    """``org``'s own price of ``tariff`` from ``effective_from``; refused inside an invoiced period."""
    if kind not in ADJUSTMENT_KINDS:
        raise DomainError(_("Choose how the price is set."), field="kind")
    if value < 0 or (kind == "percent" and value > 10_000):
        raise DomainError(_("A discount is between 0 % and 100 %."), field="value")
    if tariff.currency != org.currency and kind in ("override", "fixed"):
        raise DomainError(_("The tariff is priced in another currency."), field="tariff")
    series = _series(org, tariff)
    if any(p.effective_from == effective_from for p in series):
        raise DomainError(_("This tariff already has an individual price from that date."), field="effective_from")
    _refuse_invoiced(effective_from, next_version_start(series, effective_from), _with_payers([org]))
    price = IndividualPrice(
        organization_id=org.id,
        tariff_id=tariff.id,
        effective_from=effective_from,
        kind=kind,
        value=0 if kind == "list" else value,
        created_by_id=by.id if by else None,
    )
    db.session.add(price)
    db.session.flush()
    audit.record(
        "organization.price",
        "organization",
        org.id,
        actor=by,
        summary=f"{tariff.name}: {kind} {value} from {effective_from}",
    )
    return price


def delete_individual_price(price: IndividualPrice, by: User | None = None) -> None:
    """Delete an individual price that no invoiced period used."""
    org = db.session.get(Organization, price.organization_id)
    tariff = db.session.get(Tariff, price.tariff_id)
    assert org is not None and tariff is not None
    until = next_version_start(_series(org, tariff), price.effective_from)
    _refuse_invoiced(price.effective_from, until, _with_payers([org]))
    audit.record("organization.price.delete", "organization", org.id, actor=by, summary=f"{tariff.name}")
    db.session.delete(price)
    db.session.flush()


def taxes() -> list[Tax]:
    """Every tax, by name."""
    return list(db.session.scalars(select(Tax).order_by(Tax.name)))


def organizations_of_tax(tax: Tax) -> list[Organization]:
    """Organizations assigned to ``tax``, by title."""
    return sorted(_dependants(tax), key=lambda o: o.title)
