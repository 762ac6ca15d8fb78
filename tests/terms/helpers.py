"""Shared data for the operator, tax and individual-price tests."""

from __future__ import annotations

import io

from PIL import Image

from portal.terms.service import OperatorValues

OPERATOR = OperatorValues(
    legal_name="Example Video Cloud S.L.",
    address="Calle Mayor 1\n28013 Madrid, Spain",
    tax_id="ESB12345678",
    registration="Registro Mercantil de Madrid, tomo 1, folio 1",
    payment_details="IBAN ES91 2100 0418 4502 0005 1332",
    footer="Thank you for your business.",
)


def tiny_png(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (8, 4)) -> bytes:
    """A small valid PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()
