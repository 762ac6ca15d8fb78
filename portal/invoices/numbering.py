"""Gapless invoice numbers: ``INV-<year>-<6 digits>``, one counter row per year.

The row is created if missing (``INSERT .. ON CONFLICT DO NOTHING``), then stepped
by ``UPDATE .. RETURNING`` in the caller's transaction: on
PostgreSQL the row lock serialises concurrent issuers until commit; on SQLite the
database write lock does.  A rolled-back issue gives its number back, so numbers
have no gaps; a voided invoice keeps its number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.models import InvoiceSequence


def format_number(year: int, value: int) -> str:
    """``INV-2026-000001``."""
    return f"INV-{year}-{value:06d}"


def reserve(sequence: Any, year: int, count: int = 1, session: Any = None) -> int:
    """Take ``count`` consecutive values of ``year``'s counter in ``sequence`` (a model with ``year``
    and ``last_value``: invoices' or credit notes'); returns the first.

    The counter row is created if missing, then stepped by one ``UPDATE .. RETURNING``, which
    holds the row until the caller's transaction ends: a rollback gives the values back.
    """
    session = session if session is not None else db.session
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(sequence).values(year=year, last_value=0).on_conflict_do_nothing(index_elements=["year"]))
    last = session.execute(
        update(sequence)
        .where(sequence.year == year)
        .values(last_value=sequence.last_value + count)
        .returning(sequence.last_value)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(last) - count + 1


def next_number(year: int) -> str:
    """Take the next number of ``year`` (call inside the unit of work that issues)."""
    return format_number(year, reserve(InvoiceSequence, year))
