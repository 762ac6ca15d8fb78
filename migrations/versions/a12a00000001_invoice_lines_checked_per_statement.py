"""invoice lines: adding lines to a non-draft invoice is checked once per statement (PostgreSQL)

The rule is unchanged (the lines and camera annex of a non-draft invoice are never added
to, changed or deleted); on PostgreSQL an INSERT is now checked by one AFTER ... FOR EACH
STATEMENT trigger over the rows it inserted (a transition table) instead of one look-up per
row: a month's bulk insert of camera lines paid a per-row trigger for each of them.  Updates
and deletions stay checked per row.  SQLite has no statement triggers: nothing changes there.
The statements are copied from portal/models/invoice_rules.py so this revision never changes.

Revision ID: a12a00000001
Revises: b12b00000001
Create Date: 2026-11-30 16:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a12a00000001'
down_revision = 'b12b00000001'
branch_labels = None
depends_on = None

UPGRADE = {"postgresql": [
    'DROP TRIGGER invoice_lines_frozen ON invoice_lines',
    'DROP TRIGGER invoice_camera_lines_frozen ON invoice_camera_lines',
    'CREATE TRIGGER invoice_lines_frozen BEFORE UPDATE OR DELETE ON invoice_lines FOR EACH ROW EXECUTE FUNCTION invoice_lines_refuse_frozen()',
    'CREATE TRIGGER invoice_camera_lines_frozen BEFORE UPDATE OR DELETE ON invoice_camera_lines FOR EACH ROW EXECUTE FUNCTION invoice_lines_refuse_frozen()',
    "CREATE FUNCTION invoice_lines_refuse_frozen_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM inserted JOIN invoices ON invoices.id = inserted.invoice_id WHERE invoices.status <> 'draft') THEN RAISE EXCEPTION 'an issued invoice cannot change' USING ERRCODE = 'integrity_constraint_violation'; END IF; RETURN NULL; END $$",
    'CREATE TRIGGER invoice_lines_frozen_insert AFTER INSERT ON invoice_lines REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION invoice_lines_refuse_frozen_insert()',
    'CREATE TRIGGER invoice_camera_lines_frozen_insert AFTER INSERT ON invoice_camera_lines REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION invoice_lines_refuse_frozen_insert()',
]}

DOWNGRADE = {"postgresql": [
    'DROP TRIGGER IF EXISTS invoice_camera_lines_frozen_insert ON invoice_camera_lines',
    'DROP TRIGGER IF EXISTS invoice_lines_frozen_insert ON invoice_lines',
    'DROP FUNCTION IF EXISTS invoice_lines_refuse_frozen_insert()',
    'DROP TRIGGER invoice_lines_frozen ON invoice_lines',
    'DROP TRIGGER invoice_camera_lines_frozen ON invoice_camera_lines',
    'CREATE TRIGGER invoice_lines_frozen BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines FOR EACH ROW EXECUTE FUNCTION invoice_lines_refuse_frozen()',
    'CREATE TRIGGER invoice_camera_lines_frozen BEFORE INSERT OR UPDATE OR DELETE ON invoice_camera_lines FOR EACH ROW EXECUTE FUNCTION invoice_lines_refuse_frozen()',
]}


def upgrade():
    for statement in UPGRADE.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DOWNGRADE.get(op.get_bind().dialect.name, []):
        op.execute(statement)
