"""How an invoice's state reads to a person: one state name, label and badge style per state.

The stored status is draft/issued/paid/void; "overdue" is an issued invoice whose
due date has passed in the invoice's time zone.  Templates show the state through
the ``invoice_badge`` macro, so the invoice list, the detail page and the
dashboards tell the five states apart at a glance (colour *and* word *and* sign).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext

from portal.billing.periods import local_date
from portal.i18n import N_
from portal.models import Invoice, utcnow


@dataclass(frozen=True)
class StateStyle:
    """A state's label, a sign that reads without colour, and its badge classes."""

    label: str
    sign: str
    css: str


STATES: dict[str, StateStyle] = {  # labels in English, translated by state_style()
    "draft": StateStyle(N_("Draft"), "✎", "bg-light text-dark border border-secondary"),
    "issued": StateStyle(N_("Issued"), "●", "bg-primary"),
    "overdue": StateStyle(N_("Overdue"), "!", "bg-warning text-dark border border-danger"),
    "paid": StateStyle(N_("Paid"), "✓", "bg-success"),
    "void": StateStyle(N_("VOID"), "⊘", "bg-danger"),
}


def invoice_zone(invoice: Invoice) -> str:
    """The time zone the invoice's dates are in."""
    return getattr(invoice, "timezone", None) or invoice.organization.timezone


def invoice_state(invoice: Invoice, now: datetime | None = None) -> str:
    """``draft``, ``issued``, ``overdue``, ``paid`` or ``void``."""
    if invoice.status == "issued" and invoice.due_date is not None:
        today = local_date(now or utcnow(), invoice_zone(invoice))
        if invoice.due_date < today:
            return "overdue"
    return invoice.status


def state_style(state: str) -> StateStyle:
    """The badge style of ``state`` (an unknown state shows as itself, neutral)."""
    style = STATES.get(state)
    if style is None:
        return StateStyle(state, "", "bg-secondary")
    return StateStyle(gettext(style.label), style.sign, style.css)
