"""ledger reversals: the application's reversing entries of any kind, and «Отменить загрузку»

- ledger_entries.sign: a negative amount is allowed for any row that reverses another (reverses_id set), not only
  for payments: a corrected export replaces a changed charge or opening by its reversal plus the new row, and the
  undo of an import reverses every row of the batch (docs/import-format.md, «Corrected exports»);
- ix_ledger_reverses: the reversals of a row are looked up by reverses_id;
- import_batches.undone_at / undone_by_id: when and by whom an import was undone (status 'undone').

Revision ID: ledger_reversals
Revises: premises_cadastral
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ledger_reversals'
down_revision = 'messages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_ledger_entries_sign'), type_='check')
        batch_op.create_check_constraint(
            'sign', "amount_kop >= 0 OR kind = 'recalculation' OR reverses_id IS NOT NULL")
        batch_op.create_index('ix_ledger_reverses', ['reverses_id'], unique=False)
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undone_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('undone_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_import_batches_undone_by_id_users'), 'users', ['undone_by_id'],
                                    ['id'])


def downgrade():
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_import_batches_undone_by_id_users'), type_='foreignkey')
        batch_op.drop_column('undone_by_id')
        batch_op.drop_column('undone_at')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_reverses')
        batch_op.drop_constraint(batch_op.f('ck_ledger_entries_sign'), type_='check')
        batch_op.create_check_constraint(
            'sign', "amount_kop >= 0 OR kind = 'recalculation' OR (kind = 'payment' AND reverses_id IS NOT NULL)")
