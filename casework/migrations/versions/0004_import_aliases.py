"""import aliases: values billings write for services, payment sources and categories (admin-editable)

Revision ID: import_aliases
Revises: document_access
Create Date: 2026-12-05 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'import_aliases'
down_revision = 'document_access'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('alias', sa.String(length=200), nullable=False),
    sa.Column('alias_norm', sa.String(length=200), nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('service','source','category')", name=op.f('ck_import_aliases_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_aliases_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_aliases')),
    sa.UniqueConstraint('kind', 'alias_norm', name=op.f('uq_import_aliases_kind_alias_norm'))
    )


def downgrade():
    op.drop_table('import_aliases')
