"""invoices keep their period as UTC instants and zone; invoice_coverage refuses overlaps on instants

Issue #11 ("periods are instants"): an invoice stores the time zone its period was
computed in and the period as UTC instants (invoices.timezone, period_start_at,
period_end_at; frozen once issued, like the other figures), and one
invoice_coverage row per organization whose usage it carries, with the instants of
that organization's usage it bills.  The database refuses two non-voided coverage
rows of one organization that overlap: an EXCLUDE constraint on tstzrange on
PostgreSQL, BEFORE INSERT/UPDATE triggers on SQLite (portal/models/coverage_rules.py,
copied here), and an invoice that becomes void releases its coverage (a trigger).  Existing invoices are filled in from their local dates in their
organization's current zone (the best record there is), covering that organization.
The frozen-invoice trigger is re-created with the new columns.  Columns are added
with plain ALTER TABLE (no table copy), so the other invoice rules are untouched.

Revision ID: d6f3a4b5c803
Revises: c5e2f3a4b702
Create Date: 2026-11-30 13:50:00

"""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = 'd6f3a4b5c803'
down_revision = 'c5e2f3a4b702'
branch_labels = None
depends_on = None

#: The frozen-invoice trigger with the new columns (up) and as revision c5e2f3a4b702 left it (down).
FROZEN_UP = {'postgresql': 'CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices FOR EACH ROW WHEN '
               "(OLD.status <> 'draft' AND ((NEW.id, NEW.number, NEW.organization_id, "
               'NEW.period_start, NEW.period_end, NEW.timezone, NEW.period_start_at, '
               'NEW.period_end_at, NEW.currency, NEW.minor_units, NEW.subtotal_minor, '
               'NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, NEW.issue_date, NEW.due_date, '
               'NEW.issued_at, NEW.bill_to, NEW.created_at) IS DISTINCT FROM (OLD.id, OLD.number, '
               'OLD.organization_id, OLD.period_start, OLD.period_end, OLD.timezone, '
               'OLD.period_start_at, OLD.period_end_at, OLD.currency, OLD.minor_units, '
               'OLD.subtotal_minor, OLD.tax_minor, OLD.total_minor, OLD.tax_rate_bp, '
               'OLD.issue_date, OLD.due_date, OLD.issued_at, OLD.bill_to, OLD.created_at) OR '
               '((NEW.paid_on, NEW.payment_reference) IS DISTINCT FROM (OLD.paid_on, '
               "OLD.payment_reference) AND NOT (OLD.status = 'issued' AND NEW.status = 'paid')) OR "
               '((NEW.void_reason, NEW.voided_at) IS DISTINCT FROM (OLD.void_reason, '
               "OLD.voided_at) AND NOT (OLD.status IN ('issued', 'paid') AND NEW.status = "
               "'void')))) EXECUTE FUNCTION invoices_refuse_change('an issued invoice cannot "
               "change')",
 'sqlite': "CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices WHEN OLD.status <> 'draft' "
           'AND ((NEW.id, NEW.number, NEW.organization_id, NEW.period_start, NEW.period_end, '
           'NEW.timezone, NEW.period_start_at, NEW.period_end_at, NEW.currency, NEW.minor_units, '
           'NEW.subtotal_minor, NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, NEW.issue_date, '
           'NEW.due_date, NEW.issued_at, NEW.bill_to, NEW.created_at) IS NOT (OLD.id, OLD.number, '
           'OLD.organization_id, OLD.period_start, OLD.period_end, OLD.timezone, '
           'OLD.period_start_at, OLD.period_end_at, OLD.currency, OLD.minor_units, '
           'OLD.subtotal_minor, OLD.tax_minor, OLD.total_minor, OLD.tax_rate_bp, OLD.issue_date, '
           'OLD.due_date, OLD.issued_at, OLD.bill_to, OLD.created_at) OR ((NEW.paid_on, '
           'NEW.payment_reference) IS NOT (OLD.paid_on, OLD.payment_reference) AND NOT (OLD.status '
           "= 'issued' AND NEW.status = 'paid')) OR ((NEW.void_reason, NEW.voided_at) IS NOT "
           "(OLD.void_reason, OLD.voided_at) AND NOT (OLD.status IN ('issued', 'paid') AND "
           "NEW.status = 'void'))) BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot change'); "
           'END'}
