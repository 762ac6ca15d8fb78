"""The invoice's camera annex as the pages show it: paged on the detail page, whole in print.

The rows are read with one query for the page asked for (plus one count), not through the
``Invoice.cameras`` relationship, and formatted by :class:`portal.usages.paging.RowFormat`
(Babel asked once per page, not per row).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.invoices.display import invoice_zone
from portal.models import Invoice, InvoiceCameraLine
from portal.usages.paging import PER_PAGE, CameraCells, RowFormat, cells


@dataclass(frozen=True)
class AnnexPage:
    """Some or all rows of an invoice's annex, ready to print."""

    number: int
    pages: int
    cameras: int  #: rows in the whole annex
    first: int
    last: int
    show_all: bool
    rows: tuple[CameraCells, ...]
    per_page: int = PER_PAGE

    @property
    def paged(self) -> bool:
        """True when there is more than one page."""
        return self.pages > 1

    @property
    def pageable(self) -> bool:
        """True when the whole annex does not fit on one page."""
        return self.cameras > self.per_page


def annex_page(
    invoice: Invoice, number: int | None = None, show_all: bool = True, per_page: int = PER_PAGE
) -> AnnexPage:
    """Page ``number`` (1-based, clamped) of the annex of ``invoice``, or all of it."""
    total = (
        db.session.scalar(
            select(func.count()).select_from(InvoiceCameraLine).where(InvoiceCameraLine.invoice_id == invoice.id)
        )
        or 0
    )
    pages = max(1, -(-total // per_page))
    number = min(max(number or 1, 1), pages)
    query = (
        select(InvoiceCameraLine).where(InvoiceCameraLine.invoice_id == invoice.id).order_by(InvoiceCameraLine.position)
    )
    if not show_all:
        query = query.offset((number - 1) * per_page).limit(per_page)
    lines = list(db.session.scalars(query))
    rows = cells(lines, RowFormat(invoice.currency, invoice_zone(invoice)))
    first = 0 if show_all else (number - 1) * per_page
    return AnnexPage(
        number=number,
        pages=1 if show_all else pages,
        cameras=total,
        first=first + 1 if total else 0,
        last=first + len(rows),
        show_all=show_all,
        rows=rows,
        per_page=per_page,
    )
