"""ledger_stamps (with the triggers that replace the stamp) and documents (rendered PDFs)

The ledger stamp keys the Usages page's statement cache: triggers on every table a statement
reads replace it in the same transaction as the change (portal/models/stamp_rules.py).
Documents hold rendered invoice PDFs in the database, keyed by the document's version, so
every portal host serves the same file (portal/documents/).

Revision ID: b12b00000001
Revises: g15a00000001
Create Date: 2026-11-30 16:30:00

"""

import sqlalchemy as sa
from alembic import op

import portal.models.base
from portal.models import stamp_rules as ledger_rules

# revision identifiers, used by Alembic.
revision = "b12b00000001"
down_revision = "g15a00000001"
branch_labels = None
depends_on = None

#: The tables watched at this revision (a later revision adds its own to the list in the module).
TABLES = [
    "usage_intervals",
    "tariff_prices",
    "invoices",
    "invoice_coverage",
    "individual_prices",
    "organization_terms",
    "tax_rates",
    "suspensions",
    "tariffs",
    "cameras",
    "organizations",
]


def _triggers(dialect):
    head = [ledger_rules.PG_FUNCTION] if dialect == "postgresql" else []
    return head + ledger_rules.upgrade_statements_for(dialect, TABLES)


def upgrade():
    op.create_table(
        "ledger_stamps",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_stamps")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rendered_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'ready', 'failed')", name=op.f("ck_documents_state_known")),
        sa.CheckConstraint("state <> 'ready' OR body IS NOT NULL", name=op.f("ck_documents_ready_has_body")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("kind", "owner_id", "version", name="uq_documents_kind_owner_version"),
    )
    for statement in _triggers(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in ledger_rules.downgrade_statements(dialect):
        op.execute(statement)
    op.drop_table("documents")
    op.drop_table("ledger_stamps")
