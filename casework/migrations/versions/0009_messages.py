"""messages: e-mail and SMS to debtors with their status, cost and the provider's answers (docs/messages.md)

Revision ID: messages
Revises: premises_cadastral
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'messages'
down_revision = 'api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('party_id', sa.Integer(), nullable=True),
        sa.Column('addressee', sa.String(length=300), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('to_address', sa.String(length=200), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('provider', sa.String(length=20), nullable=True),
        sa.Column('provider_id', sa.String(length=200), nullable=True),
        sa.Column('provider_status', sa.String(length=40), nullable=True),
        sa.Column('cost_kop', sa.BigInteger(), nullable=True),
        sa.Column('provider_answer', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('delivered_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("channel IN ('email','sms')", name=op.f('ck_messages_channel')),
        sa.CheckConstraint("status IN ('queued','sent','delivered','failed','refused')",
                           name=op.f('ck_messages_status')),
        sa.CheckConstraint("kind IN ('notice','reminder','warning')", name=op.f('ck_messages_kind')),
        sa.CheckConstraint('cost_kop IS NULL OR cost_kop >= 0', name=op.f('ck_messages_cost')),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_messages_account_id_accounts')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_messages_case_id_cases')),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_messages_contact_id_contacts')),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_messages_document_id_documents')),
        sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_messages_party_id_parties')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_account', ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_messages_provider_id', ['provider', 'provider_id'], unique=False)
        batch_op.create_index('ix_messages_status_queued', ['status', 'queued_at'], unique=False)


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_status_queued')
        batch_op.drop_index('ix_messages_provider_id')
        batch_op.drop_index(batch_op.f('ix_messages_case_id'))
        batch_op.drop_index('ix_messages_account')
    op.drop_table('messages')
