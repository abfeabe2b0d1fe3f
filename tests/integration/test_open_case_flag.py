"""`account_balances.has_open_case` follows the cases through every writer, and the queue's «new debtors without a
case» (which reads it through an index) agrees with the cases table."""
from datetime import timedelta

from sqlalchemy import exists, select

from casework.accounts.models import AccountBalance
from casework.accounts.services import refresh_account_figures
from casework.cases import services
from casework.cases.models import Case
from casework.cases.queries import new_debtors
from casework.extensions import db
from tests.factories import billed_account
from tests.integration.test_case_services import TODAY


def flag(account_id: int) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(AccountBalance.has_open_case).where(AccountBalance.account_id == account_id))


def disagreements() -> int:
    """Accounts whose flag differs from «has an open case» in the cases table."""
    truth = exists().where(Case.account_id == AccountBalance.account_id, Case.is_open.is_(True))
    return len(db.session.scalars(select(AccountBalance.account_id).where(AccountBalance.has_open_case != truth)).all())


def test_flag_follows_open_close_refresh_and_the_daily_job(app, make_user):
    user = make_user("manager")
    acc, _ = billed_account(months=12)   # 36,000 ₽: above the threshold
    other, _ = billed_account(months=12)
    db.session.commit()
    assert flag(acc.id) is False
    assert {r["id"] for r in new_debtors()} == {acc.id, other.id}

    case = services.open_case(acc.id, user, TODAY - timedelta(days=5))     # ORM insert
    db.session.commit()
    assert flag(acc.id) is True and flag(other.id) is False
    assert {r["id"] for r in new_debtors()} == {other.id}

    refresh_account_figures([acc.id])   # the figures refresh rewrites the balance row: the flag is recomputed
    db.session.commit()
    assert flag(acc.id) is True

    services.change_stage(case, "closed", user, TODAY, reason="test")        # ORM update of is_open
    db.session.commit()
    assert flag(acc.id) is False

    opened = services.open_cases_for_debtors(TODAY, user=user)               # Core INSERT … SELECT
    db.session.commit()
    assert opened == 2 and flag(acc.id) is True and flag(other.id) is True
    assert new_debtors() == [] and new_debtors(count=True) == 0

    db.session.get(AccountBalance, other.id).balance_kop = 0
    db.session.commit()
    assert services.close_paid_cases(TODAY, user=user) == 1                  # Core UPDATE of is_open
    db.session.commit()
    assert flag(other.id) is False and flag(acc.id) is True
    assert disagreements() == 0
