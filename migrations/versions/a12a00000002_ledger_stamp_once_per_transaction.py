"""ledger stamp: one deferred call per transaction, not one per written row (PostgreSQL)

The stamp is replaced exactly as before, at commit, by the same deferred constraint trigger;
its ``WHEN`` condition now lets only the transaction's first watched row queue the call (a
transaction-local setting that a rolled-back savepoint or transaction undoes).  A first sync
inserting 100,000 usage intervals queued 100,000 deferred calls, held in the server's memory
until commit and run there one by one (0.2 s of its commit; ten times both at a million
cameras).  SQLite keeps its row triggers.  The statements are copied from
portal/models/stamp_rules.py so this revision never changes.

Revision ID: a12a00000002
Revises: a12a00000001
Create Date: 2026-11-30 22:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a12a00000002'
down_revision = 'a12a00000001'
branch_labels = None
depends_on = None

#: the triggers of every watched table, dropped before either version is created
_DROPS = [
    'DROP TRIGGER IF EXISTS usage_intervals_ledger_update ON usage_intervals',
    'DROP TRIGGER IF EXISTS usage_intervals_ledger_write ON usage_intervals',
    'DROP TRIGGER IF EXISTS tariff_prices_ledger_update ON tariff_prices',
    'DROP TRIGGER IF EXISTS tariff_prices_ledger_write ON tariff_prices',
    'DROP TRIGGER IF EXISTS invoices_ledger_update ON invoices',
    'DROP TRIGGER IF EXISTS invoices_ledger_write ON invoices',
    'DROP TRIGGER IF EXISTS invoice_coverage_ledger_update ON invoice_coverage',
    'DROP TRIGGER IF EXISTS invoice_coverage_ledger_write ON invoice_coverage',
    'DROP TRIGGER IF EXISTS individual_prices_ledger_update ON individual_prices',
    'DROP TRIGGER IF EXISTS individual_prices_ledger_write ON individual_prices',
    'DROP TRIGGER IF EXISTS organization_terms_ledger_update ON organization_terms',
    'DROP TRIGGER IF EXISTS organization_terms_ledger_write ON organization_terms',
    'DROP TRIGGER IF EXISTS tax_rates_ledger_update ON tax_rates',
    'DROP TRIGGER IF EXISTS tax_rates_ledger_write ON tax_rates',
    'DROP TRIGGER IF EXISTS suspensions_ledger_update ON suspensions',
    'DROP TRIGGER IF EXISTS suspensions_ledger_write ON suspensions',
    'DROP TRIGGER IF EXISTS tariffs_ledger_update ON tariffs',
    'DROP TRIGGER IF EXISTS cameras_ledger_update ON cameras',
    'DROP TRIGGER IF EXISTS organizations_ledger_update ON organizations',
]

UPGRADE = {"postgresql": [
    *_DROPS,
    "CREATE CONSTRAINT TRIGGER usage_intervals_ledger_update AFTER UPDATE ON usage_intervals DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER usage_intervals_ledger_write AFTER INSERT OR DELETE ON usage_intervals DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER tariff_prices_ledger_update AFTER UPDATE ON tariff_prices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER tariff_prices_ledger_write AFTER INSERT OR DELETE ON tariff_prices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER invoices_ledger_update AFTER UPDATE ON invoices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER invoices_ledger_write AFTER INSERT OR DELETE ON invoices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER invoice_coverage_ledger_update AFTER UPDATE ON invoice_coverage DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER invoice_coverage_ledger_write AFTER INSERT OR DELETE ON invoice_coverage DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER individual_prices_ledger_update AFTER UPDATE ON individual_prices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER individual_prices_ledger_write AFTER INSERT OR DELETE ON individual_prices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER organization_terms_ledger_update AFTER UPDATE ON organization_terms DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER organization_terms_ledger_write AFTER INSERT OR DELETE ON organization_terms DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER tax_rates_ledger_update AFTER UPDATE ON tax_rates DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER tax_rates_ledger_write AFTER INSERT OR DELETE ON tax_rates DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER suspensions_ledger_update AFTER UPDATE ON suspensions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER suspensions_ledger_write AFTER INSERT OR DELETE ON suspensions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER tariffs_ledger_update AFTER UPDATE ON tariffs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((OLD.name IS DISTINCT FROM NEW.name) AND current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER cameras_ledger_update AFTER UPDATE ON cameras DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((OLD.name IS DISTINCT FROM NEW.name OR OLD.title IS DISTINCT FROM NEW.title) AND current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
    "CREATE CONSTRAINT TRIGGER organizations_ledger_update AFTER UPDATE ON organizations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((OLD.title IS DISTINCT FROM NEW.title OR OLD.parent_id IS DISTINCT FROM NEW.parent_id OR OLD.timezone IS DISTINCT FROM NEW.timezone OR OLD.timezone_changed_at IS DISTINCT FROM NEW.timezone_changed_at OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.trial_start IS DISTINCT FROM NEW.trial_start OR OLD.trial_end IS DISTINCT FROM NEW.trial_end OR OLD.invoice_to_parent IS DISTINCT FROM NEW.invoice_to_parent) AND current_setting('portal.ledger_queued', true) IS DISTINCT FROM 'on' AND set_config('portal.ledger_queued', 'on', true) = 'on') EXECUTE FUNCTION ledger_touch()",
]}

DOWNGRADE = {"postgresql": [
    *_DROPS,
    'CREATE CONSTRAINT TRIGGER usage_intervals_ledger_update AFTER UPDATE ON usage_intervals DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER usage_intervals_ledger_write AFTER INSERT OR DELETE ON usage_intervals DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER tariff_prices_ledger_update AFTER UPDATE ON tariff_prices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER tariff_prices_ledger_write AFTER INSERT OR DELETE ON tariff_prices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER invoices_ledger_update AFTER UPDATE ON invoices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER invoices_ledger_write AFTER INSERT OR DELETE ON invoices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER invoice_coverage_ledger_update AFTER UPDATE ON invoice_coverage DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER invoice_coverage_ledger_write AFTER INSERT OR DELETE ON invoice_coverage DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER individual_prices_ledger_update AFTER UPDATE ON individual_prices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER individual_prices_ledger_write AFTER INSERT OR DELETE ON individual_prices DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER organization_terms_ledger_update AFTER UPDATE ON organization_terms DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER organization_terms_ledger_write AFTER INSERT OR DELETE ON organization_terms DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER tax_rates_ledger_update AFTER UPDATE ON tax_rates DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER tax_rates_ledger_write AFTER INSERT OR DELETE ON tax_rates DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER suspensions_ledger_update AFTER UPDATE ON suspensions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER suspensions_ledger_write AFTER INSERT OR DELETE ON suspensions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER tariffs_ledger_update AFTER UPDATE ON tariffs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((OLD.name IS DISTINCT FROM NEW.name)) EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER cameras_ledger_update AFTER UPDATE ON cameras DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((OLD.name IS DISTINCT FROM NEW.name OR OLD.title IS DISTINCT FROM NEW.title)) EXECUTE FUNCTION ledger_touch()',
    'CREATE CONSTRAINT TRIGGER organizations_ledger_update AFTER UPDATE ON organizations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((OLD.title IS DISTINCT FROM NEW.title OR OLD.parent_id IS DISTINCT FROM NEW.parent_id OR OLD.timezone IS DISTINCT FROM NEW.timezone OR OLD.timezone_changed_at IS DISTINCT FROM NEW.timezone_changed_at OR OLD.currency IS DISTINCT FROM NEW.currency OR OLD.trial_start IS DISTINCT FROM NEW.trial_start OR OLD.trial_end IS DISTINCT FROM NEW.trial_end OR OLD.invoice_to_parent IS DISTINCT FROM NEW.invoice_to_parent)) EXECUTE FUNCTION ledger_touch()',
]}


def upgrade():
    for statement in UPGRADE.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DOWNGRADE.get(op.get_bind().dialect.name, []):
        op.execute(statement)
