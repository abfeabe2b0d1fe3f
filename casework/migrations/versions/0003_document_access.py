"""documents: one-time issue tokens (idempotent issue), identifiers flag and masked copy

Revision ID: document_access
Revises: session_tokens
Create Date: 2026-11-23 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'document_access'
down_revision = 'session_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carries_pii', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('masked_path', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('issue_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_documents_issue_token', ['issue_token'])
    with op.batch_alter_table('document_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issue_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_document_batches_issue_token', ['issue_token'])


def downgrade():
    with op.batch_alter_table('document_batches', schema=None) as batch_op:
        batch_op.drop_constraint('uq_document_batches_issue_token', type_='unique')
        batch_op.drop_column('issue_token')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint('uq_documents_issue_token', type_='unique')
        batch_op.drop_column('issue_token')
        batch_op.drop_column('masked_path')
        batch_op.drop_column('carries_pii')
