"""account_service_months and service_months: the ledger summed per account, month and service, and per month and
service (issue 15 item 3: the breakdown by service and the dashboard's receipts read these, not the ledger)

Both are derived and kept by the figures refresh (casework.accounts.services); this revision fills them from the
ledger once, set-based, with the same attribution as account_months (openings, charges and recalculations by
billing period, payments by the month of paid_on).

Revision ID: service_months
Revises: fssp
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'service_months'
down_revision = 'fssp'
branch_labels = None
depends_on = None

_FIGURES = ('opening_kop', 'charged_kop', 'recalculated_kop', 'paid_kop', 'paid_enforcement_kop')


def _figure_columns():
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in _FIGURES]


def upgrade():
    op.create_table('account_service_months',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    *_figure_columns(),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_service_months_account_id_accounts')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_account_service_months_service_id_services')),
    sa.PrimaryKeyConstraint('account_id', 'month', 'service_id', name=op.f('pk_account_service_months'))
    )
    op.create_table('service_months',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    *_figure_columns(),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_months_service_id_services')),
    sa.PrimaryKeyConstraint('month', 'service_id', name=op.f('pk_service_months'))
    )
    pg = op.get_bind().dialect.name == 'postgresql'
    pay_month = "CAST(date_trunc('month', l.paid_on) AS DATE)" if pg else "substr(l.paid_on, 1, 8) || '01'"
    op.execute(f"""
        INSERT INTO account_service_months (account_id, month, service_id, opening_kop, charged_kop,
                                            recalculated_kop, paid_kop, paid_enforcement_kop)
        SELECT account_id, month, service_id, SUM(opening), SUM(charged), SUM(recalc), SUM(paid), SUM(paid_enf)
        FROM (
          SELECT l.account_id, l.period AS month, l.service_id,
                 CASE WHEN l.kind = 'opening' THEN l.amount_kop ELSE 0 END AS opening,
                 CASE WHEN l.kind = 'charge' THEN l.amount_kop ELSE 0 END AS charged,
                 CASE WHEN l.kind = 'recalculation' THEN l.amount_kop ELSE 0 END AS recalc,
                 0 AS paid, 0 AS paid_enf
          FROM ledger_entries l WHERE l.kind <> 'payment'
          UNION ALL
          SELECT l.account_id, {pay_month}, l.service_id, 0, 0, 0, l.amount_kop,
                 CASE WHEN l.source = 'enforcement' THEN l.amount_kop ELSE 0 END
          FROM ledger_entries l WHERE l.kind = 'payment'
        ) x GROUP BY account_id, month, service_id""")
    op.execute("""
        INSERT INTO service_months (month, service_id, opening_kop, charged_kop, recalculated_kop, paid_kop,
                                    paid_enforcement_kop)
        SELECT month, service_id, SUM(opening_kop), SUM(charged_kop), SUM(recalculated_kop), SUM(paid_kop),
               SUM(paid_enforcement_kop)
        FROM account_service_months GROUP BY month, service_id""")


def downgrade():
    op.drop_table('service_months')
    op.drop_table('account_service_months')
