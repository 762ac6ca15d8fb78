"""Issue, void, delete, archive, disable and "repair all" carry a confirmation saying what will
happen, asked by the local static/confirm.js (no inline script: the strict CSP holds)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.invoices.service import create_invoice
from portal.models import Organization, SyncRun
from tests.factories import make_tariff, make_user
from tests.invoices.helpers import SEP as SEP_ARGS
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP

CONFIRM = re.compile(r'data-confirm="([^"]+)"')


def _confirmations(client: FlaskClient, path: str) -> list[str]:
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<script defer src="/static/confirm.js"></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " onclick=" not in html and " onsubmit=" not in html
    return CONFIRM.findall(html)


def test_every_irreversible_action_asks_saying_what_happens(app: Flask, admin_client: FlaskClient) -> None:
    org_id = golden_org(app)
    with app.app_context():
        org = db.session.get(Organization, org_id)
        draft = create_invoice(org, SEP, NOW).id
        tariff_id = make_tariff("Unused").id
        user_id = make_user("someone@example.com").id
        db.session.add(
            SyncRun(
                direction="reconcile",
                ok=True,
                counts={"drifts": 2},
                report={
                    "drifts": [
                        {
                            "object_type": "user",
                            "object_id": user_id,
                            "label": "someone",
                            "field": "exists",
                            "portal": "yes",
                            "watcher": "no",
                        }
                    ]
                    * 2
                },
            )
        )
        db.session.commit()
    asks = _confirmations(admin_client, f"/invoices/{draft}")
    assert any(a.startswith("Issue this invoice to Acme?") and "only voided" in a for a in asks)
    assert any(a.startswith(f"Delete draft #{draft} (€30.00) for good?") for a in asks)
    asks = _confirmations(
        admin_client,
        f"/organizations/{org_id}/invoices/preview?period=custom&start={SEP_ARGS['start']}&end={SEP_ARGS['end']}",
    )
    assert any("(€30.00)? It gets the next invoice number" in a for a in asks)
    with app.app_context():
        invoice = create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=True)
        db.session.commit()
        issued = invoice.id
        assert issued == draft and invoice.status == "issued"  # the draft, issued
    asks = _confirmations(admin_client, f"/invoices/{issued}")
    assert any(a.startswith("Void INV-2026-000001 (€30.00)? It stays on record marked VOID") for a in asks)
    asks = _confirmations(admin_client, f"/admin/tariffs/{tariff_id}")
    assert any(a.startswith("Archive “Unused”?") for a in asks)
    assert any(a.startswith("Delete “Unused” and its price history for good?") for a in asks)
    asks = _confirmations(admin_client, f"/admin/users/{user_id}")
    assert asks == [
        "Disable someone@example.com? They can no longer sign in to the portal, and they are "
        "disabled in Watcher too, until enabled again."
    ]
    asks = _confirmations(admin_client, "/admin/sync/reconcile")
    assert asks == [
        "Re-push all 2 difference(s) to Watcher? For each one the portal's value overwrites what Watcher has now."
    ]


def test_the_confirmation_script_is_served_locally(admin_client: FlaskClient) -> None:
    script = admin_client.get("/static/confirm.js").get_data(as_text=True)
    assert "data-confirm" in script and "showModal" in script and "requestSubmit" in script
