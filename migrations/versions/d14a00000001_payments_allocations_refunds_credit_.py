"""payments, allocations, refunds, credit notes; the database refuses over-allocation

New tables payments, allocations, refunds, credit_notes, credit_note_lines and
credit_note_sequences, plus triggers (portal/models/ledger_rules.py, copied here so this
revision never changes when that module does) refusing an allocation above what is open on
its invoice or left of its payment/credit note, and a refund above what is left of its
payment.  The invoice triggers invoices_frozen and invoices_status_transition are replaced
so a reversed payment can reopen a paid invoice (paid -> issued, clearing paid_on and
payment_reference); downgrade puts the old ones back.

Revision ID: d14a00000001
Revises: f14e00000003
Create Date: 2026-11-30 16:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models.base


# revision identifiers, used by Alembic.
revision = 'd14a00000001'
down_revision = 'f14e00000003'
branch_labels = None
depends_on = None

#: The invoice triggers this revision replaces (paid -> issued allowed, clearing the payment).

INVOICE_DROP = {'postgresql': ['DROP TRIGGER IF EXISTS invoices_frozen ON invoices',
                'DROP TRIGGER IF EXISTS invoices_status_transition ON invoices'],
 'sqlite': ['DROP TRIGGER IF EXISTS invoices_frozen', 'DROP TRIGGER IF EXISTS invoices_status_transition']}

INVOICE_NEW = {'postgresql': ['CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices FOR EACH ROW WHEN (OLD.status <> '
                "'draft' AND ((NEW.id, NEW.number, NEW.organization_id, NEW.period_start, NEW.period_end, "
                'NEW.timezone, NEW.period_start_at, NEW.period_end_at, NEW.currency, NEW.minor_units, '
                'NEW.subtotal_minor, NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, NEW.issue_date, '
                'NEW.due_date, NEW.issued_at, NEW.bill_to, NEW.created_at) IS DISTINCT FROM (OLD.id, '
                'OLD.number, OLD.organization_id, OLD.period_start, OLD.period_end, OLD.timezone, '
                'OLD.period_start_at, OLD.period_end_at, OLD.currency, OLD.minor_units, OLD.subtotal_minor, '
                'OLD.tax_minor, OLD.total_minor, OLD.tax_rate_bp, OLD.issue_date, OLD.due_date, '
                'OLD.issued_at, OLD.bill_to, OLD.created_at) OR ((NEW.paid_on, NEW.payment_reference) IS '
                "DISTINCT FROM (OLD.paid_on, OLD.payment_reference) AND NOT (OLD.status = 'issued' AND "
                "NEW.status = 'paid') AND NOT (OLD.status = 'paid' AND NEW.status = 'issued')) OR "
                '((NEW.void_reason, NEW.voided_at) IS DISTINCT FROM (OLD.void_reason, OLD.voided_at) AND NOT '
                "(OLD.status IN ('issued', 'paid') AND NEW.status = 'void')))) EXECUTE FUNCTION "
                "invoices_refuse_change('an issued invoice cannot change')",
                'CREATE TRIGGER invoices_status_transition BEFORE UPDATE ON invoices FOR EACH ROW WHEN '
                "(NEW.status <> OLD.status AND ((OLD.status || '>' || NEW.status) NOT IN ('draft>issued', "
                "'issued>paid', 'issued>void', 'paid>void', 'paid>issued') OR (OLD.status = 'paid' AND "
                "NEW.status = 'issued' AND (NEW.paid_on IS NOT NULL OR NEW.payment_reference IS NOT NULL)))) "
                "EXECUTE FUNCTION invoices_refuse_change('invoice status may only go draft -> issued, issued "
                "-> paid, issued -> void, paid -> void or paid -> issued clearing the payment')"],
 'sqlite': ["CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices WHEN OLD.status <> 'draft' AND "
            '((NEW.id, NEW.number, NEW.organization_id, NEW.period_start, NEW.period_end, NEW.timezone, '
            'NEW.period_start_at, NEW.period_end_at, NEW.currency, NEW.minor_units, NEW.subtotal_minor, '
            'NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, NEW.issue_date, NEW.due_date, NEW.issued_at, '
            'NEW.bill_to, NEW.created_at) IS NOT (OLD.id, OLD.number, OLD.organization_id, OLD.period_start, '
            'OLD.period_end, OLD.timezone, OLD.period_start_at, OLD.period_end_at, OLD.currency, '
            'OLD.minor_units, OLD.subtotal_minor, OLD.tax_minor, OLD.total_minor, OLD.tax_rate_bp, '
            'OLD.issue_date, OLD.due_date, OLD.issued_at, OLD.bill_to, OLD.created_at) OR ((NEW.paid_on, '
            'NEW.payment_reference) IS NOT (OLD.paid_on, OLD.payment_reference) AND NOT (OLD.status = '
            "'issued' AND NEW.status = 'paid') AND NOT (OLD.status = 'paid' AND NEW.status = 'issued')) OR "
            '((NEW.void_reason, NEW.voided_at) IS NOT (OLD.void_reason, OLD.voided_at) AND NOT (OLD.status '
            "IN ('issued', 'paid') AND NEW.status = 'void'))) BEGIN SELECT RAISE(ABORT, 'an issued invoice "
            "cannot change'); END",
            'CREATE TRIGGER invoices_status_transition BEFORE UPDATE ON invoices WHEN NEW.status <> '
            "OLD.status AND ((OLD.status || '>' || NEW.status) NOT IN ('draft>issued', 'issued>paid', "
            "'issued>void', 'paid>void', 'paid>issued') OR (OLD.status = 'paid' AND NEW.status = 'issued' "
            'AND (NEW.paid_on IS NOT NULL OR NEW.payment_reference IS NOT NULL))) BEGIN SELECT RAISE(ABORT, '
            "'invoice status may only go draft -> issued, issued -> paid, issued -> void, paid -> void or "
            "paid -> issued clearing the payment'); END"]}

INVOICE_OLD = {'postgresql': ['CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices FOR EACH ROW WHEN (OLD.status <> '
                "'draft' AND ((NEW.id, NEW.number, NEW.organization_id, NEW.period_start, NEW.period_end, "
                'NEW.timezone, NEW.period_start_at, NEW.period_end_at, NEW.currency, NEW.minor_units, '
                'NEW.subtotal_minor, NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, NEW.issue_date, '
                'NEW.due_date, NEW.issued_at, NEW.bill_to, NEW.created_at) IS DISTINCT FROM (OLD.id, '
                'OLD.number, OLD.organization_id, OLD.period_start, OLD.period_end, OLD.timezone, '
                'OLD.period_start_at, OLD.period_end_at, OLD.currency, OLD.minor_units, OLD.subtotal_minor, '
                'OLD.tax_minor, OLD.total_minor, OLD.tax_rate_bp, OLD.issue_date, OLD.due_date, '
                'OLD.issued_at, OLD.bill_to, OLD.created_at) OR ((NEW.paid_on, NEW.payment_reference) IS '
                "DISTINCT FROM (OLD.paid_on, OLD.payment_reference) AND NOT (OLD.status = 'issued' AND "
                "NEW.status = 'paid')) OR ((NEW.void_reason, NEW.voided_at) IS DISTINCT FROM "
                "(OLD.void_reason, OLD.voided_at) AND NOT (OLD.status IN ('issued', 'paid') AND NEW.status = "
                "'void')))) EXECUTE FUNCTION invoices_refuse_change('an issued invoice cannot change')",
                'CREATE TRIGGER invoices_status_transition BEFORE UPDATE ON invoices FOR EACH ROW WHEN '
                "(NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN ('draft>issued', "
                "'issued>paid', 'issued>void', 'paid>void')) EXECUTE FUNCTION "
                "invoices_refuse_change('invoice status may only go draft -> issued, issued -> paid, issued "
                "-> void or paid -> void')"],
 'sqlite': ["CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices WHEN OLD.status <> 'draft' AND "
            '((NEW.id, NEW.number, NEW.organization_id, NEW.period_start, NEW.period_end, NEW.timezone, '
            'NEW.period_start_at, NEW.period_end_at, NEW.currency, NEW.minor_units, NEW.subtotal_minor, '
            'NEW.tax_minor, NEW.total_minor, NEW.tax_rate_bp, NEW.issue_date, NEW.due_date, NEW.issued_at, '
            'NEW.bill_to, NEW.created_at) IS NOT (OLD.id, OLD.number, OLD.organization_id, OLD.period_start, '
            'OLD.period_end, OLD.timezone, OLD.period_start_at, OLD.period_end_at, OLD.currency, '
            'OLD.minor_units, OLD.subtotal_minor, OLD.tax_minor, OLD.total_minor, OLD.tax_rate_bp, '
            'OLD.issue_date, OLD.due_date, OLD.issued_at, OLD.bill_to, OLD.created_at) OR ((NEW.paid_on, '
            'NEW.payment_reference) IS NOT (OLD.paid_on, OLD.payment_reference) AND NOT (OLD.status = '
            "'issued' AND NEW.status = 'paid')) OR ((NEW.void_reason, NEW.voided_at) IS NOT "
            "(OLD.void_reason, OLD.voided_at) AND NOT (OLD.status IN ('issued', 'paid') AND NEW.status = "
            "'void'))) BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot change'); END",
            'CREATE TRIGGER invoices_status_transition BEFORE UPDATE ON invoices WHEN NEW.status <> '
            "OLD.status AND (OLD.status || '>' || NEW.status) NOT IN ('draft>issued', 'issued>paid', "
            "'issued>void', 'paid>void') BEGIN SELECT RAISE(ABORT, 'invoice status may only go draft -> "
            "issued, issued -> paid, issued -> void or paid -> void'); END"]}

#: Allocation and refund rules (portal/models/ledger_rules.py), copied.

LEDGER_UP = {'postgresql': ['CREATE FUNCTION allocations_check() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE inv '
                'RECORD; src RECORD; used BIGINT; refunded BIGINT; BEGIN IF NEW.released_at IS NOT NULL THEN '
                'RETURN NEW; END IF; SELECT status, currency, total_minor INTO inv FROM invoices WHERE id = '
                "NEW.invoice_id FOR UPDATE; IF NOT FOUND OR inv.status NOT IN ('issued', 'paid') OR "
                "inv.currency <> NEW.currency THEN RAISE EXCEPTION 'an allocation needs an issued or paid "
                "invoice in the same currency' USING ERRCODE = 'integrity_constraint_violation'; END IF; "
                'SELECT COALESCE(SUM(amount_minor), 0) INTO used FROM allocations WHERE invoice_id = '
                'NEW.invoice_id AND released_at IS NULL AND id IS DISTINCT FROM NEW.id; IF used + '
                "NEW.amount_minor > inv.total_minor THEN RAISE EXCEPTION 'allocation exceeds what is open on "
                "the invoice' USING ERRCODE = 'integrity_constraint_violation'; END IF; IF NEW.payment_id IS "
                'NOT NULL THEN SELECT amount_minor, currency, reversed_at INTO src FROM payments WHERE id = '
                'NEW.payment_id FOR UPDATE; SELECT COALESCE(SUM(amount_minor), 0) INTO used FROM allocations '
                'WHERE payment_id = NEW.payment_id AND released_at IS NULL AND id IS DISTINCT FROM NEW.id; '
                'SELECT COALESCE(SUM(amount_minor), 0) INTO refunded FROM refunds WHERE payment_id = '
                'NEW.payment_id; IF src.reversed_at IS NOT NULL OR src.currency <> NEW.currency OR used + '
                "refunded + NEW.amount_minor > src.amount_minor THEN RAISE EXCEPTION 'allocation exceeds "
                "what is left of the payment' USING ERRCODE = 'integrity_constraint_violation'; END IF; END "
                'IF; IF NEW.credit_note_id IS NOT NULL THEN SELECT total_minor, currency INTO src FROM '
                'credit_notes WHERE id = NEW.credit_note_id FOR UPDATE; SELECT COALESCE(SUM(amount_minor), '
                '0) INTO used FROM allocations WHERE credit_note_id = NEW.credit_note_id AND released_at IS '
                'NULL AND id IS DISTINCT FROM NEW.id; IF src.currency <> NEW.currency OR used + '
                "NEW.amount_minor > src.total_minor THEN RAISE EXCEPTION 'allocation exceeds what is left of "
                "the credit note' USING ERRCODE = 'integrity_constraint_violation'; END IF; END IF; RETURN "
                'NEW; END $$',
                'CREATE TRIGGER allocations_check BEFORE INSERT OR UPDATE ON allocations FOR EACH ROW '
                'EXECUTE FUNCTION allocations_check()',
                'CREATE FUNCTION refunds_check() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE src RECORD; '
                'used BIGINT; refunded BIGINT; BEGIN SELECT amount_minor, reversed_at INTO src FROM payments '
                'WHERE id = NEW.payment_id FOR UPDATE; SELECT COALESCE(SUM(amount_minor), 0) INTO used FROM '
                'allocations WHERE payment_id = NEW.payment_id AND released_at IS NULL; SELECT '
                'COALESCE(SUM(amount_minor), 0) INTO refunded FROM refunds WHERE payment_id = NEW.payment_id '
                'AND id IS DISTINCT FROM NEW.id; IF NOT FOUND OR src.reversed_at IS NOT NULL OR used + '
                "refunded + NEW.amount_minor > src.amount_minor THEN RAISE EXCEPTION 'refund exceeds what is "
                "left of the payment' USING ERRCODE = 'integrity_constraint_violation'; END IF; RETURN NEW; "
                'END $$',
                'CREATE TRIGGER refunds_check BEFORE INSERT OR UPDATE ON refunds FOR EACH ROW EXECUTE '
                'FUNCTION refunds_check()'],
 'sqlite': ['CREATE TRIGGER allocations_state_insert BEFORE INSERT ON allocations WHEN NEW.released_at IS '
            'NULL AND NOT EXISTS (SELECT 1 FROM invoices AS i WHERE i.id = NEW.invoice_id AND i.status IN '
            "('issued', 'paid') AND i.currency = NEW.currency) BEGIN SELECT RAISE(ABORT, 'an allocation "
            "needs an issued or paid invoice in the same currency'); END",
            'CREATE TRIGGER allocations_state_update BEFORE UPDATE ON allocations WHEN NEW.released_at IS '
            'NULL AND NOT EXISTS (SELECT 1 FROM invoices AS i WHERE i.id = NEW.invoice_id AND i.status IN '
            "('issued', 'paid') AND i.currency = NEW.currency) BEGIN SELECT RAISE(ABORT, 'an allocation "
            "needs an issued or paid invoice in the same currency'); END",
            'CREATE TRIGGER allocations_open_insert BEFORE INSERT ON allocations WHEN NEW.released_at IS '
            'NULL AND NEW.amount_minor + COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE '
            'a.invoice_id = NEW.invoice_id AND a.released_at IS NULL AND a.id IS NOT NEW.id), 0) > (SELECT '
            'i.total_minor FROM invoices AS i WHERE i.id = NEW.invoice_id) BEGIN SELECT RAISE(ABORT, '
            "'allocation exceeds what is open on the invoice'); END",
            'CREATE TRIGGER allocations_open_update BEFORE UPDATE ON allocations WHEN NEW.released_at IS '
            'NULL AND NEW.amount_minor + COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE '
            'a.invoice_id = NEW.invoice_id AND a.released_at IS NULL AND a.id IS NOT NEW.id), 0) > (SELECT '
            'i.total_minor FROM invoices AS i WHERE i.id = NEW.invoice_id) BEGIN SELECT RAISE(ABORT, '
            "'allocation exceeds what is open on the invoice'); END",
            'CREATE TRIGGER allocations_payment_insert BEFORE INSERT ON allocations WHEN NEW.released_at IS '
            'NULL AND NEW.payment_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.id = '
            'NEW.payment_id AND p.reversed_at IS NULL AND p.currency = NEW.currency AND NEW.amount_minor + '
            'COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE a.payment_id = NEW.payment_id '
            'AND a.released_at IS NULL AND a.id IS NOT NEW.id), 0) + COALESCE((SELECT SUM(r.amount_minor) '
            'FROM refunds AS r WHERE r.payment_id = NEW.payment_id AND r.id IS NOT NEW.id), 0) <= '
            "p.amount_minor) BEGIN SELECT RAISE(ABORT, 'allocation exceeds what is left of the payment'); "
            'END',
            'CREATE TRIGGER allocations_payment_update BEFORE UPDATE ON allocations WHEN NEW.released_at IS '
            'NULL AND NEW.payment_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.id = '
            'NEW.payment_id AND p.reversed_at IS NULL AND p.currency = NEW.currency AND NEW.amount_minor + '
            'COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE a.payment_id = NEW.payment_id '
            'AND a.released_at IS NULL AND a.id IS NOT NEW.id), 0) + COALESCE((SELECT SUM(r.amount_minor) '
            'FROM refunds AS r WHERE r.payment_id = NEW.payment_id AND r.id IS NOT NEW.id), 0) <= '
            "p.amount_minor) BEGIN SELECT RAISE(ABORT, 'allocation exceeds what is left of the payment'); "
            'END',
            'CREATE TRIGGER allocations_credit_insert BEFORE INSERT ON allocations WHEN NEW.released_at IS '
            'NULL AND NEW.credit_note_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM credit_notes AS c WHERE '
            'c.id = NEW.credit_note_id AND c.currency = NEW.currency AND NEW.amount_minor + COALESCE((SELECT '
            'SUM(a.amount_minor) FROM allocations AS a WHERE a.credit_note_id = NEW.credit_note_id AND '
            'a.released_at IS NULL AND a.id IS NOT NEW.id), 0) <= c.total_minor) BEGIN SELECT RAISE(ABORT, '
            "'allocation exceeds what is left of the credit note'); END",
            'CREATE TRIGGER allocations_credit_update BEFORE UPDATE ON allocations WHEN NEW.released_at IS '
            'NULL AND NEW.credit_note_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM credit_notes AS c WHERE '
            'c.id = NEW.credit_note_id AND c.currency = NEW.currency AND NEW.amount_minor + COALESCE((SELECT '
            'SUM(a.amount_minor) FROM allocations AS a WHERE a.credit_note_id = NEW.credit_note_id AND '
            'a.released_at IS NULL AND a.id IS NOT NEW.id), 0) <= c.total_minor) BEGIN SELECT RAISE(ABORT, '
            "'allocation exceeds what is left of the credit note'); END",
            'CREATE TRIGGER refunds_left_insert BEFORE INSERT ON refunds WHEN NOT EXISTS (SELECT 1 FROM '
            'payments AS p WHERE p.id = NEW.payment_id AND p.reversed_at IS NULL AND NEW.amount_minor + '
            'COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE a.payment_id = NEW.payment_id '
            'AND a.released_at IS NULL), 0) + COALESCE((SELECT SUM(r.amount_minor) FROM refunds AS r WHERE '
            'r.payment_id = NEW.payment_id AND r.id IS NOT NEW.id), 0) <= p.amount_minor) BEGIN SELECT '
            "RAISE(ABORT, 'refund exceeds what is left of the payment'); END",
            'CREATE TRIGGER refunds_left_update BEFORE UPDATE ON refunds WHEN NOT EXISTS (SELECT 1 FROM '
            'payments AS p WHERE p.id = NEW.payment_id AND p.reversed_at IS NULL AND NEW.amount_minor + '
            'COALESCE((SELECT SUM(a.amount_minor) FROM allocations AS a WHERE a.payment_id = NEW.payment_id '
            'AND a.released_at IS NULL), 0) + COALESCE((SELECT SUM(r.amount_minor) FROM refunds AS r WHERE '
            'r.payment_id = NEW.payment_id AND r.id IS NOT NEW.id), 0) <= p.amount_minor) BEGIN SELECT '
            "RAISE(ABORT, 'refund exceeds what is left of the payment'); END"]}

LEDGER_DOWN = {'postgresql': ['DROP TRIGGER IF EXISTS refunds_check ON refunds',
                'DROP FUNCTION IF EXISTS refunds_check()',
                'DROP TRIGGER IF EXISTS allocations_check ON allocations',
                'DROP FUNCTION IF EXISTS allocations_check()'],
 'sqlite': ['DROP TRIGGER IF EXISTS allocations_state_insert',
            'DROP TRIGGER IF EXISTS allocations_state_update',
            'DROP TRIGGER IF EXISTS allocations_open_insert',
            'DROP TRIGGER IF EXISTS allocations_open_update',
            'DROP TRIGGER IF EXISTS allocations_payment_insert',
            'DROP TRIGGER IF EXISTS allocations_payment_update',
            'DROP TRIGGER IF EXISTS allocations_credit_insert',
            'DROP TRIGGER IF EXISTS allocations_credit_update',
            'DROP TRIGGER IF EXISTS refunds_left_insert',
            'DROP TRIGGER IF EXISTS refunds_left_update']}


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('credit_note_sequences',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_credit_note_sequences'))
    )
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reversed_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reversal_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('(reversed_at IS NULL) = (reversal_reason IS NULL)', name=op.f('ck_payments_reversal_has_reason')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_payments_amount_positive')),
    sa.CheckConstraint('length(currency) = 3', name=op.f('ck_payments_currency_iso')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_payments_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_organization_id'), ['organization_id'], unique=False)

    op.create_table('credit_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('minor_units', sa.Integer(), nullable=False),
    sa.Column('subtotal_minor', sa.BigInteger(), nullable=False),
    sa.Column('tax_rate_bp', sa.Integer(), nullable=False),
    sa.Column('tax_minor', sa.BigInteger(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('issued_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(currency) = 3', name=op.f('ck_credit_notes_currency_iso')),
    sa.CheckConstraint('subtotal_minor > 0 AND tax_minor >= 0', name=op.f('ck_credit_notes_amounts_positive')),
    sa.CheckConstraint('total_minor = subtotal_minor + tax_minor', name=op.f('ck_credit_notes_total_adds_up')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_credit_notes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_credit_notes_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_credit_notes_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_notes')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_notes_number'))
    )
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_notes_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_notes_organization_id'), ['organization_id'], unique=False)

    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('refunded_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_refunds_amount_positive')),
    sa.CheckConstraint('length(currency) = 3', name=op.f('ck_refunds_currency_iso')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_refunds_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_refunds_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_refunds_payment_id_payments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_payment_id'), ['payment_id'], unique=False)

    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(payment_id IS NULL) <> (credit_note_id IS NULL)', name=op.f('ck_allocations_one_source')),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_allocations_amount_positive')),
    sa.CheckConstraint('length(currency) = 3', name=op.f('ck_allocations_currency_iso')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['credit_notes.id'], name=op.f('fk_allocations_credit_note_id_credit_notes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_allocations_invoice_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_allocations_payment_id_payments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_credit_note_id'), ['credit_note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_payment_id'), ['payment_id'], unique=False)

    op.create_table('credit_note_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_note_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('invoice_line_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_credit_note_lines_amount_positive')),
    sa.ForeignKeyConstraint(['credit_note_id'], ['credit_notes.id'], name=op.f('fk_credit_note_lines_credit_note_id_credit_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_line_id'], ['invoice_lines.id'], name=op.f('fk_credit_note_lines_invoice_line_id_invoice_lines'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_note_lines'))
    )
    with op.batch_alter_table('credit_note_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_note_lines_credit_note_id'), ['credit_note_id'], unique=False)
        batch_op.create_index('uq_credit_note_lines_invoice_line_id', ['invoice_line_id'], unique=True)

    # ### end Alembic commands ###
    _rules_up()


def downgrade():
    _rules_down()
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('credit_note_lines', schema=None) as batch_op:
        batch_op.drop_index('uq_credit_note_lines_invoice_line_id')
        batch_op.drop_index(batch_op.f('ix_credit_note_lines_credit_note_id'))

    op.drop_table('credit_note_lines')
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_payment_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_credit_note_id'))

    op.drop_table('allocations')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refunds_organization_id'))

    op.drop_table('refunds')
    with op.batch_alter_table('credit_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_notes_organization_id'))
        batch_op.drop_index(batch_op.f('ix_credit_notes_invoice_id'))

    op.drop_table('credit_notes')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_organization_id'))

    op.drop_table('payments')
    op.drop_table('credit_note_sequences')
    # ### end Alembic commands ###


def _run(statements):
    for statement in statements:
        op.execute(statement)


def _rules_up():
    dialect = op.get_bind().dialect.name
    _run(LEDGER_UP.get(dialect, []))
    _run(INVOICE_DROP.get(dialect, []))
    _run(INVOICE_NEW.get(dialect, []))


def _rules_down():
    dialect = op.get_bind().dialect.name
    _run(INVOICE_DROP.get(dialect, []))
    _run(INVOICE_OLD.get(dialect, []))
    _run(LEDGER_DOWN.get(dialect, []))
