"""Invoice PDFs: HTML -> PDF with WeasyPrint.

Stored and served by :mod:`portal.documents.invoice` (rendered when issued, kept in the
database by version).  WeasyPrint fetches nothing over the network: the stylesheet is read
from ``static/`` and every URL is refused.
"""

from __future__ import annotations

from typing import Any

from portal.config import ROOT

PRINT_CSS = ROOT / "static" / "invoices" / "print.css"


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"invoice PDFs load nothing from {url}")


def render_pdf(html: str) -> bytes:
    """HTML -> PDF bytes with the print stylesheet."""
    from weasyprint import CSS, HTML  # heavy import: only when a PDF is asked for

    document = HTML(string=html, base_url=str(ROOT / "static"), url_fetcher=_refuse)
    return bytes(document.write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))]))
