"""The ONE mapping from the engine's invoice draft to the columns of the invoice rows.

Both writers use it: the interactive path (:func:`portal.invoices.service._write`,
one invoice as ORM objects) and the billing run (:mod:`portal.invoices.run`, many
invoices as bulk inserts).  A column added to ``invoices``, ``invoice_lines`` or
``invoice_camera_lines`` (tax per rate, frozen seller details...) is added here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from portal.billing import InvoiceDraft, exponent
from portal.billing.periods import local_date
from portal.i18n import document_locale
from portal.invoices.documents import tax_snapshot
from portal.models import InvoiceStatus
from portal.usages.report import camera_amount, price_labels


@dataclass(frozen=True)
class InvoiceRows:
    """Column values: the invoice's amounts, its lines and its camera annex (positions from 1)."""

    invoice: dict[str, Any]
    lines: list[dict[str, Any]]
    cameras: list[dict[str, Any]]


def invoice_rows(titles: dict[int, str], draft: InvoiceDraft, language: str | None) -> InvoiceRows:
    """The rows of ``draft``; ``titles`` names the organizations of its scope (payer first).

    Line descriptions carry the organization's title when the invoice carries several; their
    price labels are frozen text in ``language``, the payer's document language.  Each line
    keeps its tax rate, and its list price when an individual price applied; the invoice keeps
    its taxes per rate (``tax_breakdown``).
    """
    several = len(draft.organization_ids) > 1
    with document_locale(language):  # frozen text of a document (the payer's)
        labels = price_labels(draft.lines, draft.period)
    lines = [
        {
            "position": i,
            "tariff_id": ln.tariff_id,
            "is_trial": ln.is_trial,
            "description": (f"{titles[ln.organization_id]}: " if several else "")
            + ln.tariff_name
            + (f" · {label}" if label else ""),
            "unit_price_minor": ln.unit_price_minor,
            "cameras": ln.cameras,
            "camera_days": ln.camera_days,
            "amount_minor": ln.amount_minor,
            "list_price_minor": ln.list_price_minor if ln.has_individual_price else None,
            "tax_name": ln.tax.name if ln.tax else None,
            "tax_rate_bp": ln.tax.rate_bp if ln.tax else None,
        }
        for i, (ln, label) in enumerate(zip(draft.lines, labels, strict=True), 1)
    ]
    amounts: dict[tuple[int, int], Decimal] = {}  # cameras of one line mostly cost the same

    def amount(exact: Fraction) -> Decimal:
        key = (exact.numerator, exact.denominator)
        found = amounts.get(key)
        if found is None:
            found = amounts[key] = camera_amount(exact, draft.currency)
        return found

    cameras = [
        {
            "position": i,
            "organization_title": titles[c.organization_id],
            "camera_name": c.camera_name,
            "camera_title": c.camera_title,
            "tariff_name": c.tariff_name,
            "started_at": c.started_at,
            "ended_at": c.ended_at,
            "seconds": c.microseconds // 1_000_000,
            "is_trial": c.is_trial,
            "amount": amount(c.exact_minor),
        }
        for i, c in enumerate(draft.annex, 1)
    ]
    invoice = {
        "currency": draft.currency,
        "minor_units": exponent(draft.currency),
        "subtotal_minor": draft.subtotal_minor,
        "tax_minor": draft.tax_minor,
        "total_minor": draft.total_minor,
        "tax_rate_bp": draft.tax_bp,
        "tax_breakdown": json.dumps(tax_snapshot(draft), ensure_ascii=False),
    }
    return InvoiceRows(invoice=invoice, lines=lines, cameras=cameras)


def issue_columns(
    title: str,
    billing_contact: str | None,
    tz: str,
    now: datetime,
    due_days: int,
    seller: dict[str, Any],
    buyer: dict[str, Any],
) -> dict[str, Any]:
    """What issuing sets besides the number: status, instants and dates (in the payer's zone),
    bill-to, and the seller and buyer frozen (:mod:`portal.invoices.documents`)."""
    today = local_date(now, tz)
    return {
        "seller_snapshot": json.dumps(seller, ensure_ascii=False, sort_keys=True),
        "buyer_snapshot": json.dumps(buyer, ensure_ascii=False, sort_keys=True),
        "status": InvoiceStatus.ISSUED.value,
        "issued_at": now,
        "issue_date": today,
        "due_date": today + timedelta(days=due_days),
        "bill_to": "\n".join(part for part in (title, billing_contact) if part),
    }
