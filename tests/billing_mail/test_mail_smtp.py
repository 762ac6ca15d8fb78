"""Billing mail through a real SMTP server: the invoice with its PDF on issue, reminders on the
schedule (once each, in the organization's time zone), receipts, and the organization's timeline."""

from __future__ import annotations

from datetime import date, datetime
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

import portal.models
from portal import mailqueue, settings
from portal.billing_mail.compose import queue_receipt
from portal.billing_mail.reminders import send_reminders
from portal.extensions import db
from portal.invoices.service import create_invoice, mark_paid
from portal.models import MAIL_DROPPED, MAIL_SENT, Invoice, MailItem, Organization
from tests.factories import make_user
from tests.invoices.helpers import golden_org
from tests.invoices.test_lifecycle import NOW, SEP
from tests.mailbox import Mailbox, free_port, mailbox  # noqa: F401
from tests.usages.helpers import utc


@pytest.fixture()
def app_config(mailbox: Mailbox, tmp_path: Path) -> dict[str, Any]:  # noqa: F811
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "MAIL_BACKOFF_SECONDS": 0,
        "PUBLIC_URL": "http://portal.test",
        "INVOICE_CACHE_DIR": str(tmp_path / "cache"),
        "REMINDER_DAYS_BEFORE_DUE": "3",
        "REMINDER_DAYS_AFTER_DUE": "1,7,14",
    }


def _issue(app: Flask, billing_email: str = "billing@acme.example", timezone: str = "UTC") -> int:
    """Issue Acme's September invoice (issued 2026-11-02, due 2026-11-16); returns its id."""
    org_id = golden_org(app)
    with app.app_context():
        org = db.session.get(Organization, org_id)
        assert org is not None
        org.billing_email, org.timezone = billing_email, timezone
        org.owner = make_user("owner@acme.example")
        invoice = create_invoice(org, SEP, NOW, issue=True)
        db.session.commit()
        assert invoice.due_date == date(2026, 11, 16)
        return invoice.id


def _pdf_part(message: Message) -> Message:
    parts = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert len(parts) == 1, [part.get_content_type() for part in message.walk()]
    return parts[0]


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


def _subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _remind(app: Flask, at: datetime) -> list[str]:
    with app.app_context():
        run = send_reminders(db.session, at, settings.current().reminders)
        db.session.commit()
        return run.queued


def _deliver(app: Flask) -> mailqueue.MailResult:
    with app.app_context():
        return mailqueue.deliver_due()


def test_the_issued_invoice_arrives_with_its_pdf(app: Flask, mailbox: Mailbox, admin_client: FlaskClient) -> None:  # noqa: F811
    invoice_id = _issue(app)
    assert mailbox.messages == []  # issuing only queues: nothing is sent inside the unit of work
    assert _deliver(app).sent == 1
    message = mailbox.last_to("billing@acme.example")
    with app.app_context():
        number = db.session.get(Invoice, invoice_id).number  # type: ignore[union-attr]
    assert _subject(message) == f"Invoice {number} from Acme"
    pdf = _pdf_part(message)
    assert pdf.get_filename() == f"{number}.pdf"
    data = pdf.get_payload(decode=True)
    assert isinstance(data, bytes) and data.startswith(b"%PDF") and len(data) > 1000
    body = _text(message)
    assert "€30.00" in body and "Nov 16, 2026" in body and f"http://portal.test/invoices/{invoice_id}" in body
    page = admin_client.get(f"/admin/organizations/{_org_id(app)}").get_data(as_text=True)
    timeline = page[page.index('id="timeline"') :]
    assert f"Invoice: Invoice {number} from Acme" in timeline and "billing@acme.example" in page and ">sent<" in page
    assert _deliver(app).sent == 0  # sent once


def _org_id(app: Flask) -> int:
    with app.app_context():
        org_id = db.session.scalar(select(Organization.id).where(Organization.title == "Acme"))
        assert org_id is not None
        return org_id


def test_without_a_billing_email_the_owner_gets_the_invoice(app: Flask, mailbox: Mailbox) -> None:  # noqa: F811
    _issue(app, billing_email="")
    assert _deliver(app).sent == 1
    assert _pdf_part(mailbox.last_to("owner@acme.example"))


def test_reminders_follow_the_schedule_once_each(app: Flask, mailbox: Mailbox) -> None:  # noqa: F811
    _issue(app)
    _deliver(app)
    assert _remind(app, utc(2026, 11, 12, 23)) == []  # 4 days before the due date
    assert [q.split()[1] for q in _remind(app, utc(2026, 11, 13, 8))] == ["before-3"]
    assert _remind(app, utc(2026, 11, 13, 20)) == []  # the same day again: never twice
    assert _deliver(app).sent == 1
    message = mailbox.last_to("billing@acme.example")
    assert _subject(message).startswith("Reminder: invoice ") and "due on 2026-11-16" in _subject(message)
    assert "as of Nov 13, 2026" in _text(message) and "Amount open: €30.00" in _text(message)
    assert _remind(app, utc(2026, 11, 16, 12)) == []  # due today: nothing scheduled
    # the job missed 17th to 19th: one catch-up reminder, the latest that has come
    assert [q.split()[1] for q in _remind(app, utc(2026, 11, 20, 8))] == ["after-1"]
    assert [q.split()[1] for q in _remind(app, utc(2026, 12, 31, 8))] == ["after-14"]
    assert _remind(app, utc(2027, 1, 31, 8)) == []  # the schedule is done
    assert _deliver(app).sent == 2
    overdue = mailbox.last_to("billing@acme.example")
    assert _subject(overdue).startswith("Overdue: invoice ") and "not settled yet" in _text(overdue)
    with app.app_context():
        keys = sorted(db.session.scalars(select(MailItem.dedup_key).where(MailItem.kind == "invoice_reminder")))
    assert [key.split(":")[2] for key in keys] == ["after-1", "after-14", "before-3"]  # type: ignore[union-attr]


