"""Invoices: issue, freeze, pay or void; printable HTML, PDF and CSV.

Importing the package attaches the database rules of :mod:`portal.invoices.schema`
to the model metadata, so ``create_all`` builds them as the migration does.
"""
from portal.invoices import schema as _schema  # noqa: F401  (registers the DDL events)
