"""PDFs for every script: Chinese, Arabic and emoji print as text, with their fonts embedded (issue #15).

Text extraction (pypdf) gives Arabic as presentation forms (U+FExx) in visual order, so it is
normalised with NFKC and compared both ways round; emoji come out as themselves.
"""

from __future__ import annotations

import io
import unicodedata
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from portal.extensions import db
from portal.invoices.service import create_invoice
from tests.factories import make_org, make_tariff
from tests.invoices.test_lifecycle import NOW, SEP
from tests.usages.helpers import use, utc

CHINESE = "北京安防科技有限公司"
ARABIC = "كاميرا المدخل"
EMOJI = "📹🚪"


def _fonts(reader: PdfReader) -> set[str]:
    found: set[str] = set()
    for page in reader.pages:
        fonts: Any = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            found.add(str(font.get("/BaseFont", "")))
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and any(
                    key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    found.add("embedded:" + str(descendant.get_object().get("/BaseFont", "")))
    return found


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def test_chinese_arabic_and_emoji_names_print_as_text(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        org = make_org(CHINESE)
        use(
            org,
            make_tariff("Basic", price=900),
            utc(2026, 8, 1),
            utc(2026, 10, 5),
            name="cam-ar",
            title=f"{ARABIC} {EMOJI}",
        )
        invoice = create_invoice(org, SEP, NOW, issue=True)
        db.session.commit()
        invoice_id = invoice.id
    response = admin_client.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    text = _normal(" ".join(page.extract_text() for page in reader.pages))
    assert CHINESE in text
    arabic = _normal(ARABIC)
    assert arabic in text or arabic[::-1] in text or all(word in text or word[::-1] in text for word in ARABIC.split())
    assert all(emoji in text for emoji in EMOJI)
    fonts = _fonts(reader)
    embedded = {f.removeprefix("embedded:") for f in fonts if f.startswith("embedded:")}
    assert embedded == {f for f in fonts if not f.startswith("embedded:")}, fonts  # every font is embedded
    names = " ".join(embedded).replace("-", "")
    for family in ("NotoSansCJK", "NotoColorEmoji"):  # Arabic: DejaVu Sans has it, Noto Naskh is the fallback
        assert family in names, (family, fonts)
