"""mail_outbox.organization_id and dedup_key: billing mail on the organization's timeline, once

``organization_id`` ties a message to the organization it concerns (its timeline
lists it); ``dedup_key`` is unique when set, so the daily reminder job can never
queue the same reminder twice.

Revision ID: f14e00000003
Revises: f14e00000002
Create Date: 2026-11-30 16:12:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f14e00000003"
down_revision = "f14e00000002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dedup_key", sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f("ix_mail_outbox_organization_id"), ["organization_id"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_mail_outbox_dedup_key"), ["dedup_key"])
        batch_op.create_foreign_key(
            batch_op.f("fk_mail_outbox_organization_id_organizations"),
            "organizations",
            ["organization_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_mail_outbox_organization_id_organizations"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_mail_outbox_dedup_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_mail_outbox_organization_id"))
        batch_op.drop_column("dedup_key")
        batch_op.drop_column("organization_id")
