"""The ledger stamp: one row whose random ``stamp`` changes whenever anything a statement is
made of changes, so a cached statement keyed by it can never be stale.

The DATABASE keeps it (see :mod:`portal.models.stamp_rules`): triggers on every table a
statement reads (usage intervals, price versions, tariff names, camera names, organizations'
billing fields, invoices and their coverage) replace the stamp in the same transaction as the
change, whoever writes (the ORM, a bulk ``INSERT ... SELECT``, the sync, psql).  A random value
rather than a counter: a database emptied or restored from a backup never meets an old cache
entry under a key that means something else now.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base

#: The id of the one row.
LEDGER_ROW = 1


class LedgerStamp(Base):
    """The current version of the billing ledger (one row, id 1; absent until the first change)."""

    __tablename__ = "ledger_stamps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[str] = mapped_column(String(40))
