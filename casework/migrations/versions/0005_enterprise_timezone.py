"""enterprises.timezone: the enterprise's time zone (IANA name)

The business date («today»), deadlines, the daily job and every displayed time follow it. Existing enterprises
keep NULL, which means the DEFAULT_TIMEZONE setting (Europe/Moscow unless configured), until an administrator
picks the zone on the enterprise page.

Revision ID: enterprise_timezone
Revises: import_aliases
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'enterprise_timezone'
down_revision = 'import_aliases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_column('timezone')
