"""Billing mail: invoices with their PDF, payment reminders and receipts, through the mail outbox.

Importing the package registers its composers with :mod:`portal.mailqueue`.
"""

from portal.billing_mail import compose as compose  # noqa: F401  (registers the composers)
