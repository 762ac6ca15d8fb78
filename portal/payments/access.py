"""The guards of the finance routes, in ONE place.

Every route that records or changes money (payments, refunds, reversals, the bank import,
credit notes) is decorated with :data:`finance_write_required`; the finance lists an
operator reads with :data:`finance_read_required`.  Both admit billing admins and accountants
(the read-only finance role, whose only changes are payments and credit notes).
"""

from __future__ import annotations

from portal.security import finance_read_required, finance_write_required

__all__ = ["finance_read_required", "finance_write_required"]
