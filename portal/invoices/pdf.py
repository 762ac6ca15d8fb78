"""Invoice PDFs: HTML -> PDF with WeasyPrint.

Stored and served by :mod:`portal.documents.invoice` (rendered when issued, kept in the
database by version).  WeasyPrint fetches nothing over the network: the stylesheet is read
from ``static/`` and every URL is refused (the seller's logo is inlined as a ``data:`` URI).
Fonts come from the system (Debian's DejaVu and Noto families, ``make system-deps``) and are
embedded in the PDF, subset to the glyphs used.
"""

from __future__ import annotations

import base64
from typing import Any

from portal.config import ROOT

PRINT_CSS = ROOT / "static" / "invoices" / "print.css"


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
