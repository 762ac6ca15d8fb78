"""Invoices: issue, freeze, pay or void; printable HTML, PDF and CSV.

The rules the database keeps for invoices live with the models
(:mod:`portal.models.invoice_rules`), so ``create_all`` builds them as the migration does.
"""
