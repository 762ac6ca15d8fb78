"""dunning: per-organization policies, suspension windows, cameras moved to the live-only preset

Issue 14 (dunning with suspension in Watcher).  See portal/models/dunning.py.

Revision ID: e14d00000001
Revises: e7a4b5c6d904
Create Date: 2026-11-30 16:30:00

"""
import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = 'e14d00000001'
down_revision = 'e7a4b5c6d904'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dunning_policies",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("exempt", sa.Boolean(), nullable=False),
        sa.Column("suspend_after_days", sa.Integer(), nullable=True),
        sa.Column("tolerance_minor", sa.BigInteger(), nullable=True),
        sa.Column("stop_recording", sa.Boolean(), nullable=True),
        sa.Column("warned_on", sa.Date(), nullable=True),
        sa.Column("suspend_on", sa.Date(), nullable=True),
        sa.Column("updated_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("suspend_after_days IS NULL OR suspend_after_days >= 0",
                           name=op.f("ck_dunning_policies_days_not_negative")),
        sa.CheckConstraint("tolerance_minor IS NULL OR tolerance_minor >= 0",
                           name=op.f("ck_dunning_policies_tolerance_not_negative")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_dunning_policies_organization_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_dunning_policies")),
    )
    op.create_table(
        "suspensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("stop_recording", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name=op.f("ck_suspensions_ordered")),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_suspensions_organization_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["payer_id"], ["organizations.id"],
                                name=op.f("fk_suspensions_payer_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspensions")),
    )
    with op.batch_alter_table("suspensions", schema=None) as batch_op:
        batch_op.create_index("ix_suspensions_org_period", ["organization_id", "started_at", "ended_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_suspensions_payer_id"), ["payer_id"], unique=False)
        batch_op.create_index("uq_suspensions_one_open_per_organization", ["organization_id"], unique=True,
                              sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL"))
    op.create_table(
        "suspended_cameras",
        sa.Column("camera_name", sa.String(length=255), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("previous_preset_id", sa.Integer(), nullable=True),
        sa.Column("live_preset_id", sa.Integer(), nullable=False),
        sa.Column("moved_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_suspended_cameras_organization_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("camera_name", name=op.f("pk_suspended_cameras")),
    )
    with op.batch_alter_table("suspended_cameras", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suspended_cameras_organization_id"), ["organization_id"], unique=False)


def downgrade():
    with op.batch_alter_table("suspended_cameras", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suspended_cameras_organization_id"))
    op.drop_table("suspended_cameras")
    with op.batch_alter_table("suspensions", schema=None) as batch_op:
        batch_op.drop_index("uq_suspensions_one_open_per_organization",
                            sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL"))
        batch_op.drop_index(batch_op.f("ix_suspensions_payer_id"))
        batch_op.drop_index("ix_suspensions_org_period")
    op.drop_table("suspensions")
    op.drop_table("dunning_policies")
