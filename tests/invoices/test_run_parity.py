"""The billing run's bulk path issues exactly what the per-invoice path issues.

Two organizations alike in everything but their names: an individual price and a tax of
their own (issue 15b), a suspension inside the month (issue 14), credit waiting from an
earlier payment and an owner to mail.  One is issued by ``create_invoice`` (the per-invoice
path, :func:`portal.invoices.service._issue`), the other by the billing run's batch; both
invoices must carry the same amounts, tax breakdown, lines, frozen seller, credit applied,
e-mail queued and PDF asked for.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from portal.documents.invoice import KIND, pdf_version
from portal.extensions import db
from portal.invoices.run import billing_run
from portal.invoices.service import create_invoice
from portal.models import (
    Allocation,
    AuditEvent,
    Document,
    Invoice,
    InvoiceCameraLine,
    InvoiceLine,
    MailItem,
    Organization,
    Suspension,
)
from portal.payments.service import record_payment
from portal.terms import service as terms
from tests.factories import make_org, make_tariff, make_user
from tests.invoices.test_lifecycle import NOW, SEP
from tests.usages.helpers import golden_september, utc

LINE = (
    "position",
    "tariff_id",
    "is_trial",
    "description",
    "unit_price_minor",
    "cameras",
    "camera_days",
    "amount_minor",
    "list_price_minor",
    "tax_name",
    "tax_rate_bp",
)
HEADER = (
    "currency",
    "minor_units",
    "subtotal_minor",
    "tax_minor",
    "total_minor",
    "tax_rate_bp",
    "tax_breakdown",
    "status",
    "issue_date",
    "due_date",
    "seller_snapshot",
    "paid_on",
)


def _twins(app: Flask) -> tuple[int, int]:
    with app.app_context():
        tariff = make_tariff("Archive 30", price=1100)
        iva = terms.save_tax("IVA")
        terms.add_tax_rate(iva, date(2020, 1, 1), 2100)
        ids = []
        for name in ("a", "b"):
            owner = make_user(f"owner-{name}@example.com")
            org = make_org(f"Twin {name.upper()}", owner=owner, billing_contact="Street 1")
            terms.save_org_terms(org, iva, f"ES-{name}", "")
            terms.add_individual_price(org, tariff, date(2026, 1, 1), "override", 900)
            golden_september(org, tariff, prefix=f"{name}-")
            db.session.add(
                Suspension(
                    organization_id=org.id, payer_id=org.id, started_at=utc(2026, 9, 5), ended_at=utc(2026, 9, 8)
                )
            )
            db.session.flush()
            record_payment(org, 1000, date(2026, 9, 1), NOW, currency="EUR", reference=f"advance {name}")
            ids.append(org.id)
        db.session.commit()
        return ids[0], ids[1]


def _facts(invoice: Invoice) -> dict[str, Any]:
    lines = db.session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
    cameras = db.session.scalars(select(InvoiceCameraLine).where(InvoiceCameraLine.invoice_id == invoice.id)).all()
    buyer = json.loads(invoice.buyer_snapshot)
    mail = db.session.scalar(select(MailItem).where(MailItem.dedup_key == f"invoice:{invoice.id}"))
    return {
        "header": {c: getattr(invoice, c) for c in HEADER},
        "buyer": {**buyer, "title": "", "tax_id": ""},
        "lines": sorted(tuple(getattr(ln, c) for c in LINE) for ln in lines),
        "cameras": sorted((c.camera_name[2:], c.seconds, c.amount, c.is_trial) for c in cameras),
        "credit": db.session.scalar(
            select(func.coalesce(func.sum(Allocation.amount_minor), 0)).where(Allocation.invoice_id == invoice.id)
        ),
        "audit": sorted(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.object_type == "invoice", AuditEvent.object_id == invoice.id)
            )
        ),
        "mail": (mail.kind, mail.recipient.split("@")[1], mail.subject.split(" from ")[0][:12], mail.payload.keys())
        if mail
        else None,
        "pdf": db.session.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.kind == KIND, Document.owner_id == invoice.id, Document.version == pdf_version(invoice))
        ),
    }


def test_the_run_issues_what_the_per_invoice_path_issues(app: Flask) -> None:
    a_id, b_id = _twins(app)
    with app.app_context():
        one = create_invoice(db.session.get(Organization, a_id), SEP, NOW, issue=True)
        db.session.commit()
        summary = billing_run(SEP, NOW)
        assert len(summary.issued) == 1 and not summary.errors, summary
        assert summary.already == ["Twin A"]
        other = db.session.scalar(select(Invoice).where(Invoice.organization_id == b_id))
        assert other is not None and other.number == summary.issued[0]
        one = db.session.get(Invoice, one.id)
        mine, theirs = _facts(one), _facts(other)
        assert mine == theirs
        # the features are there, not merely equally absent
        assert theirs["lines"] and all(ln[-2:] == ("IVA", 2100) and ln[-3] == 1100 for ln in theirs["lines"])
        assert json.loads(other.tax_breakdown)[0]["name"] == "IVA"
        assert other.subtotal_minor < 3000  # 3 cameras x €9.00 + €3.00, less the three suspended days
        assert theirs["credit"] == 1000 and "invoice.credit_applied" in theirs["audit"]
        assert theirs["mail"] is not None and theirs["pdf"] == 1
        assert json.loads(other.seller_snapshot)["legal_name"] and json.loads(other.buyer_snapshot)["title"] == "Twin B"
