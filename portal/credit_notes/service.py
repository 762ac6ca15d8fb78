"""Credit notes: correct an issued invoice without voiding it.  Services add and flush.

A credit note credits chosen lines of an invoice (each at most once) or a free amount;
the engine (:func:`portal.billing.settlement.credit_amounts`) adds tax at the invoice's
rate so that the credit notes of an invoice never credit more than its subtotal and tax.
It is allocated to its invoice up to what is open there; the rest is credit of the payer
that later invoices consume (or a payment's refund, for money already received).
Void plus a new invoice stays the way to correct an invoice issued by mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.audit import service as audit
from portal.billing import BillingError
from portal.billing.periods import local_date
from portal.billing.settlement import CreditTooLarge, credit_amounts
from portal.credit_notes.numbering import next_number
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Allocation, CreditNote, CreditNoteLine, Invoice, InvoiceStatus, User
from portal.payments import ledger
from portal.payments.service import settle_status
from portal.templating import money


def credited_subtotal(invoice_id: int) -> int:
    """The subtotal already credited on an invoice."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(CreditNote.subtotal_minor), 0)).where(CreditNote.invoice_id == invoice_id)
        )
        or 0
    )


def credited_line_ids(invoice_id: int) -> set[int]:
    """Ids of the invoice's lines that a credit note already credits."""
    return set(
        db.session.scalars(
            select(CreditNoteLine.invoice_line_id)
            .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
            .where(CreditNote.invoice_id == invoice_id, CreditNoteLine.invoice_line_id.is_not(None))
        )
    )


def create_credit_note(
    invoice: Invoice,
    reason: str,
    now: datetime,
    *,
    line_ids: Sequence[int] = (),
    amount_minor: int | None = None,
    description: str = "",
    actor: User | None = None,
) -> CreditNote:
    """Credit ``line_ids`` of ``invoice`` (their whole amounts) or ``amount_minor`` net of tax.

    Raises :class:`DomainError` (with the form field to blame) for a draft or void invoice,
    a missing reason, no lines and no amount, both, a line of another invoice or one
    already credited, or a credit above what is left of the invoice.
    """
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.PAID):
        raise DomainError(_("Only an issued or paid invoice can be credited."))
    if not reason.strip():
        raise DomainError(_("Enter the reason for the credit note."), field="reason")
    if bool(line_ids) == (amount_minor is not None):
        raise DomainError(_("Choose lines to credit or enter an amount (not both)."), field="lines")
    by_id = {line.id: line for line in invoice.lines}
    rows: list[CreditNoteLine] = []
    if line_ids:
        done = credited_line_ids(invoice.id)
        for position, line_id in enumerate(line_ids, 1):
            line = by_id.get(line_id)
            if line is None:
                raise DomainError(
                    _("Line #%(id)s is not a line of %(number)s.", id=line_id, number=invoice.number), field="lines"
                )
            if line_id in done:
                raise DomainError(_("“%(line)s” is already credited.", line=line.description), field="lines")
            if line.amount_minor <= 0:
                raise DomainError(
                    _("“%(line)s” costs nothing: there is nothing to credit.", line=line.description), field="lines"
                )
            rows.append(
                CreditNoteLine(
                    position=position,
                    invoice_line_id=line.id,
                    description=line.description,
                    amount_minor=line.amount_minor,
                )
            )
    else:
        assert amount_minor is not None
        if amount_minor <= 0:
            raise DomainError(_("Enter an amount above zero."), field="amount")
        text = description.strip() or _("Correction of %(number)s", number=invoice.number)
        rows.append(CreditNoteLine(position=1, description=text[:300], amount_minor=amount_minor))
    before = credited_subtotal(invoice.id)
    try:
        amounts = credit_amounts([r.amount_minor for r in rows], invoice.tax_rate_bp, invoice.subtotal_minor, before)
    except CreditTooLarge as exc:
        raise DomainError(
            _(
                "At most %(amount)s (before tax) is left to credit on %(number)s.",
                amount=money(exc.available_minor, invoice.currency, invoice.minor_units),
                number=invoice.number,
            ),
            field="amount" if amount_minor is not None else "lines",
        ) from None
    except BillingError as exc:
        raise DomainError(str(exc), field="amount") from None
    today = local_date(now, invoice.timezone or invoice.organization.timezone)
    note = CreditNote(
        number=next_number(today.year),
        invoice_id=invoice.id,
        organization_id=invoice.organization_id,
        currency=invoice.currency,
        minor_units=invoice.minor_units,
        subtotal_minor=amounts.subtotal_minor,
        tax_rate_bp=amounts.tax_bp,
        tax_minor=amounts.tax_minor,
        total_minor=amounts.total_minor,
        reason=reason.strip(),
        issue_date=today,
        issued_at=now,
        created_by_id=actor.id if actor else None,
        lines=rows,
    )
    db.session.add(note)
    db.session.flush()
    open_minor = ledger.open_amounts(db.session, [invoice.id])[invoice.id]
    applied = min(open_minor, note.total_minor)
    if applied > 0:
        db.session.add(
            Allocation(invoice_id=invoice.id, credit_note_id=note.id, currency=note.currency, amount_minor=applied)
        )
        db.session.flush()
        settle_status(invoice, today, note.number)
    audit.record(
        "credit_note.issue",
        "credit_note",
        note.id,
        actor=actor,
        summary=f"{note.number} on {invoice.number}: {money(note.total_minor, note.currency, note.minor_units)} "
        f"({money(applied, note.currency, note.minor_units)} against the invoice): {note.reason}",
    )
    ledger.notify_settlement(
        ledger.Settlement(
            organization_id=invoice.organization_id, kind="credit_note", credit_note_id=note.id, invoice_id=invoice.id
        )
    )
    return note
