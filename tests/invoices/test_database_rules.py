"""The database itself refuses changing an issued invoice (bypassing the service), on SQLite and PostgreSQL.

Every forbidden change is tried with plain SQL / ORM statements and must raise
IntegrityError carrying the trigger's message (not some other constraint); the
allowed transitions (issue, pay, void, deleting or editing a draft) still work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from portal.billing import month_period
from portal.extensions import db
from portal.invoices.service import create_invoice, delete_draft, mark_paid, void_invoice
from portal.models import Invoice, InvoiceCameraLine, InvoiceLine, Organization
from portal.models.invoice_rules import DELETE_MESSAGE, FROZEN_MESSAGE, OVERLAP_MESSAGE, TRANSITION_MESSAGE
from tests.factories import make_org
from tests.invoices.helpers import golden_org
from tests.usages.helpers import utc

SEP, OCT = month_period(2026, 9), month_period(2026, 10)
NOW = utc(2026, 11, 2, 9)
PAID = {"status": "paid", "paid_on": date(2026, 11, 3), "payment_reference": "SEPA-1"}
VOID = {"status": "void", "void_reason": "wrong", "voided_at": utc(2026, 11, 4)}


def _invoice(app: Flask, status: str) -> int:
    """An invoice of the golden organization (with lines and annex) in ``status``; returns its id."""
    org_id = golden_org(app)
    with app.app_context():
        invoice = create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=status != "draft")
        if status == "paid":
            mark_paid(invoice, date(2026, 11, 3), "SEPA-1")
        elif status == "void":
            void_invoice(invoice, "wrong", NOW)
        db.session.commit()
        assert invoice.status == status and invoice.lines and invoice.cameras
        return invoice.id


def _refused(message: str, change: Callable[[], Any]) -> None:
    """``change`` fails in the database with the trigger's ``message``; the session is rolled back."""
    with pytest.raises(IntegrityError, match=message.replace(">", ".")):
        change()
        db.session.flush()
    db.session.rollback()


def _set(invoice_id: int, **values: Any) -> Callable[[], Any]:
    return lambda: db.session.execute(update(Invoice).where(Invoice.id == invoice_id).values(**values))


def _snapshot(invoice_id: int) -> tuple[Any, ...]:
    invoice = db.session.get(Invoice, invoice_id, populate_existing=True)
    lines = db.session.execute(
        select(InvoiceLine.amount_minor, InvoiceLine.description)
        .where(InvoiceLine.invoice_id == invoice_id)
        .order_by(InvoiceLine.id)
    ).all()
    cameras = db.session.scalar(select(func.count()).where(InvoiceCameraLine.invoice_id == invoice_id))
    return (
        invoice.status,
        invoice.number,
        invoice.total_minor,
        invoice.paid_on,
        invoice.void_reason,
        tuple(lines),
        cameras,
    )


#: Column changes refused on an issued invoice (each alone, status unchanged).
FROZEN_CHANGES: dict[str, dict[str, Any]] = {
    "number": {"number": "INV-2026-999999"},
    "issue_date": {"issue_date": date(2026, 11, 1)},
    "due_date": {"due_date": date(2027, 1, 1)},
    "due_date_null": {"due_date": None},
    "issued_at": {"issued_at": utc(2026, 11, 1)},
    "bill_to": {"bill_to": "Someone else"},
    "currency": {"currency": "USD"},
    "period_start": {"period_start": date(2026, 9, 2)},
    "period_end": {"period_end": date(2026, 9, 29)},
    "amounts": {"subtotal_minor": 1, "total_minor": 1},
    "tax": {"tax_minor": 100, "total_minor": 3100},
    "tax_rate": {"tax_rate_bp": 2000},
    "paid_on_without_paying": {"paid_on": date(2026, 11, 3)},
    "reference_without_paying": {"payment_reference": "x"},
    "void_reason_without_voiding": {"void_reason": "x"},
    "voided_at_without_voiding": {"voided_at": utc(2026, 11, 4)},
    "paid_with_new_total": {**PAID, "total_minor": 1, "subtotal_minor": 1},
    "void_with_new_number": {**VOID, "number": "INV-2026-999999"},
}


