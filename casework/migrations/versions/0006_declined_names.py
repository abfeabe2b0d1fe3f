"""enterprises: the administrator's declined forms of the name and the signatory ('' = the dictionary's)

Revision ID: declined_names
Revises: enterprise_timezone
Create Date: 2026-12-05 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'declined_names'
down_revision = 'enterprise_timezone'
branch_labels = None
depends_on = None

COLUMNS = (('name_gen', 400), ('name_dat', 400), ('name_ins', 400), ('signatory_position_gen', 200),
           ('signatory_name_gen', 200))


def upgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        for name, _length in reversed(COLUMNS):
            batch_op.drop_column(name)
