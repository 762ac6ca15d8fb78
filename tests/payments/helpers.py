"""Set-up shared by the payment tests: an issued €30.00 (or taxed) September invoice."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from portal import settings
from portal.billing import month_period
from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Invoice, Organization
from tests.invoices.helpers import golden_org
from tests.usages.helpers import utc

SEP = month_period(2026, 9)
NOW = utc(2026, 11, 20, 9)


def issued(app: Flask, title: str = "Acme", tax_bp: int = 0) -> int:
    """Issue the golden organization's September invoice (€30.00 before tax); returns its id."""
    org_id = golden_org(app, title)
    with app.app_context():
        billing = replace(settings.current().billing, tax_bp=tax_bp)
        invoice = create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=True, settings=billing)
        db.session.commit()
        return invoice.id


def invoice(invoice_id: int) -> Invoice:
    """Reload an invoice from the database."""
    found = db.session.get(Invoice, invoice_id, populate_existing=True)
    assert found is not None
    return found
