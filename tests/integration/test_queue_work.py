"""The queue holds work (issue 14 item 8): the daily job closes cases with nothing overdue or under a kept agreement,
offers no step its guard refuses, and never reopens written-off debt (a write-off settles its months in the ledger;
a partial write-off of only the time-barred months). Driven through the services and `casework daily`."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from casework.accounts.models import AccountBalance, LedgerEntry
from casework.cases import queries, services
from casework.cases.models import Case, Deadline, StageChange, WriteOffProposal
from casework.contacts import services as contacts
from casework.domain.stages import TransitionNotAllowed
from casework.extensions import db
from casework.legal.services import account_calculation
from tests.factories import billed_account
from tests.integration.test_case_services import TODAY


@pytest.fixture()
def staff(make_user):
    return {r: make_user(r) for r in ("collector", "lawyer", "manager")} | {"manager2": make_user("manager")}


def _daily(runner, day=None):
    result = runner.invoke(args=["daily", "--today", (day or TODAY).isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def _cases(acc):
    return db.session.scalars(select(Case).where(Case.account_id == acc.id).order_by(Case.id)).all()


def test_a_case_with_nothing_overdue_is_closed_and_not_reopened(app, staff, runner):
    acc, _svc = billed_account(months=12)
    case = services.open_case(acc.id, staff["collector"], TODAY - timedelta(days=30))
    bal = db.session.get(AccountBalance, acc.id)
    bal.overdue_kop = 0                              # paid up: only the month not yet due is unpaid
    court_acc, _ = billed_account(months=12)
    in_court = services.open_case(court_acc.id, staff["lawyer"], TODAY - timedelta(days=30))
    services.record_court_filing(in_court, staff["lawyer"], TODAY - timedelta(days=10), principal_kop=1_000_00)
    db.session.get(AccountBalance, court_acc.id).overdue_kop = 0
    db.session.commit()
    _daily(runner)
    case = db.session.get(Case, case.id)
    assert not case.is_open and case.stage == "closed"
    assert db.session.get(Case, in_court.id).is_open  # a filing in court is not dropped by the daily job
    _daily(runner)
    assert len(_cases(acc)) == 1                     # not reopened: nothing overdue


def test_a_kept_agreement_closes_the_case_and_a_broken_one_brings_it_back(app, staff, runner):
    """Kept: the daily job closes the case. Not kept (two instalments unpaid): the same case is opened again at the
    agreement stage, with its history — no second case beside it; a later run changes nothing."""
    acc, _svc = billed_account(months=12)
    case = services.open_case(acc.id, staff["collector"], TODAY - timedelta(days=30))
    ag = contacts.create_agreement(staff["collector"], debt_kop=36_000_00, months=6,
                                   first_due_on=TODAY + timedelta(days=10), case_id=case.id)
    contacts.sign_agreement(staff["collector"], ag, TODAY - timedelta(days=1), today=TODAY - timedelta(days=1))
    db.session.commit()
    assert case.stage == "payment_agreement"
    _daily(runner)
    assert [(c.is_open, c.stage) for c in _cases(acc)] == [(False, "closed")]
    _daily(runner)
    assert len(_cases(acc)) == 1                     # the agreement is kept: no new case
    later = TODAY + timedelta(days=75)               # two instalments (TODAY + 10, + 40) unpaid: broken
    _daily(runner, later)
    assert db.session.get(type(ag), ag.id).status == "broken"
    assert [(c.id, c.is_open, c.stage, c.stage_since) for c in _cases(acc)] == [
        (case.id, True, "payment_agreement", later)]
    reopen = db.session.scalars(select(StageChange).where(StageChange.case_id == case.id)
                                .order_by(StageChange.id.desc())).first()
    assert (reopen.from_stage, reopen.to_stage, reopen.details["why"]) == ("closed", "payment_agreement",
                                                                           "agreement_broken")
    assert db.session.get(AccountBalance, acc.id).has_open_case
    _daily(runner, later + timedelta(days=1))
    assert [(c.id, c.is_open) for c in _cases(acc)] == [(case.id, True)]


def test_a_case_closed_by_hand_is_not_reopened_by_the_daily_job(app, staff, runner):
    """Only a case closed because its agreement was being kept is opened again; one a manager closed stays closed and
    the overdue debt gets a case of its own."""
    acc, _svc = billed_account(months=12)
    case = services.open_case(acc.id, staff["collector"], TODAY - timedelta(days=30))
    services.change_stage(case, "closed", staff["manager"], TODAY - timedelta(days=2), reason="ошибочно открыто")
    db.session.commit()
    _daily(runner)
    assert [(c.id == case.id, c.is_open) for c in _cases(acc)] == [(True, False), (False, True)]


def test_a_step_its_guard_refuses_is_not_offered(app, staff, runner):
    """A warning's 20 days ran out, but the debt is 2 months of charges: no norm charge can be derived (fewer than 3
    months) → «restriction may start» is not offered; once the lawyer sets the norm charge it is."""
    acc, svc = billed_account(months=2, monthly_kop=300_000)
    svc.norm_monthly_kop = None
    case = services.open_case(acc.id, staff["collector"], TODAY - timedelta(days=60))
    services.change_stage(case, "notice", staff["collector"], TODAY - timedelta(days=50))
    services.record_warning_delivered(case, TODAY - timedelta(days=40), staff["collector"], "hand", svc.id,
                                      today=TODAY)
    db.session.commit()
    _daily(runner)
    term = db.session.scalar(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "warning_term"))
    assert term.reached_on is None and term.params["blocked"] == "no_norm"
    assert case.id not in {r["case_id"] for r in queries.queue(None, TODAY)["deadlines"]}
    assert [e["blocked"] for e in queries.timeline(case) if e.get("deadline") == "warning_term"] == ["no_norm"]
    services.set_account_norm(acc, svc, 100_000, staff["lawyer"])  # 6,000 ₽ > 2 × 1,000 ₽
    db.session.commit()
    _daily(runner)
    term = db.session.get(Deadline, term.id)
    assert term.reached_on == TODAY and "blocked" not in term.params
    assert case.id in {r["case_id"] for r in queries.queue(None, TODAY)["deadlines"]}


def test_no_measure_is_offered_to_a_payer_with_a_kept_agreement(app, staff, runner):
    """«можно ограничивать» to a payer with a signed agreement: the guard sees the agreement (ПП 354 п.118), the
    signed agreement moves the case to its stage, and the daily job closes it while the agreement is kept."""
    acc, svc = billed_account(months=12)
    svc.norm_monthly_kop = 300_000
    case = services.open_case(acc.id, staff["collector"], TODAY - timedelta(days=90))
    services.change_stage(case, "notice", staff["collector"], TODAY - timedelta(days=80))
    services.record_warning_delivered(case, TODAY - timedelta(days=70), staff["collector"], "hand", svc.id,
                                      today=TODAY)
    ag = contacts.create_agreement(staff["collector"], debt_kop=36_000_00, months=6,
                                   first_due_on=TODAY + timedelta(days=10), account_id=acc.id)
    contacts.sign_agreement(staff["collector"], ag, TODAY - timedelta(days=1), today=TODAY - timedelta(days=1))
    assert services.gather_facts(case, TODAY, service_id=svc.id, with_limitation=False).agreement_performed
    with pytest.raises(TransitionNotAllowed) as exc:
        services.check_measure_on(acc, case, TODAY, target="restriction", service_id=svc.id, today=TODAY)
    assert exc.value.code == "agreement_performed"
    db.session.commit()
    assert case.stage == "payment_agreement" and ag.case_id == case.id  # the agreement found the open case
    _daily(runner)
    term = db.session.scalar(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "warning_term"))
    assert term.reached_on is None and term.done_on == TODAY
    assert not db.session.get(Case, case.id).is_open
    assert case.id not in {r["case_id"] for r in queries.queue(None, TODAY)["deadlines"]}


def _writeoff_rows(acc):
    return db.session.execute(select(LedgerEntry.period, func.sum(LedgerEntry.amount_kop)).where(
        LedgerEntry.account_id == acc.id, LedgerEntry.source == "writeoff").group_by(LedgerEntry.period)
        .order_by(LedgerEntry.period)).all()


def test_a_written_off_debt_is_settled_and_never_reopened(app, staff, runner):
    acc, _svc = billed_account(months=12, last_period=date(2022, 12, 1))  # every month time-barred on 15.06.2026
    case = services.open_case(acc.id, staff["lawyer"], TODAY - timedelta(days=30))
    p = services.propose_writeoff(case, "limitation", None, staff["lawyer"], TODAY)
    db.session.commit()
    with pytest.raises(TransitionNotAllowed) as exc:   # two persons: not the proposer… and a manager
        services.decide_writeoff(p, True, staff["lawyer"], TODAY)
    assert exc.value.code in ("writeoff_approver_role", "writeoff_same_person")
    db.session.rollback()
    p = db.session.get(WriteOffProposal, p.id)
    services.decide_writeoff(p, True, staff["manager"], TODAY)
    db.session.commit()
    rows = _writeoff_rows(acc)
    assert len(rows) == 12 and sum(k for _p, k in rows) == -36_000_00
    assert db.session.get(AccountBalance, acc.id).balance_kop == 0
    assert account_calculation(acc.id, TODAY).debt_kop == 0
    _daily(runner)
    assert [(c.is_open, c.stage) for c in _cases(acc)] == [(False, "written_off")]


def test_a_partial_writeoff_of_only_the_time_barred_months(app, staff, runner):
    acc, _svc = billed_account(months=60)              # 2021-06 … 2026-05: the oldest months are time-barred
    case = services.open_case(acc.id, staff["lawyer"], TODAY - timedelta(days=30))
    with pytest.raises(TransitionNotAllowed) as exc:
        services.propose_writeoff(case, "limitation", None, staff["lawyer"], TODAY, periods=["2021-06", "2025-01"])
    assert exc.value.code == "writeoff_month_not_barred" and exc.value.params["period"] == "2025-01"
    with pytest.raises(TransitionNotAllowed) as exc:
        services.propose_writeoff(case, "bailiff_impossible", "акт", staff["lawyer"], TODAY, periods=["2021-06"])
    assert exc.value.code == "writeoff_partial_ground"
    before = account_calculation(acc.id, TODAY)
    p = services.propose_writeoff(case, "limitation", None, staff["lawyer"], TODAY, periods=["2021-06", "2021-07"])
    assert p.amount_kop == 6_000_00 and p.periods == ["2021-06", "2021-07"]
    with pytest.raises(TransitionNotAllowed) as exc:
        services.decide_writeoff(p, True, staff["collector"], TODAY)
    assert exc.value.code == "writeoff_approver_role"
    services.decide_writeoff(p, True, staff["manager"], TODAY)
    db.session.commit()
    assert [(r[0], r[1]) for r in _writeoff_rows(acc)] == [(date(2021, 6, 1), -3_000_00), (date(2021, 7, 1), -3_000_00)]
    after = account_calculation(acc.id, TODAY)
    assert after.debt_kop == before.debt_kop - 6_000_00
    assert {str(k) for k, v in after.allocation.open_kop.items() if v > 0}.isdisjoint({"2021-06", "2021-07"})
    case = db.session.get(Case, case.id)
    assert case.is_open and case.stage == "debt_detected"  # the rest of the debt stays in work
    assert db.session.get(AccountBalance, acc.id).balance_kop == 60 * 3_000_00 - 6_000_00


def test_the_queue_shows_the_debt_and_the_real_count(client, login):
    user = login("collector")
    acc, _ = billed_account(months=12)
    c = services.open_case(acc.id, user, TODAY - timedelta(days=5), assignee_id=user.id)
    c.next_action_on, c.next_action = TODAY - timedelta(days=1), "Позвонить"
    quiet, _ = billed_account(months=12)
    services.open_case(quiet.id, user, TODAY - timedelta(days=5), assignee_id=user.id)
    db.session.get(AccountBalance, quiet.id).overdue_kop = 0
    db.session.commit()
    assert queries.queue_counts(user.id) == {"open": 2, "overdue": 1, "overdue_kop": 36_000_00}
    page = client.get("/cases/queue").get_data(as_text=True).replace("\xa0", " ")
    assert "Открытых дел: 2, из них с просроченным долгом: 1 (36 000,00 ₽ просрочено)." in page
    assert "36 000,00 ₽" in page.split("Позвонить")[0].rsplit("<tr>", 1)[-1]


def test_the_case_page_proposes_a_partial_writeoff(client, login, make_user):
    lawyer = login("lawyer")
    acc, _ = billed_account(months=60)
    case = services.open_case(acc.id, lawyer, TODAY - timedelta(days=30))
    db.session.commit()
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    import re

    select_ = re.search(r'<select[^>]*name="periods".*?</select>', page, re.S).group(0)
    assert 'value="2021-06"' in select_ and 'value="2025-01"' not in select_  # only the time-barred months
    r = client.post(f"/cases/{case.id}/writeoff", data={"ground": "limitation", "periods": ["2021-06", "2021-07"],
                                                        "version": case.version_id}, follow_redirects=True)
    assert r.status_code == 200
    p = db.session.scalar(select(WriteOffProposal).where(WriteOffProposal.case_id == case.id))
    assert p.periods == ["2021-06", "2021-07"] and p.amount_kop == 6_000_00
    assert "только месяцы 2021-06, 2021-07" in client.get("/cases/writeoffs").get_data(as_text=True)
    r = client.post(f"/cases/{case.id}/writeoff", data={"ground": "limitation", "periods": ["2025-01"],
                                                        "version": case.version_id}, follow_redirects=True)
    assert "Предложение о списании уже ждёт решения." in r.get_data(as_text=True)
