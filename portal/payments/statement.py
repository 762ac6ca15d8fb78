"""Statement of account of a paying organization: every movement per currency with a running balance.

Rows, by date: invoices (issued or paid; void ones are not owed and not listed) raise the
balance, credit notes and payments lower it, a payment's reversal and a refund raise it
again.  The balance is what the customer owes (negative: credit); the closing balance of
each currency equals :func:`portal.payments.ledger.balance`.  Running sums are the engine's
(:func:`portal.billing.settlement.running_balances`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portal.billing.periods import local_date
from portal.billing.settlement import running_balances
from portal.csvsafe import SafeWriter
from portal.invoices.export import _major
from portal.models import CreditNote, Invoice, Organization, Payment, Refund
from portal.payments import ledger

#: Order of kinds on one day: what is owed first, then what settles it.
_ORDER = {"invoice": 0, "reversal": 1, "refund": 2, "credit_note": 3, "payment": 4}


@dataclass(frozen=True)
class Row:
    """One movement: ``amount_minor`` > 0 raises what is owed; ``balance_minor`` after it."""

    on: date
    kind: str
    label: str
    object_id: int
    amount_minor: int
    balance_minor: int = 0

    @property
    def debit_minor(self) -> int:
        """What the row adds to the balance."""
        return max(self.amount_minor, 0)

    @property
    def credit_minor(self) -> int:
        """What the row takes off the balance."""
        return max(-self.amount_minor, 0)


@dataclass(frozen=True)
class Account:
    """The rows of one currency and its closing balance."""

    currency: str
    rows: list[Row]
    closing_minor: int


def _movements(session: ledger.DbSession, org: Organization) -> list[tuple[str, Row]]:
    found: list[tuple[str, Row]] = []
    for inv in session.scalars(
        select(Invoice).where(Invoice.organization_id == org.id, Invoice.status.in_(ledger.OWED))
    ):
        label = _("Invoice %(number)s", number=inv.number)
        found.append((inv.currency, Row(inv.issue_date or inv.period_end, "invoice", label, inv.id, inv.total_minor)))
    for note in session.scalars(select(CreditNote).where(CreditNote.organization_id == org.id)):
        label = _("Credit note %(number)s: %(reason)s", number=note.number, reason=note.reason)
        found.append((note.currency, Row(note.issue_date, "credit_note", label, note.id, -note.total_minor)))
    for pay in session.scalars(select(Payment).where(Payment.organization_id == org.id)):
        label = _("Payment %(reference)s", reference=pay.reference or f"#{pay.id}")
        found.append((pay.currency, Row(pay.received_on, "payment", label, pay.id, -pay.amount_minor)))
        if pay.reversed_at is not None:
            label = _(
                "Reversal of payment %(reference)s: %(reason)s",
                reference=pay.reference or f"#{pay.id}",
                reason=pay.reversal_reason,
            )
            on = local_date(pay.reversed_at, org.timezone)
            found.append((pay.currency, Row(on, "reversal", label, pay.id, pay.amount_minor)))
    for refund in session.scalars(select(Refund).where(Refund.organization_id == org.id)):
        label = _("Refund %(reference)s", reference=refund.reference or f"#{refund.id}")
        found.append(
            (refund.currency, Row(refund.refunded_on, "refund", label, refund.payment_id, refund.amount_minor))
        )
    return found


def accounts(session: ledger.DbSession, org: Organization) -> list[Account]:
    """The statement of ``org`` (a paying organization), one :class:`Account` per currency."""
    by_currency: dict[str, list[Row]] = {}
    for currency, row in _movements(session, org):
        by_currency.setdefault(currency, []).append(row)
    out = []
    for currency in sorted(by_currency):
        rows = sorted(by_currency[currency], key=lambda r: (r.on, _ORDER[r.kind], r.object_id))
        balances = running_balances([r.amount_minor for r in rows])
        rows = [Row(r.on, r.kind, r.label, r.object_id, r.amount_minor, b) for r, b in zip(rows, balances, strict=True)]
        out.append(Account(currency, rows, balances[-1] if balances else 0))
    return out


def statement_csv(org: Organization, found: list[Account], places: dict[str, int]) -> str:
    """The statement as CSV (cells neutralised by :class:`~portal.csvsafe.SafeWriter`)."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(["organization", org.title])
    writer.writerow(["currency", "date", "kind", "description", "debit", "credit", "balance"])
    for account in found:
        p = places[account.currency]
        for r in account.rows:
            writer.writerow(
                [
                    account.currency,
                    r.on.isoformat(),
                    r.kind,
                    r.label,
                    _major(r.debit_minor, p) if r.debit_minor else "",
                    _major(r.credit_minor, p) if r.credit_minor else "",
                    _major(r.balance_minor, p),
                ]
            )
        writer.writerow([account.currency, "", "closing", "", "", "", _major(account.closing_minor, p)])
    return out.getvalue()
