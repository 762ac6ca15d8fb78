"""All models, importable from one place so Alembic and the app see the full schema."""

from portal.models import coverage_rules as _coverage_rules  # noqa: F401  (attaches the coverage DDL)
from portal.models import document_rules as _document_rules  # noqa: F401  (attaches the snapshot DDL)
from portal.models import invoice_rules as _invoice_rules  # noqa: F401  (attaches the invoice DDL)
from portal.models import ledger_rules as _ledger_rules  # noqa: F401  (attaches the allocation/refund DDL)
from portal.models import stamp_rules as _stamp_rules  # noqa: F401  (attaches the ledger stamp DDL)
from portal.models.account import AccountToken
from portal.models.audit import AuditEvent
from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.document import Document, DocumentState
from portal.models.dunning import DunningPolicy, SuspendedCamera, Suspension
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
from portal.models.payment import Allocation, CreditNote, CreditNoteLine, CreditNoteSequence, Payment, Refund
from portal.models.sync import JobLock, OutboxItem, SyncRun, WatcherSyncMixin
from portal.models.tariff import Service, Tariff, TariffPrice, tariff_services
from portal.models.terms import (
    ADJUSTMENT_KINDS,
    DocumentLogo,
    IndividualPrice,
    OperatorProfile,
    OrganizationTerms,
    Tax,
    TaxRate,
)
from portal.models.usage import Camera, UsageInterval
from portal.models.user import RIGHTS, ROLE_ACCOUNTANT, ROLE_ADMIN, ROLE_SUBSCRIBER, Membership, User

__all__ = [
    "Allocation",
    "CreditNote",
    "CreditNoteLine",
    "CreditNoteSequence",
    "Payment",
    "Refund",
    "TaxRate",
    "Tax",
    "OrganizationTerms",
    "OperatorProfile",
    "IndividualPrice",
    "DocumentLogo",
    "ADJUSTMENT_KINDS",
    "AccountToken",
    "AuditEvent",
    "Base",
    "Camera",
    "Document",
    "DocumentState",
    "DunningPolicy",
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
    "ROLE_ACCOUNTANT",
    "ROLE_ADMIN",
    "ROLE_SUBSCRIBER",
    "Service",
    "SuspendedCamera",
    "Suspension",
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
