"""court_records.document_id: the issued court application a filing came from (one record per event)

An issued court-order application or claim is the case's filing (casework/cases/links.py); the filing keeps the
document's id. Existing filings keep NULL.

Revision ID: case_links
Revises: premises_cadastral
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'case_links'
down_revision = 'premises_cadastral'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('court_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('court_records', schema=None) as batch_op:
        batch_op.drop_column('document_id')
