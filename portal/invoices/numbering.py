"""Gapless invoice numbers: ``INV-<year>-<6 digits>``, one counter row per year.

The row is created if missing (``INSERT .. ON CONFLICT DO NOTHING``), then read
with ``SELECT .. FOR UPDATE`` and incremented in the caller's transaction: on
PostgreSQL the row lock serialises concurrent issuers until commit; on SQLite the
database write lock does.  A rolled-back issue gives its number back, so numbers
have no gaps; a voided invoice keeps its number.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.models import InvoiceSequence


def format_number(year: int, value: int) -> str:
    """``INV-2026-000001``."""
    return f"INV-{year}-{value:06d}"


def next_number(year: int) -> str:
    """Take the next number of ``year`` (call inside the unit of work that issues)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(InvoiceSequence).values(year=year, last_value=0).on_conflict_do_nothing(index_elements=["year"])
    )
    current = db.session.execute(
        select(InvoiceSequence.last_value).where(InvoiceSequence.year == year).with_for_update()
    ).scalar_one()
    db.session.execute(
        update(InvoiceSequence)
        .where(InvoiceSequence.year == year)
        .values(last_value=current + 1)
        .execution_options(synchronize_session=False)
    )
    return format_number(year, current + 1)
