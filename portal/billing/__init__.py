"""The money engine: pure functions over frozen dataclasses (stdlib only).

No Flask, no ORM, no clock: ``now`` and the period are arguments.  The Usages
page, the invoice preview and the issued invoice all call the same two
functions::

    statement = rate_period(orgs, spans, prices, tariffs, period, now,
                            mode=ProrationMode.SECOND)        # -> Statement
    draft = build_invoice(statement, tax_bp=0)                # -> InvoiceDraft

    # a parent's consolidated invoice (subsidiaries with invoice_to_parent):
    statement = rate_rollup(parent, all_orgs, spans, prices, tariffs, period, now)

Inputs
    ``BillingOrg`` (IANA timezone, ISO 4217 currency, trial dates inclusive),
    ``UsageSpan`` (the ledger; ``ended_at=None`` = still running, cut at ``now``),
    ``PriceVersion`` (monthly price per camera in minor units, from a local date),
    ``TariffInfo`` (display name), ``Period`` (local dates, both inclusive:
    ``month_period(2026, 10)``, ``this_month(now, tz)``, ``last_month(now, tz)``).

Rules
    * Scope: ``orgs[0]`` pays; only spans whose ``organization_id`` is in
      ``orgs`` are rated (others are counted in ``skipped_spans``).  Each
      organization is rated in its own timezone and trial.
    * Proration per local calendar month.  SECOND (default): used time / real
      length of the month (743 h or 745 h across DST), so a full month costs
      exactly the monthly price.  DAY: started local days / days in the month.
    * A price version effective from date D applies from D 00:00 local; usage
      before a tariff's first version raises ``NoPriceForPeriod``.
    * Trial days (first and last inclusive, local) are priced 0, kept as trial
      lines and summed in ``Statement.trial`` at list price for display.
    * Exact arithmetic (``Fraction`` inside, ``Decimal``/``int`` at the edges);
      one rounding rule, ``money.ROUNDING`` = half-up, applied once per line
      and once per tax rate.  Total = sum of rounded lines + tax.
    * Individual prices and taxes per organization: ``rate_period(..., terms=Terms(...))``
      (see :mod:`.terms` for the kinds, the rounding and who wins in a hierarchy).
    * Mixed currencies (organizations or used prices) raise ``MixedCurrency``.

Money input: ``parse_amount("12.50", "EUR") -> 1250``; ``to_minor``,
``from_minor``, ``round_minor``.  All errors derive from ``BillingError``.
"""

from __future__ import annotations

from .errors import (
    AmountTooLarge,
    BillingError,
    InvalidAmount,
    InvalidPeriod,
    InvalidPriceList,
    InvalidScope,
    InvalidSpan,
    InvalidTaxRate,
    MixedCurrency,
    MoneyError,
    NaiveDatetime,
    NegativeAmount,
    NoPriceForPeriod,
    OverlappingSpans,
    TooManyDecimals,
    UnknownCurrency,
    UnknownTariff,
    UnknownTimezone,
)
from .invoicing import build_invoice, tax_minor, tax_shares
from .money import ROUNDING, exponent, format_plain, from_minor, parse_amount, round_minor, to_minor
from .periods import Period, last_month, month_bounds, month_period, month_seconds, split_by_month, this_month
from .pricing import price_in_force
from .rating import rate_period, rate_rollup
from .scope import invoice_scope, payer_id
from .terms import AdjustmentKind, NoTaxForPeriod, PriceAdjustment, TaxAssignment, TaxVersion, Terms
from .types import (
    BillingOrg,
    Charge,
    InvoiceDraft,
    InvoiceLine,
    PriceVersion,
    ProrationMode,
    Statement,
    TariffInfo,
    TaxShare,
    TrialShare,
    UsageSpan,
)

__all__ = [
    "tax_shares",
    "TaxShare",
    "Terms",
    "TaxVersion",
    "TaxAssignment",
    "PriceAdjustment",
    "NoTaxForPeriod",
    "AdjustmentKind",
    "AmountTooLarge",
    "BillingError",
    "BillingOrg",
    "Charge",
    "InvalidAmount",
    "InvalidPeriod",
    "InvalidPriceList",
    "InvalidScope",
    "InvalidSpan",
    "InvalidTaxRate",
    "InvoiceDraft",
    "InvoiceLine",
    "MixedCurrency",
    "MoneyError",
    "NaiveDatetime",
    "NegativeAmount",
    "NoPriceForPeriod",
    "OverlappingSpans",
    "Period",
    "PriceVersion",
    "ProrationMode",
    "ROUNDING",
    "Statement",
    "TariffInfo",
    "TooManyDecimals",
    "TrialShare",
    "UnknownCurrency",
    "UnknownTariff",
    "UnknownTimezone",
    "UsageSpan",
    "build_invoice",
    "exponent",
    "format_plain",
    "from_minor",
    "invoice_scope",
    "last_month",
    "month_bounds",
    "month_period",
    "month_seconds",
    "parse_amount",
    "payer_id",
    "price_in_force",
    "rate_period",
    "rate_rollup",
    "round_minor",
    "split_by_month",
    "tax_minor",
    "this_month",
    "to_minor",
]
