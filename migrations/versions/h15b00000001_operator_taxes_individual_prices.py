"""operator profile and logos, taxes with rates, organization terms, individual prices, invoice snapshots

Issue #15 items 2-4: the operator's identity printed on every document (one
operator_profiles row, logos stored by content hash), named taxes with
effective-dated rates, each organization's tax, tax ID and exemption note, and
individual prices of tariffs per organization.  Invoices get frozen JSON snapshots
of the seller, the buyer and the taxes per rate (a trigger refuses changing them
once issued; the statements are copied from portal/models/document_rules.py);
invoice lines get the list price and their tax rate.  Columns are added with plain
ALTER TABLE, so the other invoice rules are untouched.

Revision ID: h15b00000001
Revises: d14a00000001
Create Date: 2026-11-30 16:30:00

"""

import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = "h15b00000001"
down_revision = "d14a00000001"
branch_labels = None
depends_on = None

_UP = {
    "sqlite": "CREATE TRIGGER invoices_snapshots_frozen BEFORE UPDATE ON invoices WHEN OLD.status <> 'draft' AND "
    "(NEW.seller_snapshot, NEW.buyer_snapshot, NEW.tax_breakdown) IS NOT "
    "(OLD.seller_snapshot, OLD.buyer_snapshot, OLD.tax_breakdown) "
    "BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot change'); END",
    "postgresql": "CREATE TRIGGER invoices_snapshots_frozen BEFORE UPDATE ON invoices FOR EACH ROW WHEN "
    "(OLD.status <> 'draft' AND (NEW.seller_snapshot, NEW.buyer_snapshot, NEW.tax_breakdown) IS DISTINCT FROM "
    "(OLD.seller_snapshot, OLD.buyer_snapshot, OLD.tax_breakdown)) "
    "EXECUTE FUNCTION invoices_refuse_change('an issued invoice cannot change')",
}
_DOWN = {
    "sqlite": "DROP TRIGGER IF EXISTS invoices_snapshots_frozen",
    "postgresql": "DROP TRIGGER IF EXISTS invoices_snapshots_frozen ON invoices",
}


def upgrade():
    utc = portal.models.base.UTCDateTime(timezone=True)
    op.create_table(
        "document_logos",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("mime", sa.String(length=20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.CheckConstraint("mime IN ('image/png', 'image/jpeg')", name=op.f("ck_document_logos_mime_known")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_document_logos")),
    )
    op.create_table(
        "operator_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("tax_id", sa.String(length=64), nullable=False),
        sa.Column("registration", sa.Text(), nullable=False),
        sa.Column("payment_details", sa.Text(), nullable=False),
        sa.Column("footer", sa.Text(), nullable=False),
        sa.Column("logo_sha256", sa.String(length=64), nullable=True),
        sa.Column("updated_at", utc, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_operator_profiles_single_row")),
        sa.ForeignKeyConstraint(
            ["logo_sha256"],
            ["document_logos.sha256"],
            ondelete="RESTRICT",
            name=op.f("fk_operator_profiles_logo_sha256_document_logos"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_profiles")),
    )
    op.create_table(
        "taxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxes")),
        sa.UniqueConstraint("name", name=op.f("uq_taxes_name")),
    )
    op.create_table(
        "tax_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tax_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name=op.f("ck_tax_rates_rate_range")),
        sa.ForeignKeyConstraint(["tax_id"], ["taxes.id"], ondelete="CASCADE", name=op.f("fk_tax_rates_tax_id_taxes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rates")),
        sa.UniqueConstraint("tax_id", "effective_from", name="uq_tax_rates_tax_from"),
    )
    op.create_index(op.f("ix_tax_rates_tax_id"), "tax_rates", ["tax_id"], unique=False)
    op.create_table(
        "organization_terms",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("tax_id", sa.Integer(), nullable=True),
        sa.Column("customer_tax_id", sa.String(length=64), nullable=False),
        sa.Column("tax_note", sa.String(length=300), nullable=False),
        sa.Column("updated_at", utc, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            ondelete="CASCADE",
            name=op.f("fk_organization_terms_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["tax_id"], ["taxes.id"], ondelete="RESTRICT", name=op.f("fk_organization_terms_tax_id_taxes")
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_organization_terms")),
    )
    op.create_index(op.f("ix_organization_terms_tax_id"), "organization_terms", ["tax_id"], unique=False)
    op.create_table(
        "individual_prices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('list', 'override', 'percent', 'fixed')", name=op.f("ck_individual_prices_kind_known")
        ),
        sa.CheckConstraint(
            "value >= 0 AND (kind <> 'percent' OR value <= 10000)", name=op.f("ck_individual_prices_value_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], ondelete="SET NULL", name=op.f("fk_individual_prices_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            ondelete="CASCADE",
            name=op.f("fk_individual_prices_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"], ["tariffs.id"], ondelete="CASCADE", name=op.f("fk_individual_prices_tariff_id_tariffs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_individual_prices")),
        sa.UniqueConstraint(
            "organization_id", "tariff_id", "effective_from", name="uq_individual_prices_org_tariff_from"
        ),
    )
    op.create_index(
        op.f("ix_individual_prices_organization_id"), "individual_prices", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_individual_prices_tariff_id"), "individual_prices", ["tariff_id"], unique=False)
    for name in ("seller_snapshot", "buyer_snapshot", "tax_breakdown"):
        op.add_column("invoices", sa.Column(name, sa.Text(), nullable=True))
    op.add_column("invoice_lines", sa.Column("list_price_minor", sa.BigInteger(), nullable=True))
    op.add_column("invoice_lines", sa.Column("tax_name", sa.String(length=80), nullable=True))
    op.add_column("invoice_lines", sa.Column("tax_rate_bp", sa.Integer(), nullable=True))
    statement = _UP.get(op.get_bind().dialect.name)
    if statement:
        op.execute(statement)


def downgrade():
    statement = _DOWN.get(op.get_bind().dialect.name)
    if statement:
        op.execute(statement)
    for name in ("tax_rate_bp", "tax_name", "list_price_minor"):
        op.drop_column("invoice_lines", name)  # SQLite >= 3.35 drops a column in place
    for name in ("tax_breakdown", "buyer_snapshot", "seller_snapshot"):
        op.drop_column("invoices", name)
    op.drop_index(op.f("ix_individual_prices_tariff_id"), table_name="individual_prices")
    op.drop_index(op.f("ix_individual_prices_organization_id"), table_name="individual_prices")
    op.drop_table("individual_prices")
    op.drop_index(op.f("ix_organization_terms_tax_id"), table_name="organization_terms")
    op.drop_table("organization_terms")
    op.drop_index(op.f("ix_tax_rates_tax_id"), table_name="tax_rates")
    op.drop_table("tax_rates")
    op.drop_table("taxes")
    op.drop_table("operator_profiles")
    op.drop_table("document_logos")
