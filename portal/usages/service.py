"""The Usages page reads through the billing read model (:mod:`portal.billing_read`).

Kept as an import path for the page's modules and older callers; nothing is defined here.
"""

from __future__ import annotations

from portal.billing_read import (
    Scope,
    billed_to,
    billing_org,
    billing_scope,
    load_prices,
    load_spans,
    load_statement,
    organizations_with_usage,
    proration_mode,
    rate_scope,
    utc_window,
)

__all__ = [
    "Scope",
    "billed_to",
    "billing_org",
    "billing_scope",
    "load_prices",
    "load_spans",
    "load_statement",
    "organizations_with_usage",
    "proration_mode",
    "rate_scope",
    "utc_window",
]
