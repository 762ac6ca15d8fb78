"""Importing payments from a bank statement CSV, with a review step before anything is booked.

Format (UTF-8, comma-separated, a header row naming the columns, any order, case ignored):

``date``
    the booking date, ``YYYY-MM-DD`` (never in the future);
``amount``
    money received, a plain decimal with a dot and at most the currency's decimals
    (``1250.00``); rows with a zero or negative amount (money going out) are refused;
``currency``
    ISO 4217 code (``EUR``);
``reference`` and/or ``description``
    free text from the bank; at least one of the two columns is required.

Matching, per row: an invoice number (``INV-2026-000042``) found in the reference or the
description selects that invoice and its paying organization; otherwise a reference equal
to one an organization paid with before selects that organization (the payment then settles
its oldest open invoices).  Rows that match nothing, and rows already booked (same
organization, date, amount, currency and reference), are shown and skipped.

:func:`parse` checks every row and raises :class:`ImportRefused` listing every bad row;
:func:`review` matches; :func:`book` records the matched rows (the caller commits, so
either all of them are booked or none).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from portal.billing import BillingError, exponent, parse_amount
from portal.billing_read import payer_of
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Invoice, InvoiceStatus, Organization, Payment, User
from portal.payments import ledger
from portal.payments.service import latest_allowed_date, record_payment

INVOICE_NUMBER = re.compile(r"\bINV-\d{4}-\d{6}\b", re.IGNORECASE)
MAX_ROWS = 5000


class ImportRefused(DomainError):
    """The file cannot be imported; ``problems`` lists every bad row."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems), field="file")
        self.problems = problems


@dataclass(frozen=True)
class BankRow:
    """One checked row of the statement."""

    line: int
    on: date
    amount_minor: int
    currency: str
    reference: str
    description: str

    @property
    def booked_reference(self) -> str:
        """The reference the payment is recorded with (the description when the bank gave none)."""
        return (self.reference or self.description)[:200]


@dataclass(frozen=True)
class Match:
    """What booking a row would do: ``status`` is ``book``, ``unmatched`` or ``duplicate``."""

    row: BankRow
    status: str
    organization: Organization | None = None
    invoice: Invoice | None = None
    note: str = ""


def parse(text: str) -> list[BankRow]:
    """Check every row of ``text``; raise :class:`ImportRefused` naming every bad one."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in ("date", "amount", "currency") if name not in header]
    if missing or not ({"reference", "description"} & set(header)):
        need = ", ".join(missing + ([] if {"reference", "description"} & set(header) else ["reference/description"]))
        raise ImportRefused([_("The header row lacks the columns: %(columns)s.", columns=need)])
    rows: list[BankRow] = []
    problems: list[str] = []
    for number, raw in enumerate(reader, start=2):
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(cells.values()):
            continue
        try:
            rows.append(_row(number, cells))
        except ValueError as exc:
            problems.append(_("Line %(line)s: %(problem)s", line=number, problem=str(exc)))
        if len(rows) > MAX_ROWS:
            raise ImportRefused([_("More than %(n)s rows: split the file.", n=MAX_ROWS)])
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([_("The file has no payment rows.")])
    return rows


def _row(line: int, cells: dict[str, str]) -> BankRow:
    try:
        on = date.fromisoformat(cells.get("date", ""))
    except ValueError:
        raise ValueError(_("the date “%(value)s” is not YYYY-MM-DD", value=cells.get("date", ""))) from None
    currency = cells.get("currency", "").upper()
    try:
        exponent(currency)
    except BillingError:
        raise ValueError(_("unknown currency “%(value)s”", value=currency)) from None
    text = cells.get("amount", "")
    if text.startswith("-"):
        raise ValueError(_("the amount %(value)s is money going out: only payments received are imported", value=text))
    try:
        amount = parse_amount(text, currency)
    except BillingError:
        raise ValueError(
            _("the amount “%(value)s” is not a number with at most %(n)s decimals", value=text, n=exponent(currency))
        ) from None
    if amount <= 0:
        raise ValueError(_("the amount must be above zero"))
    return BankRow(line, on, amount, currency, cells.get("reference", "")[:200], cells.get("description", ""))


def _match_one(row: BankRow, invoices: dict[str, Invoice], by_reference: dict[str, int], now: datetime) -> Match:
    text = f"{row.reference} {row.description}"
    found = INVOICE_NUMBER.search(text)
    invoice = invoices.get(found.group(0).upper()) if found else None
    org: Organization | None = None
    if invoice is not None:
        org = payer_of(invoice.organization)
    elif row.reference and row.reference in by_reference:
        org = db.session.get(Organization, by_reference[row.reference])
    if org is None:
        return Match(row, "unmatched", note=_("no invoice number or known reference: skipped"))
    if row.on > latest_allowed_date(org, now):
        raise ImportRefused([_("Line %(line)s: the date %(date)s is in the future.", line=row.line, date=row.on)])
    if org.currency != row.currency and (invoice is None or invoice.currency != row.currency):
        return Match(
            row,
            "unmatched",
            org,
            invoice,
            _("in %(cur)s, the organization bills in %(org)s: skipped", cur=row.currency, org=org.currency),
        )
    duplicate = db.session.scalar(
        select(Payment.id).where(
            Payment.organization_id == org.id,
            Payment.received_on == row.on,
            Payment.amount_minor == row.amount_minor,
            Payment.currency == row.currency,
            Payment.reference == row.booked_reference,
            Payment.reversed_at.is_(None),
        )
    )
    if duplicate is not None:
        return Match(row, "duplicate", org, invoice, _("already booked as payment #%(id)s: skipped", id=duplicate))
    return Match(row, "book", org, invoice)


def review(rows: list[BankRow], now: datetime) -> list[Match]:
    """Match each row to an invoice or an organization (nothing is written)."""
    numbers = {m.group(0).upper() for r in rows for m in INVOICE_NUMBER.finditer(f"{r.reference} {r.description}")}
    invoices = {
        (i.number or "").upper(): i
        for i in db.session.scalars(select(Invoice).where(Invoice.number.in_(numbers), Invoice.status != "draft"))
    }
    references = {r.reference for r in rows if r.reference}
    by_reference = {
        ref: org_id
        for ref, org_id in db.session.execute(
            select(Payment.reference, Payment.organization_id).where(Payment.reference.in_(references))
        )
    }
    return [_match_one(row, invoices, by_reference, now) for row in rows]


def book(matches: list[Match], now: datetime, actor: User | None) -> list[Payment]:
    """Record every row to book: on its invoice if that is still open, else the oldest open first."""
    payments = []
    for match in matches:
        if match.status != "book" or match.organization is None:
            continue
        invoice = match.invoice
        chosen = None
        if invoice is not None and invoice.status == InvoiceStatus.ISSUED and invoice.currency == match.row.currency:
            if ledger.open_amounts(db.session, [invoice.id])[invoice.id] > 0:
                chosen = [invoice.id]
        payments.append(
            record_payment(
                match.organization,
                match.row.amount_minor,
                match.row.on,
                now,
                currency=match.row.currency,
                method="bank_transfer",
                reference=match.row.booked_reference,
                note=_("Imported from a bank statement (line %(line)s).", line=match.row.line),
                invoice_ids=chosen,
                actor=actor,
            )
        )
    return payments
