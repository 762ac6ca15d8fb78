"""users.language and organizations.document_language

A user's interface language (NULL: follow the browser's Accept-Language) and the
language an organization's documents are written in (invoices and, later, credit
notes, statements and reminders).  Existing organizations keep English documents.

Revision ID: g15a00000001
Revises: h15b00000001
Create Date: 2026-11-30 16:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'g15a00000001'
down_revision = 'h15b00000001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("organizations", sa.Column("document_language", sa.String(length=8), server_default="en",
                                             nullable=False))


def downgrade():
    op.drop_column("organizations", "document_language")  # SQLite >= 3.35 drops a column in place
    op.drop_column("users", "language")
