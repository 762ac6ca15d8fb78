"""Shared set-up for invoice tests."""

from __future__ import annotations

from flask import Flask

from portal.extensions import db
from tests.factories import make_org, make_tariff
from tests.usages.helpers import golden_september

SEP = {"period": "custom", "start": "2026-09-01", "end": "2026-09-30"}


def golden_org(app: Flask, title: str = "Acme") -> int:
    """An organization with the €30.00 September of tests.usages.helpers; returns its id."""
    with app.app_context():
        org = make_org(title, billing_contact="Acme Ltd, 1 Main St")
        tariff = make_tariff(f"Basic {title}", price=900)
        golden_september(org, tariff, prefix="" if title == "Acme" else f"{title.lower()}-")
        db.session.commit()
        return org.id
