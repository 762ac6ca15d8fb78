"""What billing mail says: composed at delivery time from the outbox row, never inside a request.

* ``invoice``: the issued invoice with its PDF attached, rendered only now
  (:func:`invoice_pdf_bytes` is the one place the PDF comes from);
* ``invoice_reminder``: before or after the due date, dated in the organization's
  time zone; dropped if the invoice was settled or voided meanwhile;
* ``payment_receipt``: a payment received (organization, amount, currency, date,
  reference; no payment model needed).

The ``queue_*`` functions add the outbox row (flush only: the caller's unit of
work commits) addressed to the organization's billing e-mail, else its owner,
and put it on the organization's timeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask_babel import gettext as _
from sqlalchemy import insert, select

from portal import settings
from portal.collections.receivables import DbSession, open_by_invoice
from portal.documents.invoice import invoice_pdf
from portal.extensions import db
from portal.i18n import document_locale
from portal.mail import Attachment
from portal.mailqueue import Composed, composer, enqueue, mail_row
from portal.models import Invoice, InvoiceStatus, MailItem, Organization
from portal.templating import long_date, money

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

INVOICE, REMINDER, RECEIPT = "invoice", "invoice_reminder", "payment_receipt"


def invoice_pdf_bytes(session: DbSession, invoice: Invoice) -> bytes:
    """The invoice's PDF: the ONE function billing mail gets it from (the stored document, rendered if missing)."""
    del session  # the document store reads and writes through the unit of work's session
    return invoice_pdf(invoice)


def _link(invoice: Invoice) -> str:
    return f"{settings.current().public_url.rstrip('/')}/invoices/{invoice.id}"


def _amount(invoice: Invoice, minor: int | None = None) -> str:
    return money(invoice.total_minor if minor is None else minor, invoice.currency, invoice.minor_units)


def _queue(
    kind: str, org: Organization, subject: str, payload: dict[str, Any], key: str | None, check: bool = False
) -> MailItem | None:
    """Add the row; with ``check``, None when ``key`` was queued before (the unique key is the backstop)."""
    recipient = org.billing_address
    if not recipient:
        log.warning("no billing e-mail or owner for organization #%s: %s not queued", org.id, kind)
        return None
    if check and key is not None and db.session.scalar(select(MailItem.id).where(MailItem.dedup_key == key)):
        return None
    return enqueue(kind, recipient, subject, payload=payload, organization_id=org.id, dedup_key=key)


def _in_document_language(queue: Callable[P, R]) -> Callable[P, R]:
    """Write the subject in the organization's document language (the body follows at delivery)."""

    @wraps(queue)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        first = args[0]
        org = first if isinstance(first, Organization) else getattr(first, "organization", None)
        with document_locale(getattr(org, "document_language", None)):
            return queue(*args, **kwargs)

    return wrapped


@_in_document_language
def queue_invoice(invoice: Invoice) -> MailItem | None:
    """Queue the issued ``invoice`` to its organization's billing contact (once per invoice)."""
    org = invoice.organization
    return _queue(INVOICE, org, _invoice_subject(invoice.number, org.title), *_invoice_key(invoice.id))


def _invoice_subject(number: str | None, title: str) -> str:
    return _("Invoice %(number)s from %(title)s", number=number, title=title)


def _invoice_key(invoice_id: int) -> tuple[dict[str, Any], str]:
    return {"invoice_id": invoice_id}, f"invoice:{invoice_id}"


def queue_invoices(issued: list[tuple[int, str, Organization, str]]) -> int:
    """:func:`queue_invoice` for many invoices at once (the billing run): one INSERT.

    ``issued`` holds ``(invoice id, number, organization, its billing address)``; the
    address is passed in so the caller can read the owners' addresses in one query.
    Returns how many were queued (none for organizations without an address, as there).
    """
    rows, missing = [], []
    for invoice_id, number, org, recipient in issued:
        if not recipient:
            missing.append(org.id)
            continue
        with document_locale(org.document_language):
            subject = _invoice_subject(number, org.title)
        payload, key = _invoice_key(invoice_id)
        rows.append(mail_row(INVOICE, recipient, subject, payload=payload, organization_id=org.id, dedup_key=key))
    if missing:  # one line for the batch, not one per organization
        log.warning("no billing e-mail or owner for organizations %s: %s not queued", missing, INVOICE)
    if rows:
        db.session.execute(insert(MailItem), rows)
    return len(rows)


