"""organizations.timezone_changed_at: when an organization's time zone last changed

Set by an ORM event when an existing organization's zone changes.  Only such an
organization's first period not yet invoiced can start where its last invoiced
period ended (portal/invoices/coverage.py); the others cost the rating no query.
Existing organizations start with none (no change recorded).

Revision ID: e7a4b5c6d904
Revises: d6f3a4b5c803
Create Date: 2026-11-30 14:00:00

"""
import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = 'e7a4b5c6d904'
down_revision = 'd6f3a4b5c803'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("organizations", sa.Column("timezone_changed_at", portal.models.base.UTCDateTime(timezone=True),
                                             nullable=True))


def downgrade():
    op.drop_column("organizations", "timezone_changed_at")  # SQLite >= 3.35 drops a column in place
