"""Invoice PDFs: rendered by WeasyPrint on demand, cached for non-drafts.

The cache key is the invoice id plus a hash of the printable HTML, so a status
change (paid, void) renders a new file while the frozen figures are reused
safely.  Drafts are never cached.  WeasyPrint fetches nothing over the network:
the stylesheet is read from ``static/`` and every URL is refused (the seller's logo
is inlined as a ``data:`` URI).  Fonts come from the system (Debian's DejaVu and Noto
families, ``make system-deps``) and are embedded in the PDF, subset to the glyphs used.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from flask import current_app

from portal import settings
from portal.config import ROOT
from portal.models import Invoice, InvoiceStatus

PRINT_CSS = ROOT / "static" / "invoices" / "print.css"


def cache_dir() -> Path:
    """Where PDFs are kept (``INVOICE_CACHE_DIR``, default ``instance/invoice-cache``)."""
    configured = settings.current().billing.cache_dir
    return Path(configured) if configured else Path(current_app.instance_path) / "invoice-cache"


def _refuse(url: str, *args: Any, **kwargs: Any) -> Any:
    """Load nothing from anywhere; only inline ``data:`` images (the seller's logo) are decoded here."""
    if url.startswith(("data:image/png;base64,", "data:image/jpeg;base64,")):
        from weasyprint.urls import URLFetcherResponse

        header, _sep, payload = url.partition(";base64,")
        body = base64.b64decode(payload, validate=True)
        return URLFetcherResponse(url, body=body, headers={"Content-Type": header.removeprefix("data:")})
    raise ValueError(f"invoice PDFs load nothing from {url}")


def render_pdf(html: str) -> bytes:
    """HTML -> PDF bytes with the print stylesheet."""
    from weasyprint import CSS, HTML  # heavy import: only when a PDF is asked for

    document = HTML(string=html, base_url=str(ROOT / "static"), url_fetcher=_refuse)
    return bytes(document.write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))]))


def invoice_pdf(invoice: Invoice, html: str) -> bytes:
    """The PDF of ``invoice`` printed from ``html``; cached unless it is a draft."""
    if invoice.status == InvoiceStatus.DRAFT:
        return render_pdf(html)
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:24]
    path = cache_dir() / f"{invoice.id}-{digest}.pdf"
    if path.exists():
        return path.read_bytes()
    data = render_pdf(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
    return data
