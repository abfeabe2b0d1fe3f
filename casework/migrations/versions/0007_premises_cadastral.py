"""premises.cadastral_number: the ЕГРН cadastral number of the premises

ЕГРН extracts (docs/egrn.md) are matched to accounts by it. Existing premises keep NULL.

Revision ID: premises_cadastral
Revises: declined_names
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'premises_cadastral'
down_revision = 'declined_names'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cadastral_number', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_premises_cadastral_number'), ['cadastral_number'], unique=False)


def downgrade():
    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_premises_cadastral_number'))
        batch_op.drop_column('cadastral_number')
