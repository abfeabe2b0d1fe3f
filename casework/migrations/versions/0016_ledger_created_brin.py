"""ledger_entries: a BRIN index on created_at, PostgreSQL only (issue 15 item 3: «lines imported after the month was
closed», reports.queries.corrections_after_close, reads a few block ranges instead of the whole ledger)

The ledger is only appended to, so created_at follows the physical order of the rows: a BRIN index of a few pages
answers a range of it. SQLite has no BRIN; a B-tree there would cost every import for a rare check, so none is made.

Revision ID: ledger_created_brin
Revises: service_months
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ledger_created_brin'
down_revision = 'service_months'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_ledger_created_brin', 'ledger_entries', ['created_at'], unique=False,
                        postgresql_using='brin')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_ledger_created_brin', table_name='ledger_entries')
