"""Invoice PDFs as stored documents: rendered when issued (and again when paid or voided),
served as stored bytes.

:func:`pdf_version` is the key: a hash of what the PDF shows that can change after issue
(status, payment, void, the document language) and of the print templates themselves.
Other features extend it through ``extra`` (e.g. a payments engineer passes the payments'
ids and amounts, an operator-identity change passes its frozen version).
"""

from __future__ import annotations

import hashlib
from functools import cache

from flask import render_template
from flask_babel import force_locale

from portal.config import ROOT
from portal.documents.store import find, get_or_render, is_rendering, renderer, request_render, request_renders, retry
from portal.extensions import db
from portal.i18n import document_locale
from portal.invoices.annex import annex_page
from portal.invoices.pdf import render_pdf
from portal.models import Document, Invoice, InvoiceStatus

KIND = "invoice_pdf"
#: What the printed invoice is made of; any change to these files renders every PDF anew.
TEMPLATE_FILES = (
    "templates/invoices/print.html",
    "templates/invoices/_body.html",
    "templates/invoices/_annex.html",
    "templates/invoices/_status.html",
    "static/invoices/print.css",
)


@cache
def template_version() -> str:
    """A hash of the print templates and stylesheet (computed once per process)."""
    digest = hashlib.sha256()
    for name in TEMPLATE_FILES:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:16]


def document_language(invoice: Invoice) -> str:
    """The language the organization's documents are written in (English until it has one)."""
    return str(getattr(invoice.organization, "document_language", None) or "en")


def pdf_version(invoice: Invoice, language: str | None = None, extra: tuple[object, ...] = ()) -> str:
    """The version key of ``invoice``'s PDF: changes when anything the PDF shows may change."""
    parts = (
        invoice.id,
        invoice.number,
        invoice.status,
        invoice.paid_on,
        invoice.payment_reference,
        invoice.void_reason,
        invoice.voided_at,
        language or document_language(invoice),
        template_version(),
        *extra,
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:40]


def printable_html(invoice: Invoice, for_pdf: bool) -> str:
    """The printable page of ``invoice`` (the whole annex), in the organization's document language."""
    with document_locale(document_language(invoice)):
        return render_template("invoices/print.html", invoice=invoice, for_pdf=for_pdf, annex=annex_page(invoice))


@renderer(KIND)
def render_invoice(doc: Document) -> bytes:
    """Render the stored document's invoice in the document's language."""
    invoice = db.session.get(Invoice, doc.owner_id)
    if invoice is None:
        raise LookupError(f"invoice #{doc.owner_id} is gone")
    with force_locale(doc.language):
        return render_pdf(printable_html(invoice, for_pdf=True))


def request_pdf(invoice: Invoice) -> None:
    """Ask for the PDF of ``invoice`` as it now stands (not for drafts: they keep changing)."""
    if invoice.status != InvoiceStatus.DRAFT:
        request_render(KIND, invoice.id, pdf_version(invoice), document_language(invoice))


def request_pdfs(invoices: list[Invoice]) -> None:
    """:func:`request_pdf` for invoices just issued by the billing run (no document yet): one INSERT."""
    request_renders(
        KIND,
        [
            (invoice.id, pdf_version(invoice), document_language(invoice))
            for invoice in invoices
            if invoice.status != InvoiceStatus.DRAFT
        ],
    )


def invoice_pdf(invoice: Invoice) -> bytes:
    """The PDF bytes: stored ones, else rendered now (and stored, unless a draft)."""
    if invoice.status == InvoiceStatus.DRAFT:
        return render_pdf(printable_html(invoice, for_pdf=True))
    return get_or_render(KIND, invoice.id, pdf_version(invoice), document_language(invoice))


def pdf_state(invoice: Invoice) -> Document | None:
    """The stored document of the current version, if one was asked for (drafts: None)."""
    if invoice.status == InvoiceStatus.DRAFT:
        return None
    return find(KIND, invoice.id, pdf_version(invoice))


def retry_pdf(invoice: Invoice) -> None:
    """Render a failed PDF again (or ask for it if it never was)."""
    doc = pdf_state(invoice)
    if doc is None:
        request_pdf(invoice)
    else:
        retry(doc)


__all__ = [
    "KIND",
    "document_language",
    "invoice_pdf",
    "is_rendering",
    "pdf_state",
    "pdf_version",
    "printable_html",
    "request_pdf",
    "request_pdfs",
    "retry_pdf",
]