@_in_document_language
def queue_reminder(invoice: Invoice, step: str, days: int, local_day: date) -> MailItem | None:
    """Queue the reminder ``step`` (``before-3``, ``after-7``) of ``invoice``; None if it was queued before."""
    org = invoice.organization
    if step.startswith("before"):
        subject = _("Reminder: invoice %(number)s is due on %(due)s", number=invoice.number, due=invoice.due_date)
    else:
        subject = _("Overdue: invoice %(number)s was due on %(due)s", number=invoice.number, due=invoice.due_date)
    payload = {"invoice_id": invoice.id, "step": step, "days": days, "date": local_day.isoformat()}
    return _queue(REMINDER, org, subject, payload, f"reminder:{invoice.id}:{step}", check=True)


@_in_document_language
def queue_receipt(
    org: Organization, amount_minor: int, currency: str, paid_on: date, reference: str, key: str | None = None
) -> MailItem | None:
    """Queue a receipt for a payment by ``org``; ``key`` (e.g. ``payment:42``) makes it once-only."""
    subject = _("Payment received: %(amount)s", amount=money(amount_minor, currency))
    payload = {"amount_minor": amount_minor, "currency": currency, "date": paid_on.isoformat(), "reference": reference}
    return _queue(RECEIPT, org, subject, payload, key, check=True)


def _invoice_of(item: MailItem) -> Invoice | None:
    invoice = db.session.get(Invoice, int(item.payload.get("invoice_id", 0)))
    if invoice is None or invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID):
        return None
    return invoice


@composer(INVOICE)
def _invoice(item: MailItem) -> Composed | None:
    invoice = _invoice_of(item)
    if invoice is None:
        return None
    data = invoice_pdf_bytes(db.session, invoice)
    body = "\n".join(
        [
            _("Hello,"),
            "",
            _(
                "please find attached invoice %(number)s of %(title)s for %(start)s – %(end)s.",
                number=invoice.number,
                title=invoice.organization.title,
                start=long_date(invoice.period_start),
                end=long_date(invoice.period_end),
            ),
            _("Amount due: %(amount)s, by %(due)s.", amount=_amount(invoice), due=long_date(invoice.due_date)),
            "",
            _("You can also see it in the portal: %(link)s", link=_link(invoice)),
        ]
    )
    pdf = Attachment(f"{invoice.number}.pdf", "application/pdf", data)
    return Composed(item.subject, body, (pdf,))


@composer(REMINDER)
def _reminder(item: MailItem) -> Composed | None:
    invoice = _invoice_of(item)
    if invoice is None or open_by_invoice(db.session, [invoice.id]).get(invoice.id, 0) <= 0:
        return None  # settled or voided since the reminder was queued: nothing to remind of
    open_minor = open_by_invoice(db.session, [invoice.id])[invoice.id]
    day = date.fromisoformat(str(item.payload["date"]))
    if str(item.payload.get("step", "")).startswith("before"):
        lead = _("invoice %(number)s is due on %(due)s.", number=invoice.number, due=long_date(invoice.due_date))
    else:
        lead = _(
            "invoice %(number)s was due on %(due)s and is not settled yet.",
            number=invoice.number,
            due=long_date(invoice.due_date),
        )
    body = "\n".join(
        [
            _("Hello,"),
            "",
            _("as of %(day)s, ", day=long_date(day)) + lead,
            _("Amount open: %(amount)s.", amount=_amount(invoice, open_minor)),
            "",
            _("The invoice: %(link)s", link=_link(invoice)),
            _("If you have paid already, thank you, and please ignore this message."),
        ]
    )
    return Composed(item.subject, body)


@composer(RECEIPT)
def _receipt(item: MailItem) -> Composed:
    payload = item.payload
    amount = money(int(payload["amount_minor"]), str(payload["currency"]))
    body = "\n".join(
        [
            _("Hello,"),
            "",
            _(
                "we received your payment of %(amount)s on %(day)s.",
                amount=amount,
                day=long_date(date.fromisoformat(str(payload["date"]))),
            ),
            _("Reference: %(reference)s", reference=payload.get("reference") or "—"),
            "",
            _("Thank you."),
        ]
    )
    return Composed(item.subject, body)
