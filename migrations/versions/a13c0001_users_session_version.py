"""users.session_version: bumping it voids every session and remember cookie of the user

Revision ID: a13c0001
Revises: 3f8a2c6d1e47
Create Date: 2026-11-30 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a13c0001'
down_revision = '3f8a2c6d1e47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
