"""All models, importable from one place so Alembic and the app see the full schema."""

from portal.models import coverage_rules as _coverage_rules  # noqa: F401  (attaches the coverage DDL)
from portal.models import invoice_rules as _invoice_rules  # noqa: F401  (attaches the invoice DDL)
from portal.models import ledger_rules as _ledger_rules  # noqa: F401  (attaches the ledger stamp DDL)
from portal.models.account import AccountToken
from portal.models.audit import AuditEvent
from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.document import Document, DocumentState
from portal.models.invoice import (
    Invoice,
    InvoiceCameraLine,
    InvoiceCoverage,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
)
from portal.models.ledger import LEDGER_ROW, LedgerStamp
from portal.models.mail import MAIL_DROPPED, MAIL_FAILED, MAIL_PENDING, MAIL_SENT, MailItem
from portal.models.organization import MAX_DEPTH, Organization, organization_tariffs
from portal.models.sync import JobLock, OutboxItem, SyncRun, WatcherSyncMixin
from portal.models.tariff import Service, Tariff, TariffPrice, tariff_services
from portal.models.usage import Camera, UsageInterval
from portal.models.user import RIGHTS, ROLE_ADMIN, ROLE_SUBSCRIBER, Membership, User

__all__ = [
    "AccountToken",
    "AuditEvent",
    "Base",
    "Camera",
    "Document",
    "DocumentState",
    "Invoice",
    "InvoiceCameraLine",
    "InvoiceCoverage",
    "InvoiceLine",
    "InvoiceSequence",
    "InvoiceStatus",
    "JobLock",
    "LEDGER_ROW",
    "LedgerStamp",
    "MAIL_DROPPED",
    "MAIL_FAILED",
    "MAIL_PENDING",
    "MAIL_SENT",
    "MailItem",
    "MAX_DEPTH",
    "Membership",
    "Organization",
    "OutboxItem",
    "RIGHTS",
    "ROLE_ADMIN",
    "ROLE_SUBSCRIBER",
    "Service",
    "SyncRun",
    "Tariff",
    "TariffPrice",
    "UTCDateTime",
    "UsageInterval",
    "User",
    "WatcherSyncMixin",
    "organization_tariffs",
    "tariff_services",
    "utcnow",
]
