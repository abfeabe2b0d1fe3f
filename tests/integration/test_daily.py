"""`casework daily`: opens cases, exits paid ones, marks deadlines, raises alerts; a second run changes nothing."""
from datetime import timedelta

from sqlalchemy import func, select

from casework.accounts.models import AccountBalance
from casework.cases import services
from casework.cases.models import Alert, Case, Deadline, Enforcement, Hold, StageChange
from casework.extensions import db
from tests.factories import billed_account
from tests.integration.test_case_services import TODAY

TABLES = (Case, StageChange, Deadline, Alert, Hold, Enforcement)


def counts():
    out = {t.__tablename__: db.session.scalar(select(func.count()).select_from(t)) for t in TABLES}
    out["reached"] = db.session.scalar(select(func.count()).select_from(Deadline).where(Deadline.reached_on.is_not(None)))
    out["open"] = db.session.scalar(select(func.count()).select_from(Case).where(Case.is_open.is_(True)))
    out["versions"] = db.session.scalar(select(func.coalesce(func.sum(Case.version_id), 0)))
    return out


def test_daily_is_idempotent_and_does_its_work(app, make_user, runner):
    user = make_user("manager")
    big, _ = billed_account(months=12)                 # 36,000 ₽ > threshold → case opened
    small, _ = billed_account(months=1, monthly_kop=100_000)  # 1,000 ₽ → no case
    paid, _ = billed_account(months=3)
    c_paid = services.open_case(paid.id, user, TODAY - timedelta(days=40))
    db.session.get(AccountBalance, paid.id).balance_kop = 0      # paid since
    held_acc, _ = billed_account()
    held = services.open_case(held_acc.id, user, TODAY - timedelta(days=40))
    services.set_hold(held, "dispute", TODAY - timedelta(days=40) + timedelta(days=10), user, TODAY - timedelta(days=40))
    services.change_stage(held, "paid", user, TODAY - timedelta(days=40)) if False else None
    warn_acc, warn_svc = billed_account()
    warned = services.open_case(warn_acc.id, user, TODAY - timedelta(days=40))
    services.change_stage(warned, "notice", user, TODAY - timedelta(days=30))
    # delivered 22.05.2026: the 20 days end on 11.06, restriction possible from 12.06 — reached by 15.06
    # (a warning delivered 25.05 would end on Sunday 14.06 → Monday 15.06 by ГК 193: not reached on the 15th);
    # the restriction's guard passes (hot water, 36,000 ₽ > two norm months derived from the charges)
    services.record_warning_delivered(warned, TODAY - timedelta(days=24), user, "hand", warn_svc.id)
    enf_acc, _ = billed_account()
    ec = services.open_case(enf_acc.id, user, TODAY - timedelta(days=200))
    db.session.add(Enforcement(case_id=ec.id, writ_number="1", writ_date=TODAY - timedelta(days=100),
                               amount_kop=1, sent_on=TODAY - timedelta(days=90)))
    db.session.commit()

    before = counts()
    result = runner.invoke(args=["daily", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    first = counts()
    assert first != before
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.account_id == big.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(Case).where(Case.account_id == small.id)) == 0
    assert db.session.get(Case, c_paid.id).stage == "paid"
    kinds = set(db.session.scalars(select(Alert.kind)))
    assert {"hold_review", "enforcement_silence"} <= kinds
    assert db.session.scalar(select(Deadline.reached_on).where(Deadline.case_id == warned.id,
                                                               Deadline.kind == "warning_term")) == TODAY
    assert db.session.scalar(select(func.count()).select_from(Deadline).where(Deadline.kind == "limitation")) >= 4
    # a new case has its opening in the history
    new_case = db.session.scalar(select(Case).where(Case.account_id == big.id))
    assert db.session.scalar(select(StageChange.to_stage).where(StageChange.case_id == new_case.id)) == "debt_detected"

    result = runner.invoke(args=["daily", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert counts() == first          # second run the same day changes nothing
    assert '"cases_opened": 0' in result.output
