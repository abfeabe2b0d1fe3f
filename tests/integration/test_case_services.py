"""Case services on a real database: stage changes through the guards, holds, court, enforcement, write-off,
bulk actions, optimistic locking."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from casework.cases import services
from casework.cases.models import Alert, Case, Court, CourtRecord, Deadline, Hold, StageChange
from casework.domain.stages import TransitionNotAllowed
from casework.extensions import db
from tests.factories import billed_account

TODAY = date(2026, 6, 15)


@pytest.fixture()
def staff(make_user):
    return {r: make_user(r) for r in ("collector", "lawyer", "manager")} | {"manager2": make_user("manager")}


def test_open_case_and_history(app, staff):
    acc, _ = billed_account()
    case = services.open_case(acc.id, staff["collector"], TODAY)
    assert case.stage == "debt_detected" and case.debt_at_open_kop == 12 * 300_000
    with pytest.raises(TransitionNotAllowed) as exc:
        services.open_case(acc.id, staff["collector"], TODAY)
    assert exc.value.code == "case_exists"
    sc = db.session.scalars(select(StageChange).where(StageChange.case_id == case.id)).all()
    assert [(s.from_stage, s.to_stage) for s in sc] == [(None, "debt_detected")]


def _restriction_path(staff, first_restriction_day: int, first_suspension_day: int):
    acc, svc = billed_account()
    svc.norm_monthly_kop = 300_000  # debt 12 norm-months > 2
    c = services.open_case(acc.id, staff["collector"], TODAY - timedelta(days=60))
    services.change_stage(c, "notice", staff["collector"], TODAY - timedelta(days=50))
    delivered = date(2026, 6, 3)  # days 20–21 after it (Tue 23.06, Wed 24.06) and 10–11 after 29.06 are working days
    warn = services.record_warning_delivered(c, delivered, staff["collector"], "hand", svc.id)
    first = delivered + timedelta(days=first_restriction_day)
    assert warn.due_on == first  # the deadline is the first day restriction is possible
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_stage(c, "restriction", staff["collector"], first - timedelta(days=1), service_id=svc.id)
    assert exc.value.code == "warning_term" and exc.value.params["may_on"] == first
    assert c.stage == "notice"  # nothing half-written
    restricted = date(2026, 6, 29)
    services.change_stage(c, "restriction", staff["collector"], restricted, service_id=svc.id)
    assert c.stage == "restriction" and c.service_id == svc.id
    d = db.session.scalar(select(Deadline).where(Deadline.case_id == c.id, Deadline.kind == "restriction_term"))
    assert d.due_on == restricted + timedelta(days=first_suspension_day)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_stage(c, "suspension", staff["collector"], d.due_on - timedelta(days=1))
    assert exc.value.code == "restriction_term"
    services.change_stage(c, "suspension", staff["collector"], d.due_on)
    assert c.stage == "suspension"


def test_restriction_path_full_days_reading_is_the_default(app, staff):
    assert app.config["RESTRICTION_TERM_READING"] == "full_days"
    _restriction_path(staff, 21, 11)


def test_restriction_path_elapsed_reading(app, staff):
    app.config["RESTRICTION_TERM_READING"] = "elapsed"
    try:
        _restriction_path(staff, 20, 10)
    finally:
        app.config["RESTRICTION_TERM_READING"] = "full_days"


def test_account_norm_overrides_the_service_norm(app, staff):
    from casework.accounts.models import AccountServiceNorm

    acc, svc = billed_account(months=2, monthly_kop=100_000)   # debt 2,000 ₽
    svc.norm_monthly_kop = 50_000                              # 2 × 500 = 1,000 < 2,000 → allowed by default
    db.session.add(AccountServiceNorm(account_id=acc.id, service_id=svc.id, norm_monthly_kop=100_000))
    c = services.open_case(acc.id, staff["collector"], TODAY)
    services.change_stage(c, "notice", staff["collector"], TODAY)
    services.record_warning_delivered(c, TODAY - timedelta(days=25), staff["collector"])
    with pytest.raises(TransitionNotAllowed) as exc:  # own norm: 2 × 1,000 = 2,000, debt exactly 2,000
        services.change_stage(c, "restriction", staff["collector"], TODAY, service_id=svc.id)
    assert exc.value.code == "below_threshold" and exc.value.params["threshold_kop"] == 200_000


def test_heating_refused_in_service_layer(app, staff):
    acc, svc = billed_account(service_code="heating")
    svc.norm_monthly_kop = 100_000
    c = services.open_case(acc.id, staff["collector"], TODAY)
    services.change_stage(c, "notice", staff["collector"], TODAY)
    services.record_warning_delivered(c, TODAY - timedelta(days=30), staff["collector"])
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_stage(c, "restriction", staff["collector"], TODAY, service_id=svc.id)
    assert exc.value.code == "service_never_restricted"


def test_court_refused_when_everything_is_time_barred(app, staff):
    acc, _ = billed_account(months=6, last_period=date(2021, 12, 1))
    c = services.open_case(acc.id, staff["lawyer"], TODAY)
    claimable, result = services.limitation_for(acc.id, TODAY)
    assert claimable == 0 and len(result.time_barred_periods) == 6
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_court_filing(c, staff["lawyer"], TODAY, principal_kop=1_800_000)
    assert exc.value.code == "time_barred"
    assert db.session.scalar(select(func.count()).select_from(CourtRecord)) == 0


def test_court_order_objection_window_then_enforcement(app, staff):
    acc, _ = billed_account()
    c = services.open_case(acc.id, staff["lawyer"], TODAY)
    rec = services.record_court_filing(c, staff["lawyer"], TODAY, principal_kop=3_600_000, duty_kop=200_000)
    assert c.stage == "court" and rec.outcome == "pending"
    services.update_court_record(rec, staff["lawyer"], date(2026, 6, 22), outcome="issued",
                                 issued_on=TODAY + timedelta(days=5),
                                 received_on=date(2026, 6, 22))  # +10 = 02.07 (Thu) → in force 03.07
    d = db.session.scalar(select(Deadline).where(Deadline.case_id == c.id, Deadline.kind == "objection_window"))
    assert d.due_on == date(2026, 7, 3)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.send_writ(c, staff["lawyer"], date(2026, 7, 2), writ_number="2-1/2026", writ_date=TODAY,
                           amount_kop=3_800_000)
    assert exc.value.code == "not_in_force"
    with pytest.raises(TransitionNotAllowed) as exc:  # 38,000 ₽ fits the employer limit, but not in force
        services.send_writ(c, staff["lawyer"], date(2026, 7, 2), writ_number="x", writ_date=TODAY,
                           amount_kop=38_000_00, destination="employer", payer_name="ООО Рога")
    enf = services.send_writ(c, staff["lawyer"], date(2026, 7, 3), writ_number="2-1/2026", writ_date=TODAY,
                             amount_kop=3_800_000, destination="employer", payer_name="ООО Рога")
    assert c.stage == "enforcement" and enf.destination == "employer"
    assert d.done_on == date(2026, 7, 3)


def test_employer_limit_and_cancelled_order_alert(app, staff):
    acc, _ = billed_account(months=40, monthly_kop=300_000, last_period=date(2026, 5, 1))
    c = services.open_case(acc.id, staff["lawyer"], TODAY)
    rec = services.record_court_filing(c, staff["lawyer"], TODAY, principal_kop=11_000_000,
                                       filed_on=TODAY - timedelta(days=60))
    services.update_court_record(rec, staff["lawyer"], TODAY, outcome="issued", issued_on=TODAY - timedelta(days=45),
                                 received_on=TODAY - timedelta(days=30))
    with pytest.raises(TransitionNotAllowed) as exc:
        services.send_writ(c, staff["lawyer"], TODAY, writ_number="w", writ_date=TODAY, amount_kop=11_000_000,
                           destination="employer")
    assert exc.value.code == "employer_limit"
    services.update_court_record(rec, staff["lawyer"], TODAY, cancelled_on=TODAY)
    assert rec.outcome == "cancelled"
    assert db.session.scalar(select(Alert.kind).where(Alert.case_id == c.id)) == "order_cancelled"
    # a claim is now possible for the same debt: 110,000 ₽ is above the magistrate's 100,000 (ГПК 23), so it goes to
    # the district court
    district = Court(code="D-1", kind="district", name="Ленский районный суд")
    db.session.add(district)
    db.session.flush()
    rec2 = services.record_court_filing(c, staff["lawyer"], TODAY, kind="claim", principal_kop=11_000_000,
                                        court_id=district.id)
    assert rec2.court_id == district.id


def test_hold_blocks_then_lifts(app, staff):
    acc, _ = billed_account()
    c = services.open_case(acc.id, staff["collector"], TODAY)
    with pytest.raises(TransitionNotAllowed):
        services.set_hold(c, "dispute", TODAY, staff["collector"], TODAY)
    services.set_hold(c, "dispute", TODAY + timedelta(days=30), staff["collector"], TODAY, "оспаривает")
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_stage(c, "notice", staff["collector"], TODAY)
    assert exc.value.code == "on_hold"
    services.lift_hold(c, staff["collector"], TODAY + timedelta(days=3), "перерасчёт не нужен")
    services.change_stage(c, "notice", staff["collector"], TODAY + timedelta(days=3))
    h = db.session.scalar(select(Hold).where(Hold.case_id == c.id))
    assert h.ended_on == TODAY + timedelta(days=3) and c.hold_reason is None


def test_writeoff_two_person_rule(app, staff):
    acc, _ = billed_account(months=6, last_period=date(2021, 12, 1))
    c = services.open_case(acc.id, staff["collector"], TODAY)
    with pytest.raises(TransitionNotAllowed):
        services.propose_writeoff(c, "bailiff_impossible", "", staff["manager"], TODAY)
    p = services.propose_writeoff(c, "limitation", "расчёт давности", staff["manager"], TODAY)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.decide_writeoff(p, True, staff["manager"], TODAY)
    assert exc.value.code == "writeoff_same_person" and c.stage == "debt_detected"
    with pytest.raises(TransitionNotAllowed) as exc:
        services.decide_writeoff(p, True, staff["lawyer"], TODAY)
    assert exc.value.code == "writeoff_approver_role"
    services.decide_writeoff(p, True, staff["manager2"], TODAY)
    assert c.stage == "written_off" and not c.is_open and p.decision == "approved"


def test_writeoff_on_limitation_refused_while_debt_is_claimable(app, staff):
    acc, _ = billed_account()
    c = services.open_case(acc.id, staff["collector"], TODAY)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.propose_writeoff(c, "limitation", "", staff["collector"], TODAY)
    assert exc.value.code == "writeoff_not_barred"


def test_closing_needs_a_reason_and_paid_needs_no_debt(app, staff):
    acc, _ = billed_account()
    c = services.open_case(acc.id, staff["collector"], TODAY)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_stage(c, "closed", staff["collector"], TODAY)
    assert exc.value.code == "closing_reason"
    with pytest.raises(TransitionNotAllowed) as exc:
        services.change_stage(c, "paid", staff["collector"], TODAY)
    assert exc.value.code == "still_debt"
    services.change_stage(c, "closed", staff["collector"], TODAY, reason="лицевой счёт закрыт")
    assert not c.is_open and c.closed_on == TODAY


def test_eviction_only_for_social_tenants(app, staff):
    acc, _ = billed_account(months=8, tenure="social_tenancy")
    c = services.open_case(acc.id, staff["lawyer"], TODAY)
    services.record_court_filing(c, staff["lawyer"], TODAY, kind="order", principal_kop=2_400_000)
    services.record_court_filing(c, staff["lawyer"], TODAY, kind="eviction", principal_kop=2_400_000)
    acc2, _ = billed_account(months=8)
    c2 = services.open_case(acc2.id, staff["lawyer"], TODAY)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.record_court_filing(c2, staff["lawyer"], TODAY, kind="eviction", principal_kop=2_400_000)
    assert exc.value.code == "eviction_not_social"


def test_bulk_assign_notice_and_visits(app, staff):
    ids = []
    for _ in range(5):
        acc, _s = billed_account()
        ids.append(services.open_case(acc.id, staff["manager"], TODAY).id)
    held = db.session.get(Case, ids[0])
    services.set_hold(held, "recalculation", TODAY + timedelta(days=10), staff["manager"], TODAY)
    db.session.commit()
    assert set(services.notice_eligible_ids(ids)) == set(ids[1:])
    assert services.bulk_open_notice(ids, staff["manager"], TODAY) == 4
    assert services.bulk_assign(ids, staff["collector"].id, staff["manager"]) == 5
    assert services.bulk_plan_visits(ids[:2], TODAY + timedelta(days=2), staff["manager"]) == 2
    db.session.commit()
    db.session.expire_all()
    stages = dict(db.session.execute(select(Case.id, Case.stage).where(Case.id.in_(ids))).all())
    assert stages[ids[0]] == "debt_detected" and all(stages[i] == "notice" for i in ids[1:])
    assert db.session.scalar(select(func.count()).select_from(StageChange)
                             .where(StageChange.to_stage == "notice")) == 4
    assert {c.assignee_id for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))} == {staff["collector"].id}


def test_concurrent_move_is_a_conflict(app, staff):
    acc, _ = billed_account()
    c = services.open_case(acc.id, staff["collector"], TODAY)
    db.session.commit()
    # another user moves the case behind our back
    with db.engine.begin() as conn:
        conn.execute(Case.__table__.update().where(Case.__table__.c.id == c.id)
                     .values(stage="notice", version_id=Case.__table__.c.version_id + 1))
    c.next_action = "позвонить"
    with pytest.raises(StaleDataError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Case, c.id).stage == "notice"
