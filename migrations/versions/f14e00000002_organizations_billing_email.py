"""organizations.billing_email: where invoices, reminders and receipts go

Empty (the default for existing organizations) means the owner's address.

Revision ID: f14e00000002
Revises: f14e00000001
Create Date: 2026-11-30 16:11:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f14e00000002"
down_revision = "f14e00000001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("organizations", sa.Column("billing_email", sa.String(length=254), server_default="", nullable=False))


def downgrade():
    op.drop_column("organizations", "billing_email")  # SQLite >= 3.35 drops a column in place