@pytest.mark.parametrize("values", FROZEN_CHANGES.values(), ids=FROZEN_CHANGES.keys())
def test_issued_invoice_columns_are_frozen(app: Flask, values: dict[str, Any]) -> None:
    invoice_id = _invoice(app, "issued")
    with app.app_context():
        before = _snapshot(invoice_id)
        _refused(FROZEN_MESSAGE, _set(invoice_id, **values))
        assert _snapshot(invoice_id) == before


def test_issued_invoice_cannot_move_to_another_organization(app: Flask) -> None:
    invoice_id = _invoice(app, "issued")
    with app.app_context():
        other = make_org("Other").id
        db.session.commit()
        _refused(FROZEN_MESSAGE, _set(invoice_id, organization_id=other))


#: (status the invoice is in, change) refused as a status transition or as a frozen change.
TRANSITIONS: dict[str, tuple[str, dict[str, Any], str]] = {
    "issued->draft": ("issued", {"status": "draft"}, TRANSITION_MESSAGE),
    "paid->issued keeping the payment": ("paid", {"status": "issued"}, TRANSITION_MESSAGE),
    "paid->issued keeping the date": ("paid", {"status": "issued", "payment_reference": None}, TRANSITION_MESSAGE),
    "paid->draft": ("paid", {"status": "draft"}, TRANSITION_MESSAGE),
    "paid: new payment": ("paid", {"paid_on": date(2026, 12, 1), "payment_reference": "again"}, FROZEN_MESSAGE),
    "void->issued": ("void", {"status": "issued"}, TRANSITION_MESSAGE),
    "void->paid": ("void", {"status": "paid"}, TRANSITION_MESSAGE),
    "void->draft": ("void", {"status": "draft"}, TRANSITION_MESSAGE),
    "void: new reason": ("void", {"void_reason": "other"}, FROZEN_MESSAGE),
    "void: paid_on": ("void", {"paid_on": date(2026, 12, 1)}, FROZEN_MESSAGE),
    "draft->paid": ("draft", {**PAID, "number": "INV-X-1"}, TRANSITION_MESSAGE),
    "draft->void": ("draft", {**VOID, "number": "INV-X-1"}, TRANSITION_MESSAGE),
}


@pytest.mark.parametrize("status, values, message", TRANSITIONS.values(), ids=TRANSITIONS.keys())
def test_only_the_lifecycle_transitions_are_allowed(
    app: Flask, status: str, values: dict[str, Any], message: str
) -> None:
    invoice_id = _invoice(app, status)
    with app.app_context():
        before = _snapshot(invoice_id)
        _refused(message, _set(invoice_id, **values))
        assert _snapshot(invoice_id) == before


