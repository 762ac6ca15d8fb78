"""Template helpers for documents: seller, buyer and taxes of an invoice, logos, percentages."""

from __future__ import annotations

import base64
from decimal import Decimal

from flask import Flask, url_for
from flask_babel import format_percent

from portal.extensions import db
from portal.invoices.documents import buyer_of, seller_of, taxes_of
from portal.models import DocumentLogo


def percent_bp(rate_bp: int) -> str:
    """Basis points as a percentage for people: 2100 -> ``21%``, 1050 -> ``10.5%`` (locale-aware)."""
    return str(format_percent(Decimal(rate_bp) / 10_000, format="#,##0.##%"))


def document_logo_src(sha256: str, for_pdf: bool = False) -> str:
    """Where a document's logo comes from: inline for PDFs (WeasyPrint fetches nothing), a URL for pages."""
    if not for_pdf:
        return url_for("terms.logo", sha256=sha256)
    logo = db.session.get(DocumentLogo, sha256)
    if logo is None:
        return ""
    return f"data:{logo.mime};base64,{base64.b64encode(logo.data).decode('ascii')}"


def register(app: Flask) -> None:
    """Install the helpers in Jinja."""
    app.jinja_env.filters["percent_bp"] = percent_bp
    app.jinja_env.globals["invoice_seller"] = seller_of
    app.jinja_env.globals["invoice_buyer"] = buyer_of
    app.jinja_env.globals["invoice_taxes"] = taxes_of
    app.jinja_env.globals["document_logo_src"] = document_logo_src