def test_reminders_are_dated_in_the_organizations_time_zone(app: Flask) -> None:
    _issue(app, timezone="Pacific/Kiritimati")  # UTC+14: the 13th begins at 10:00 UTC on the 12th
    assert _remind(app, utc(2026, 11, 12, 9)) == []
    assert [q.split()[1] for q in _remind(app, utc(2026, 11, 12, 11))] == ["before-3"]
    with app.app_context():
        item = db.session.scalar(select(MailItem).where(MailItem.kind == "invoice_reminder"))
        assert item is not None and item.payload["date"] == "2026-11-13"


def test_a_settled_invoice_gets_no_reminder(app: Flask, mailbox: Mailbox) -> None:  # noqa: F811
    invoice_id = _issue(app)
    _deliver(app)
    assert len(_remind(app, utc(2026, 11, 13, 8))) == 1
    with app.app_context():  # paid after the reminder was queued, before it went out
        mark_paid(db.session.get(Invoice, invoice_id), date(2026, 11, 13), "BANK-1")  # type: ignore[arg-type]
        db.session.commit()
    assert _deliver(app).dropped == 1
    assert _remind(app, utc(2026, 11, 20, 8)) == []
    assert len(mailbox.messages) == 2  # the invoice, then the payment's receipt: no reminder
    assert mailbox.messages[1]["Subject"].startswith("Payment received")
    with app.app_context():
        states = list(db.session.scalars(select(MailItem.state).order_by(MailItem.id)))
    assert states == [MAIL_SENT, MAIL_DROPPED, MAIL_SENT]


def test_the_daily_command_runs_locked_and_idempotent(
    app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _issue(app)
    monkeypatch.setattr(portal.models, "utcnow", lambda: utc(2026, 11, 24, 6))
    first = runner.invoke(args=["mail", "reminders"])
    assert first.exit_code == 0, first.output
    assert "Queued 1 reminder(s)" in first.output and "after-7" in first.output
    again = runner.invoke(args=["mail", "reminders"])
    assert again.exit_code == 0 and "Queued 0 reminder(s); 1 already sent before." in again.output
    with app.app_context():
        assert db.session.scalar(select(MailItem.id).where(MailItem.kind == "invoice_reminder").offset(1)) is None


def test_a_receipt_arrives_once(app: Flask, mailbox: Mailbox) -> None:  # noqa: F811
    org_id = golden_org(app)
    with app.app_context():
        org = db.session.get(Organization, org_id)
        assert org is not None
        org.billing_email = "billing@acme.example"
        assert queue_receipt(org, 12_345, "EUR", date(2026, 11, 20), "BANK-77", key="payment:1") is not None
        assert queue_receipt(org, 12_345, "EUR", date(2026, 11, 20), "BANK-77", key="payment:1") is None
        db.session.commit()
    assert _deliver(app).sent == 1
    message = mailbox.last_to("billing@acme.example")
    assert _subject(message) == "Payment received: €123.45"
    assert "Nov 20, 2026" in _text(message) and "BANK-77" in _text(message)


def test_an_smtp_outage_is_retried_with_the_pdf(app: Flask, mailbox: Mailbox) -> None:  # noqa: F811
    _issue(app)
    app.config["MAIL_PORT"] = free_port()  # nobody listens there: the first attempt fails
    settings.install(app)
    assert _deliver(app).failed == 1
    with app.app_context():
        item = db.session.scalar(select(MailItem).where(MailItem.kind == "invoice"))
        assert item is not None and (item.state, item.attempts) == ("pending", 1) and item.last_error
    assert mailbox.messages == []
    app.config["MAIL_PORT"] = mailbox.port  # the server is back: the retry (backoff 0 here) goes out
    settings.install(app)
    assert _deliver(app).sent == 1
    assert _pdf_part(mailbox.last_to("billing@acme.example"))
    with app.app_context():
        item = db.session.scalar(select(MailItem).where(MailItem.kind == "invoice"))
        assert item is not None and (item.state, item.attempts) == (MAIL_SENT, 2)


def test_billing_mail_is_written_in_the_organizations_document_language(app: Flask, mailbox: Mailbox) -> None:  # noqa: F811
    """A receipt is one of the organization's documents: Spanish for a Spanish organization,
    whatever language the admin who recorded the payment reads the portal in."""
    org_id = golden_org(app)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        org = db.session.get(Organization, org_id)
        assert org is not None
        org.billing_email, org.document_language = "billing@acme.example", "es"
        assert queue_receipt(org, 12_345, "EUR", date(2026, 11, 20), "BANK-77", key="payment:es") is not None
        db.session.commit()
    assert _deliver(app).sent == 1
    message = mailbox.last_to("billing@acme.example")
    assert _subject(message) == "Pago recibido: 123,45\xa0€"
    assert "BANK-77" in _text(message) and "Payment" not in _text(message)
