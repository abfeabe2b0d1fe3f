"""enforcements: what the bailiffs report (ФССП reconciliation, docs/fssp.md)

The status of the enforcement proceeding, the article of 229-ФЗ it ended on, the bailiff in charge, the day the
status last changed (a movement for the silence alert) and the day of the last reconciliation. Existing rows keep NULL.

Revision ID: fssp
Revises: messages
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fssp'
down_revision = 'case_links'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enforcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proceedings_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('end_article', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('bailiff_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('status_changed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reconciled_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('enforcements', schema=None) as batch_op:
        batch_op.drop_column('reconciled_on')
        batch_op.drop_column('status_changed_on')
        batch_op.drop_column('bailiff_name')
        batch_op.drop_column('end_article')
        batch_op.drop_column('proceedings_status')
