"""court_records.document_id: the issued court application a filing came from (one record per event);
writeoff_proposals.periods: the months of a partial write-off

An issued court-order application or claim is the case's filing (casework/cases/links.py); the filing keeps the
document's id. A write-off of only the time-barred months names them ('YYYY-MM'). Existing rows keep NULL (a
proposal without months is a write-off of the whole debt, as before).

Revision ID: case_links
Revises: gis_requests
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'case_links'
down_revision = 'jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('court_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('writeoff_proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('periods', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('writeoff_proposals', schema=None) as batch_op:
        batch_op.drop_column('periods')
    with op.batch_alter_table('court_records', schema=None) as batch_op:
        batch_op.drop_column('document_id')
