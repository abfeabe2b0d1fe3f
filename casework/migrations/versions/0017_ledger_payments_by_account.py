"""ledger_entries: an index of an account's payments by date, partial (kind = 'payment'; PostgreSQL carries the
amount in it) — issue 15 item 3: the dashboard's receipts by stage read one short range per stage interval instead
of every payment of the year

Revision ID: ledger_payments_by_account
Revises: ledger_created_brin
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ledger_payments_by_account'
down_revision = 'ledger_created_brin'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_payments_by_account', ['account_id', 'paid_on'], unique=False,
                              postgresql_include=['amount_kop'], postgresql_where=sa.text("kind = 'payment'"),
                              sqlite_where=sa.text("kind = 'payment'"))


def downgrade():
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_payments_by_account', postgresql_where=sa.text("kind = 'payment'"),
                            sqlite_where=sa.text("kind = 'payment'"))
