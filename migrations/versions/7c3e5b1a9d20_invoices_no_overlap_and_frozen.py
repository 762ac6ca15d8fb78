"""invoices: the database refuses overlapping non-void invoices and changes to issued ones

On PostgreSQL: btree_gist + an EXCLUDE constraint on (organization_id,
daterange(period_start, period_end, '[]')) WHERE status <> 'void'; on SQLite:
BEFORE INSERT/UPDATE triggers doing the same.  On both, triggers refuse: a status
change other than draft->issued, issued->paid, issued->void, paid->void; any
change to a non-draft invoice beyond its lifecycle fields (paid_on/payment_reference
on issued->paid, void_reason/voided_at on ->void); deleting a non-draft invoice;
adding, changing or deleting the lines or camera annex of a non-draft invoice.
The models get the same DDL via after_create events (portal/models/invoice_rules.py);
the statements are copied here so this revision never changes when that module does.
Downgrade keeps the btree_gist extension (other objects may use it).

Revision ID: 7c3e5b1a9d20
Revises: df7729251a42
Create Date: 2026-11-23 10:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c3e5b1a9d20'
down_revision = 'df7729251a42'
branch_labels = None
depends_on = None

UPGRADE = {
    "sqlite": [   "CREATE TRIGGER invoices_no_overlap_insert BEFORE INSERT ON invoices WHEN NEW.status <> 'void' "
    'AND EXISTS (SELECT 1 FROM invoices AS other WHERE other.organization_id = NEW.organization_id '
    "AND other.status <> 'void' AND other.id IS NOT NEW.id AND other.period_start <= "
    "NEW.period_end AND other.period_end >= NEW.period_start) BEGIN SELECT RAISE(ABORT, 'invoice "
    "period overlaps another non-void invoice of this organization'); END",
    "CREATE TRIGGER invoices_no_overlap_update BEFORE UPDATE ON invoices WHEN NEW.status <> 'void' "
    'AND EXISTS (SELECT 1 FROM invoices AS other WHERE other.organization_id = NEW.organization_id '
    "AND other.status <> 'void' AND other.id IS NOT NEW.id AND other.period_start <= "
    "NEW.period_end AND other.period_end >= NEW.period_start) BEGIN SELECT RAISE(ABORT, 'invoice "
    "period overlaps another non-void invoice of this organization'); END",
    "CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices WHEN OLD.status <> 'draft' AND "
    '((NEW.id, NEW.number, NEW.organization_id, NEW.period_start, NEW.period_end, NEW.currency, '
    'NEW.subtotal_minor, NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, NEW.issue_date, '
    'NEW.due_date, NEW.issued_at, NEW.bill_to, NEW.created_at) IS NOT (OLD.id, OLD.number, '
    'OLD.organization_id, OLD.period_start, OLD.period_end, OLD.currency, OLD.subtotal_minor, '
    'OLD.tax_minor, OLD.total_minor, OLD.tax_rate_bp, OLD.issue_date, OLD.due_date, OLD.issued_at, '
    'OLD.bill_to, OLD.created_at) OR ((NEW.paid_on, NEW.payment_reference) IS NOT (OLD.paid_on, '
    "OLD.payment_reference) AND NOT (OLD.status = 'issued' AND NEW.status = 'paid')) OR "
    '((NEW.void_reason, NEW.voided_at) IS NOT (OLD.void_reason, OLD.voided_at) AND NOT (OLD.status '
    "IN ('issued', 'paid') AND NEW.status = 'void'))) BEGIN SELECT RAISE(ABORT, 'an issued invoice "
    "cannot change'); END",
    'CREATE TRIGGER invoices_status_transition BEFORE UPDATE ON invoices WHEN NEW.status <> '
    "OLD.status AND (OLD.status || '>' || NEW.status) NOT IN ('draft>issued', 'issued>paid', "
    "'issued>void', 'paid>void') BEGIN SELECT RAISE(ABORT, 'invoice status may only go draft -> "
    "issued, issued -> paid, issued -> void or paid -> void'); END",
    "CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices WHEN OLD.status <> 'draft' BEGIN "
    "SELECT RAISE(ABORT, 'an issued invoice cannot be deleted'); END",
    'CREATE TRIGGER invoice_lines_frozen_insert BEFORE INSERT ON invoice_lines WHEN (SELECT status '
    "FROM invoices WHERE id = NEW.invoice_id) <> 'draft' BEGIN SELECT RAISE(ABORT, 'an issued "
    "invoice cannot change'); END",
    'CREATE TRIGGER invoice_lines_frozen_update BEFORE UPDATE ON invoice_lines WHEN (SELECT status '
    "FROM invoices WHERE id = NEW.invoice_id) <> 'draft' OR (SELECT status FROM invoices WHERE id "
    "= OLD.invoice_id) <> 'draft' BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot change'); "
    'END',
    'CREATE TRIGGER invoice_lines_frozen_delete BEFORE DELETE ON invoice_lines WHEN (SELECT status '
    "FROM invoices WHERE id = OLD.invoice_id) <> 'draft' BEGIN SELECT RAISE(ABORT, 'an issued "
    "invoice cannot change'); END",
    'CREATE TRIGGER invoice_camera_lines_frozen_insert BEFORE INSERT ON invoice_camera_lines WHEN '
    "(SELECT status FROM invoices WHERE id = NEW.invoice_id) <> 'draft' BEGIN SELECT RAISE(ABORT, "
    "'an issued invoice cannot change'); END",
    'CREATE TRIGGER invoice_camera_lines_frozen_update BEFORE UPDATE ON invoice_camera_lines WHEN '
    "(SELECT status FROM invoices WHERE id = NEW.invoice_id) <> 'draft' OR (SELECT status FROM "
    "invoices WHERE id = OLD.invoice_id) <> 'draft' BEGIN SELECT RAISE(ABORT, 'an issued invoice "
    "cannot change'); END",
    'CREATE TRIGGER invoice_camera_lines_frozen_delete BEFORE DELETE ON invoice_camera_lines WHEN '
    "(SELECT status FROM invoices WHERE id = OLD.invoice_id) <> 'draft' BEGIN SELECT RAISE(ABORT, "
    "'an issued invoice cannot change'); END"],
    "postgresql": [   'CREATE EXTENSION IF NOT EXISTS btree_gist',
    'ALTER TABLE invoices ADD CONSTRAINT ex_invoices_no_overlap EXCLUDE USING gist '
    "(organization_id WITH =, daterange(period_start, period_end, '[]') WITH &&) WHERE (status <> "
    "'void')",
    'CREATE FUNCTION invoices_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE '
    "EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'integrity_constraint_violation'; END $$",
    'CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices FOR EACH ROW WHEN (OLD.status <> '
    "'draft' AND ((NEW.id, NEW.number, NEW.organization_id, NEW.period_start, NEW.period_end, "
    'NEW.currency, NEW.subtotal_minor, NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, '
    'NEW.issue_date, NEW.due_date, NEW.issued_at, NEW.bill_to, NEW.created_at) IS DISTINCT FROM '
    '(OLD.id, OLD.number, OLD.organization_id, OLD.period_start, OLD.period_end, OLD.currency, '
    'OLD.subtotal_minor, OLD.tax_minor, OLD.total_minor, OLD.tax_rate_bp, OLD.issue_date, '
    'OLD.due_date, OLD.issued_at, OLD.bill_to, OLD.created_at) OR ((NEW.paid_on, '
    'NEW.payment_reference) IS DISTINCT FROM (OLD.paid_on, OLD.payment_reference) AND NOT '
    "(OLD.status = 'issued' AND NEW.status = 'paid')) OR ((NEW.void_reason, NEW.voided_at) IS "
    "DISTINCT FROM (OLD.void_reason, OLD.voided_at) AND NOT (OLD.status IN ('issued', 'paid') AND "
    "NEW.status = 'void')))) EXECUTE FUNCTION invoices_refuse_change('an issued invoice cannot "
    "change')",
    'CREATE TRIGGER invoices_status_transition BEFORE UPDATE ON invoices FOR EACH ROW WHEN '
    "(NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN ('draft>issued', "
    "'issued>paid', 'issued>void', 'paid>void')) EXECUTE FUNCTION invoices_refuse_change('invoice "
    "status may only go draft -> issued, issued -> paid, issued -> void or paid -> void')",
    'CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices FOR EACH ROW WHEN (OLD.status <> '
    "'draft') EXECUTE FUNCTION invoices_refuse_change('an issued invoice cannot be deleted')",
    'CREATE FUNCTION invoice_lines_refuse_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF '
    "TG_OP <> 'DELETE' THEN IF (SELECT status FROM invoices WHERE id = NEW.invoice_id) <> 'draft' "
    "THEN RAISE EXCEPTION 'an issued invoice cannot change' USING ERRCODE = "
    "'integrity_constraint_violation'; END IF; END IF; IF TG_OP <> 'INSERT' THEN IF (SELECT status "
    "FROM invoices WHERE id = OLD.invoice_id) <> 'draft' THEN RAISE EXCEPTION 'an issued invoice "
    "cannot change' USING ERRCODE = 'integrity_constraint_violation'; END IF; END IF; IF TG_OP = "
    "'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
    'CREATE TRIGGER invoice_lines_frozen BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines FOR '
    'EACH ROW EXECUTE FUNCTION invoice_lines_refuse_frozen()',
    'CREATE TRIGGER invoice_camera_lines_frozen BEFORE INSERT OR UPDATE OR DELETE ON '
    'invoice_camera_lines FOR EACH ROW EXECUTE FUNCTION invoice_lines_refuse_frozen()'],
}

DOWNGRADE = {
    "sqlite": [   'DROP TRIGGER IF EXISTS invoices_no_overlap_insert',
    'DROP TRIGGER IF EXISTS invoices_no_overlap_update',
    'DROP TRIGGER IF EXISTS invoices_frozen',
    'DROP TRIGGER IF EXISTS invoices_status_transition',
    'DROP TRIGGER IF EXISTS invoices_no_delete',
    'DROP TRIGGER IF EXISTS invoice_lines_frozen_insert',
    'DROP TRIGGER IF EXISTS invoice_lines_frozen_update',
    'DROP TRIGGER IF EXISTS invoice_lines_frozen_delete',
    'DROP TRIGGER IF EXISTS invoice_camera_lines_frozen_insert',
    'DROP TRIGGER IF EXISTS invoice_camera_lines_frozen_update',
    'DROP TRIGGER IF EXISTS invoice_camera_lines_frozen_delete'],
    "postgresql": [   'DROP TRIGGER IF EXISTS invoice_camera_lines_frozen ON invoice_camera_lines',
    'DROP TRIGGER IF EXISTS invoice_lines_frozen ON invoice_lines',
    'DROP FUNCTION IF EXISTS invoice_lines_refuse_frozen()',
    'DROP TRIGGER IF EXISTS invoices_no_delete ON invoices',
    'DROP TRIGGER IF EXISTS invoices_status_transition ON invoices',
    'DROP TRIGGER IF EXISTS invoices_frozen ON invoices',
    'DROP FUNCTION IF EXISTS invoices_refuse_change()',
    'ALTER TABLE invoices DROP CONSTRAINT IF EXISTS ex_invoices_no_overlap'],
}


def upgrade():
    for statement in UPGRADE.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DOWNGRADE.get(op.get_bind().dialect.name, []):
        op.execute(statement)