COVERAGE_UP = {'postgresql': ['CREATE EXTENSION IF NOT EXISTS btree_gist',
                'ALTER TABLE invoice_coverage ADD CONSTRAINT ex_invoice_coverage_no_overlap '
                "EXCLUDE USING gist (organization_id WITH =, tstzrange(start_at, end_at, '[)') "
                'WITH &&) WHERE (NOT voided)',
                'CREATE FUNCTION invoices_void_coverage() RETURNS trigger LANGUAGE plpgsql AS $$ '
                'BEGIN UPDATE invoice_coverage SET voided = true WHERE invoice_id = NEW.id; RETURN '
                'NEW; END $$',
                'CREATE TRIGGER invoices_void_coverage AFTER UPDATE OF status ON invoices FOR EACH '
                "ROW WHEN (NEW.status = 'void') EXECUTE FUNCTION invoices_void_coverage()"],
 'sqlite': ['CREATE TRIGGER invoice_coverage_no_overlap_insert BEFORE INSERT ON invoice_coverage '
            'WHEN NOT NEW.voided AND EXISTS (SELECT 1 FROM invoice_coverage AS other WHERE '
            'other.organization_id = NEW.organization_id AND NOT other.voided AND other.id IS NOT '
            'NEW.id AND other.start_at < NEW.end_at AND other.end_at > NEW.start_at) BEGIN SELECT '
            "RAISE(ABORT, 'invoice coverage overlaps another non-void invoice of this "
            "organization'); END",
            'CREATE TRIGGER invoice_coverage_no_overlap_update BEFORE UPDATE ON invoice_coverage '
            'WHEN NOT NEW.voided AND EXISTS (SELECT 1 FROM invoice_coverage AS other WHERE '
            'other.organization_id = NEW.organization_id AND NOT other.voided AND other.id IS NOT '
            'NEW.id AND other.start_at < NEW.end_at AND other.end_at > NEW.start_at) BEGIN SELECT '
            "RAISE(ABORT, 'invoice coverage overlaps another non-void invoice of this "
            "organization'); END",
            'CREATE TRIGGER invoices_void_coverage AFTER UPDATE OF status ON invoices WHEN '
            "NEW.status = 'void' BEGIN UPDATE invoice_coverage SET voided = 1 WHERE invoice_id = "
            'NEW.id; END']}
COVERAGE_DOWN = {'postgresql': ['DROP TRIGGER IF EXISTS invoices_void_coverage ON invoices',
                'DROP FUNCTION IF EXISTS invoices_void_coverage()',
                'ALTER TABLE invoice_coverage DROP CONSTRAINT IF EXISTS '
                'ex_invoice_coverage_no_overlap'],
 'sqlite': ['DROP TRIGGER IF EXISTS invoice_coverage_no_overlap_insert',
            'DROP TRIGGER IF EXISTS invoice_coverage_no_overlap_update',
            'DROP TRIGGER IF EXISTS invoices_void_coverage']}
DROP_FROZEN = {"sqlite": "DROP TRIGGER IF EXISTS invoices_frozen",
               "postgresql": "DROP TRIGGER IF EXISTS invoices_frozen ON invoices"}


def _previous_frozen(dialect: str) -> str:
    import importlib.util
    from pathlib import Path
    path = Path(__file__).with_name("c5e2f3a4b702_invoice_minor_units_frozen.py")
    spec = importlib.util.spec_from_file_location("_rev_c5e2f3a4b702", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FROZEN[dialect]


def _midnight(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def _bind_time(value: datetime, dialect: str):
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect in DROP_FROZEN:
        op.execute(DROP_FROZEN[dialect])
    op.add_column("invoices", sa.Column("timezone", sa.String(length=64), nullable=True))
    op.add_column("invoices", sa.Column("period_start_at", portal.models.base.UTCDateTime(timezone=True),
                                        nullable=True))
    op.add_column("invoices", sa.Column("period_end_at", portal.models.base.UTCDateTime(timezone=True),
                                        nullable=True))
    op.create_table(
        "invoice_coverage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("start_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_invoice_coverage_ordered")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_coverage_invoice_id_invoices"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_invoice_coverage_organization_id_organizations"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_coverage")),
    )
    op.create_index(op.f("ix_invoice_coverage_invoice_id"), "invoice_coverage", ["invoice_id"], unique=False)
    op.create_index(op.f("ix_invoice_coverage_organization_id"), "invoice_coverage", ["organization_id"],
                    unique=False)
    rows = bind.execute(sa.text(
        "SELECT invoices.id, invoices.organization_id, invoices.period_start, invoices.period_end, "
        "invoices.status, organizations.timezone FROM invoices "
        "JOIN organizations ON organizations.id = invoices.organization_id")).all()
    for invoice_id, org_id, start, end, status, tz in rows:
        start = start if isinstance(start, date) else date.fromisoformat(str(start))
        end = end if isinstance(end, date) else date.fromisoformat(str(end))
        start_at = _bind_time(_midnight(start, tz), dialect)
        end_at = _bind_time(_midnight(end + timedelta(days=1), tz), dialect)
        bind.execute(sa.text("UPDATE invoices SET timezone = :tz, period_start_at = :s, period_end_at = :e "
                             "WHERE id = :id"), {"tz": tz, "s": start_at, "e": end_at, "id": invoice_id})
        bind.execute(sa.text("INSERT INTO invoice_coverage (invoice_id, organization_id, timezone, start_at, "
                             "end_at, voided) VALUES (:id, :org, :tz, :s, :e, :v)"),
                     {"id": invoice_id, "org": org_id, "tz": tz, "s": start_at, "e": end_at,
                      "v": status == "void"})
    for statement in COVERAGE_UP.get(dialect, []):
        op.execute(statement)
    if dialect in FROZEN_UP:
        op.execute(FROZEN_UP[dialect])


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in COVERAGE_DOWN.get(dialect, []):
        op.execute(statement)
    op.drop_index(op.f("ix_invoice_coverage_organization_id"), table_name="invoice_coverage")
    op.drop_index(op.f("ix_invoice_coverage_invoice_id"), table_name="invoice_coverage")
    op.drop_table("invoice_coverage")
    if dialect in DROP_FROZEN:
        op.execute(DROP_FROZEN[dialect])
    op.drop_column("invoices", "period_end_at")
    op.drop_column("invoices", "period_start_at")
    op.drop_column("invoices", "timezone")
    if dialect in FROZEN_UP:
        op.execute(_previous_frozen(dialect))
