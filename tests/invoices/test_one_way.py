"""Data flows one way: read model -> engine (once) -> writer; one rule for price in force and payer."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

import portal.billing_read as read_model
from portal.billing import month_period
from portal.extensions import db
from portal.invoices.service import create_invoice, issue_invoice
from portal.models import AuditEvent, Invoice, Organization
from tests.factories import make_org
from tests.invoices.helpers import golden_org
from tests.usages.helpers import utc

SEP = month_period(2026, 9)
NOW = utc(2026, 11, 2, 9)
PORTAL = Path(__file__).resolve().parents[2] / "portal"


@pytest.fixture()
def engine_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the engine's rating runs made through the read model."""
    runs: list[int] = []
    real: Callable[..., Any] = read_model.rate_period

    def counting(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(read_model, "rate_period", counting)
    return runs


def _audit(invoice_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "invoice", AuditEvent.object_id == invoice_id)
            .order_by(AuditEvent.id)
        )
    )


def test_issuing_at_once_rates_once_and_writes_one_audit_row(app: Flask, engine_runs: list[int]) -> None:
    org_id = golden_org(app)
    with app.app_context():
        invoice = create_invoice(db.session.get(Organization, org_id), SEP, NOW, issue=True)
        db.session.commit()
        assert (invoice.status, invoice.number, invoice.total_minor) == ("issued", "INV-2026-000001", 3000)
        assert len(engine_runs) == 1
        assert _audit(invoice.id) == ["invoice.issue"]


def test_issuing_a_draft_rates_once_and_writes_one_audit_row(app: Flask, engine_runs: list[int]) -> None:
    org_id = golden_org(app)
    with app.app_context():
        draft = create_invoice(db.session.get(Organization, org_id), SEP, NOW)
        db.session.commit()
        assert len(engine_runs) == 1 and _audit(draft.id) == ["invoice.draft"]
        issued = issue_invoice(db.session.get(Invoice, draft.id), NOW)
        db.session.commit()
        assert issued.total_minor == 3000 and len(issued.lines) == 1
        assert len(engine_runs) == 2
        assert _audit(draft.id) == ["invoice.draft", "invoice.issue"]


def _functions_comparing_effective_from(path: Path) -> list[str]:
    """Functions that compare ``effective_from`` with something: a price-in-force computation."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Compare)
                    and "effective_from" in ast.unparse(inner)
                    and not any(isinstance(op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)) for op in inner.ops)
                ):
                    found.append(f"{path.relative_to(PORTAL.parent)}:{node.name}")
                    break
    return found


def test_one_definition_of_the_price_in_force() -> None:
    found = [f for path in sorted(PORTAL.rglob("*.py")) for f in _functions_comparing_effective_from(path)]
    assert found == []  # the rule compares dates through _last_at_or_before only
    pricing = (PORTAL / "billing" / "pricing.py").read_text(encoding="utf-8")
    assert "def price_in_force(" in pricing and "def _last_at_or_before(" in pricing
    classes = [
        node.name
        for path in PORTAL.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name == "PriceVersion"
    ]
    assert classes == ["PriceVersion"]  # one price version type, the engine's


def test_one_definition_of_the_payer() -> None:
    """Only the engine climbs ``invoice_to_parent``; everything else asks it."""
    climbing = []
    for path in sorted(PORTAL.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.While) and "invoice_to_parent" in ast.unparse(node):
                climbing.append(str(path.relative_to(PORTAL.parent)))
    assert climbing == ["portal/billing/scope.py"]


def test_payer_and_scope_agree(app: Flask) -> None:
    with app.app_context():
        parent = make_org("Parent")
        child = make_org("Child", parent=parent, invoice_to_parent=True)
        grandchild = make_org("Grandchild", parent=child, invoice_to_parent=True)
        independent = make_org("Independent", parent=parent, invoice_to_parent=False)
        below = make_org("Below", parent=independent, invoice_to_parent=True)
        db.session.commit()
        payers = {org.title: read_model.payer_of(org).title for org in (parent, child, grandchild, independent, below)}
        assert payers == {
            "Parent": "Parent",
            "Child": "Parent",
            "Grandchild": "Parent",
            "Independent": "Independent",
            "Below": "Independent",
        }
        scope = read_model.billing_scope(parent)
        assert set(scope.titles.values()) == {"Parent", "Child", "Grandchild"}
        assert read_model.billed_to(parent) is None and read_model.billed_to(grandchild) == parent
