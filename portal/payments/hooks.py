"""What follows a change of a payer's balances: wired to :func:`portal.payments.ledger.on_settlement`.

* a payment sends a receipt (once: the mail's key is the payment);
* any settlement re-evaluates a *suspended* payer at once, so paying restores the service in
  Watcher without waiting for the daily dunning run.  A payer who is not suspended is left to
  the daily run (a payment never warns or suspends anyone in the middle of a request).

Listeners run inside the unit of work: they add and flush (an outbox row, a mail), never commit.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Organization, Payment, Suspension
from portal.payments import ledger


def _receipt(event: ledger.Settlement) -> None:
    if event.kind != "payment" or event.payment_id is None:
        return
    from portal.billing_mail.compose import queue_receipt

    payment = db.session.get(Payment, event.payment_id)
    org = db.session.get(Organization, event.organization_id)
    if payment is None or org is None:
        return
    queue_receipt(
        org, payment.amount_minor, payment.currency, payment.received_on, payment.reference, key=f"payment:{payment.id}"
    )


def _restore(event: ledger.Settlement) -> None:
    suspended = db.session.scalar(
        select(Suspension.id)
        .where(Suspension.payer_id == event.organization_id, Suspension.ended_at.is_(None))
        .limit(1)
    )
    if suspended is None:
        return
    from portal.dunning.service import on_settled

    on_settled(db.session(), event.organization_id)


def register() -> None:
    """Install the listeners (idempotent)."""
    ledger.on_settlement(_receipt)
    ledger.on_settlement(_restore)
