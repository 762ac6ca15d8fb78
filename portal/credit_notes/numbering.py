"""Gapless credit-note numbers: ``CN-<year>-<6 digits>``, one counter row per year.

Same scheme as invoices (:mod:`portal.invoices.numbering`), own counter: the row is created
if missing, locked (``SELECT .. FOR UPDATE``) and incremented in the caller's transaction, so
a rolled-back credit note gives its number back.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.models import CreditNoteSequence


def format_number(year: int, value: int) -> str:
    """``CN-2026-000001``."""
    return f"CN-{year}-{value:06d}"


def next_number(year: int) -> str:
    """Take the next credit-note number of ``year`` (inside the unit of work that issues it)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(CreditNoteSequence).values(year=year, last_value=0).on_conflict_do_nothing(index_elements=["year"])
    )
    current = db.session.execute(
        select(CreditNoteSequence.last_value).where(CreditNoteSequence.year == year).with_for_update()
    ).scalar_one()
    db.session.execute(
        update(CreditNoteSequence)
        .where(CreditNoteSequence.year == year)
        .values(last_value=current + 1)
        .execution_options(synchronize_session=False)
    )
    return format_number(year, current + 1)
