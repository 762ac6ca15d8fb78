"""The guards of the finance routes, in ONE place.

Every route that records or changes money (payments, refunds, reversals, the bank import,
credit notes) is decorated with :data:`finance_write_required`; the finance lists an
operator reads with :data:`finance_read_required`.  Today both admit billing admins only;
allowing another role (e.g. an accountant) is a one-line change here.
"""

from __future__ import annotations

from portal.security import admin_required

#: Guard of every route that changes payments, refunds or credit notes.
finance_write_required = admin_required
#: Guard of the operator's finance pages (payments of an organization, a payment, the bank import preview).
finance_read_required = admin_required
