"""ГИС ЖКХ debt requests from social-protection offices: gis_requests, gis_exports, gis_houses

docs/gis-zhkh.md. New tables only; nothing existing changes.

Revision ID: gis_requests
Revises: premises_cadastral
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'gis_requests'
down_revision = 'ledger_reversals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'gis_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_guid', sa.String(length=36), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_guid'),
    )
    op.create_table(
        'gis_houses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fias_house_guid', sa.String(length=36), nullable=False),
        sa.Column('building_id', sa.Integer(), nullable=False),
        sa.Column('learned_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('fias_house_guid'),
    )
    with op.batch_alter_table('gis_houses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gis_houses_building_id'), ['building_id'], unique=False)
    op.create_table(
        'gis_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subrequest_guid', sa.String(length=36), nullable=False),
        sa.Column('request_guid', sa.String(length=36), nullable=True),
        sa.Column('request_number', sa.String(length=60), nullable=True),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.Column('gis_due_on', sa.Date(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('org_name', sa.String(length=500), nullable=True),
        sa.Column('org_guid', sa.String(length=36), nullable=True),
        sa.Column('applicant_name', sa.String(length=300), nullable=True),
        sa.Column('applicant_snils', sa.String(length=14), nullable=True),
        sa.Column('applicant_document', sa.String(length=100), nullable=True),
        sa.Column('fias_house_guid', sa.String(length=36), nullable=True),
        sa.Column('house_guid', sa.String(length=36), nullable=True),
        sa.Column('address', sa.String(length=1000), nullable=False),
        sa.Column('flat', sa.String(length=60), nullable=True),
        sa.Column('period_from', sa.Date(), nullable=True),
        sa.Column('period_to', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('match_note', sa.Text(), nullable=True),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('party_id', sa.Integer(), nullable=True),
        sa.Column('matched_by_id', sa.Integer(), nullable=True),
        sa.Column('matched_at', sa.DateTime(), nullable=True),
        sa.Column('has_debt', sa.Boolean(), nullable=True),
        sa.Column('answer', sa.JSON(), nullable=True),
        sa.Column('description', sa.String(length=1000), nullable=True),
        sa.Column('transport_guid', sa.String(length=36), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('answered_on', sa.Date(), nullable=True),
        sa.Column('export_id', sa.Integer(), nullable=True),
        sa.Column('debt_kop', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['export_id'], ['gis_exports.id'], ),
        sa.ForeignKeyConstraint(['matched_by_id'], ['users.id'], ),
        sa.ForeignKeyConstraint(['party_id'], ['parties.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subrequest_guid'),
    )
    with op.batch_alter_table('gis_requests', schema=None) as batch_op:
        batch_op.create_index('ix_gis_requests_status_due', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_gis_requests_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gis_requests_export_id'), ['export_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gis_requests_fias_house_guid'), ['fias_house_guid'], unique=False)
        batch_op.create_index(batch_op.f('ix_gis_requests_request_number'), ['request_number'], unique=False)


def downgrade():
    with op.batch_alter_table('gis_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gis_requests_request_number'))
        batch_op.drop_index(batch_op.f('ix_gis_requests_fias_house_guid'))
        batch_op.drop_index(batch_op.f('ix_gis_requests_export_id'))
        batch_op.drop_index(batch_op.f('ix_gis_requests_account_id'))
        batch_op.drop_index('ix_gis_requests_status_due')
    op.drop_table('gis_requests')
    with op.batch_alter_table('gis_houses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gis_houses_building_id'))
    op.drop_table('gis_houses')
    op.drop_table('gis_exports')