@pytest.mark.parametrize("status", ["issued", "paid", "void"])
def test_non_draft_invoice_and_its_lines_cannot_be_deleted_or_changed(app: Flask, status: str) -> None:
    invoice_id = _invoice(app, status)
    draft_org = golden_org(app, "Beta")
    with app.app_context():
        draft = create_invoice(db.session.get(Organization, draft_org), SEP, NOW)
        db.session.commit()
        before = _snapshot(invoice_id)
        of_it = {"invoice_id": invoice_id}
        _refused(DELETE_MESSAGE, lambda: db.session.execute(delete(Invoice).where(Invoice.id == invoice_id)))
        _refused(DELETE_MESSAGE, lambda: db.session.execute(text("DELETE FROM invoices WHERE id = :invoice_id"), of_it))
        _refused(
            FROZEN_MESSAGE,
            lambda: db.session.execute(text("DELETE FROM invoice_lines WHERE invoice_id = :invoice_id"), of_it),
        )
        _refused(
            FROZEN_MESSAGE,
            lambda: db.session.execute(delete(InvoiceCameraLine).where(InvoiceCameraLine.invoice_id == invoice_id)),
        )
        _refused(
            FROZEN_MESSAGE,
            lambda: db.session.execute(
                update(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).values(amount_minor=1)
            ),
        )
        _refused(
            FROZEN_MESSAGE,
            lambda: db.session.execute(  # moving a line out to a draft
                update(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).values(invoice_id=draft.id)
            ),
        )
        _refused(
            FROZEN_MESSAGE,
            lambda: db.session.execute(  # or from a draft into it
                update(InvoiceCameraLine).where(InvoiceCameraLine.invoice_id == draft.id).values(invoice_id=invoice_id)
            ),
        )
        _refused(
            FROZEN_MESSAGE,
            lambda: db.session.execute(
                insert(InvoiceLine).values(
                    invoice_id=invoice_id,
                    position=99,
                    description="extra",
                    unit_price_minor=1,
                    cameras=1,
                    camera_days="1",
                    amount_minor=1,
                )
            ),
        )

        invoice = db.session.get(Invoice, invoice_id)  # the ORM is refused the same way
        _refused(f"{FROZEN_MESSAGE}|{DELETE_MESSAGE}", lambda: db.session.delete(invoice))
        invoice = db.session.get(Invoice, invoice_id)
        _refused(FROZEN_MESSAGE, lambda: invoice.lines.pop())
        invoice = db.session.get(Invoice, invoice_id)
        _refused(FROZEN_MESSAGE, lambda: setattr(invoice.cameras[0], "amount", "0"))
        assert _snapshot(invoice_id) == before


def test_allowed_transitions_and_drafts_stay_editable(app: Flask) -> None:
    invoice_id = _invoice(app, "draft")
    with app.app_context():
        # A draft: edit its amounts and lines, then delete it with plain SQL.
        db.session.execute(update(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id).values(amount_minor=7))
        _set(invoice_id, subtotal_minor=7, total_minor=7, bill_to="x", period_end=date(2026, 9, 29))()
        db.session.execute(delete(InvoiceCameraLine).where(InvoiceCameraLine.invoice_id == invoice_id))
        db.session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id))
        db.session.execute(delete(Invoice).where(Invoice.id == invoice_id))
        db.session.commit()
        assert db.session.get(Invoice, invoice_id) is None
        org = db.session.scalar(select(Organization))
        # The service: draft, refresh (replaces the lines), delete (cascades to the lines).
        draft = create_invoice(org, SEP, NOW)
        db.session.commit()
        create_invoice(org, SEP, NOW)
        db.session.commit()
        delete_draft(draft)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(InvoiceLine)) == 0
        # draft -> issued -> paid -> void with plain statements; each sets its own fields.
        draft = create_invoice(org, SEP, NOW)
        db.session.commit()
        _set(
            draft.id,
            status="issued",
            number="INV-T-1",
            issue_date=date(2026, 11, 2),
            due_date=date(2026, 11, 16),
            issued_at=NOW,
            bill_to="Acme",
        )()
        _set(draft.id, status="issued")()  # an unchanged value is no change
        _set(draft.id, **PAID)()
        _set(draft.id, **VOID)()
        db.session.commit()
        assert _snapshot(draft.id)[:5] == ("void", "INV-T-1", 3000, date(2026, 11, 3), "wrong")
        # issued -> void directly, then the period can be invoiced again.
        again = create_invoice(org, SEP, NOW, issue=True)
        db.session.commit()
        _set(again.id, **VOID)()
        db.session.commit()
        assert create_invoice(org, SEP, NOW, issue=True).status == "issued"
        db.session.commit()


def test_overlap_rule_still_holds_on_update(app: Flask) -> None:
    invoice_id = _invoice(app, "issued")
    with app.app_context():
        draft = create_invoice(
            db.session.get(Organization, db.session.get(Invoice, invoice_id).organization_id), OCT, NOW
        )
        db.session.commit()
        # On PostgreSQL the EXCLUDE constraint refuses it (its own message), on SQLite the trigger.
        message = OVERLAP_MESSAGE if db.engine.dialect.name == "sqlite" else "ex_invoices_no_overlap"
        _refused(message, _set(draft.id, period_start=date(2026, 9, 30)))
