"""watcher_outbox.last_error_at: when the last failed delivery happened (the Sync page shows it)

Revision ID: a13c0003
Revises: a13c0002
Create Date: 2026-11-30 14:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = 'a13c0003'
down_revision = 'a13c0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('watcher_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('watcher_outbox', schema=None) as batch_op:
        batch_op.drop_column('last_error_at')
