"""jobs: job_runs (the job queue's runs with progress and checkpoints), the bulk batch's resumable input, and one
open case per account enforced by the database

- job_runs: one row per long job (casework/jobs); the procrastinate queue's own schema is applied on PostgreSQL
  (procrastinate_* tables and functions; left out of the model comparison, see casework.jobs.queue.include_object).
- document_batches.account_ids/params/issued_on/skipped: the batch's input and checkpoint (resume after a kill).
- uq_cases_one_open_per_account: a partial unique index on cases(account_id) WHERE is_open. A database that already
  holds two open cases of one account (two `casework daily` at once, before this release) is refused with the list
  of accounts: close the younger duplicate by hand (the case page), then upgrade again.

Revision ID: jobs
Revises: premises_cadastral
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'jobs'
down_revision = 'gis_requests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('subject', sa.String(length=80), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=True),
        sa.Column('checkpoint', sa.JSON(), nullable=True),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('queue_job_id', sa.BigInteger(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_job_runs_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index('ix_job_runs_subject', ['subject'], unique=False)

    with op.batch_alter_table('document_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('skipped', sa.JSON(), nullable=True))

    bind = op.get_bind()
    twice = bind.execute(sa.text("SELECT account_id FROM cases WHERE is_open = :t GROUP BY account_id "
                                 "HAVING COUNT(*) > 1 ORDER BY account_id"), {"t": True}).scalars().all()
    if twice:
        raise RuntimeError(f"{len(twice)} accounts have more than one open case (account ids: "
                           f"{', '.join(map(str, twice[:50]))}{' …' if len(twice) > 50 else ''}); close the younger "
                           "duplicates, then upgrade again")
    op.create_index('uq_cases_one_open_per_account', 'cases', ['account_id'], unique=True,
                    postgresql_where=sa.text('is_open'), sqlite_where=sa.text('is_open'))

    if bind.dialect.name == 'postgresql':
        from casework.jobs.queue import ensure_schema

        ensure_schema(bind)


def downgrade():
    op.drop_index('uq_cases_one_open_per_account', table_name='cases')
    with op.batch_alter_table('document_batches', schema=None) as batch_op:
        batch_op.drop_column('skipped')
        batch_op.drop_column('issued_on')
        batch_op.drop_column('params')
        batch_op.drop_column('account_ids')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_subject')
        batch_op.drop_index('ix_job_runs_state_created')
    op.drop_table('job_runs')
