"""The stage machine: every (from, to) pair and every guard at its boundary."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from casework.domain.restriction import earliest_restriction_date, earliest_suspension_date
from casework.domain.stages import (
    ALLOWED_ON_HOLD,
    EMPLOYER_LIMIT_KOP,
    FINAL_STAGES,
    TRANSITIONS,
    CaseFacts,
    ServiceFacts,
    Stage,
    TransitionNotAllowed,
    act_in_force_on,
    allowed_next,
    check_transition,
    check_writ_destination,
    refusals,
)
from casework.domain.writeoff import WriteOffGround

TODAY = date(2026, 6, 15)
NORM = 150_000  # 1,500.00 ₽ a month at the norm
HOT = ServiceFacts("hot_water", "allowed", True, debt_kop=2 * NORM + 1, norm_monthly_kop=NORM)


def good(target: Stage) -> CaseFacts:
    """Facts under which `target` passes its guards."""
    base = CaseFacts(debt_kop=1_000_000, claimable_kop=1_000_000)
    if target == Stage.RESTRICTION:
        return replace(base, service=HOT, warning_delivered_on=TODAY - timedelta(days=30))
    if target == Stage.SUSPENSION:
        return replace(base, service=HOT, restricted_on=TODAY - timedelta(days=30))
    if target == Stage.ENFORCEMENT:
        return replace(base, court_act_kind="order", act_made_on=TODAY - timedelta(days=60),
                       debtor_received_on=TODAY - timedelta(days=40))
    if target == Stage.WRITTEN_OFF:
        return replace(base, claimable_kop=0, writeoff_ground="limitation", writeoff_proposed_by=1,
                       writeoff_approved_by=2, writeoff_approver_role="manager")
    if target == Stage.PAID:
        return replace(base, debt_kop=0)
    return base


def code_of(current, target, facts, today=TODAY):
    with pytest.raises(TransitionNotAllowed) as exc:
        check_transition(current, target, facts, today)
    assert exc.value.reason and str(exc.value) == exc.value.reason
    return exc.value.code


ALL_PAIRS = [(a, b) for a in Stage for b in Stage]


@pytest.mark.parametrize("current,target", ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_every_pair_is_allowed_exactly_when_the_table_says_so(current, target):
    facts = good(target)
    if target in TRANSITIONS[current]:
        check_transition(current, target, facts, TODAY)  # no exception
        assert target in allowed_next(current, facts, TODAY)
    else:
        expected = "same_stage" if current == target else ("final_stage" if current in FINAL_STAGES
                                                           else "not_in_table")
        assert code_of(current, target, facts) == expected
        assert target not in allowed_next(current, facts, TODAY)


def test_table_shape():
    assert set(TRANSITIONS) == set(Stage)
    assert TRANSITIONS[Stage.PAID] == frozenset() and TRANSITIONS[Stage.CLOSED] == frozenset()
    for s in Stage:
        if s not in FINAL_STAGES:
            assert {Stage.PAID, Stage.CLOSED, Stage.WRITTEN_OFF} <= TRANSITIONS[s], s
    # restriction is never reached without the notice (warning) stage or a broken agreement
    assert {s for s in Stage if Stage.RESTRICTION in TRANSITIONS[s]} == {Stage.NOTICE, Stage.PAYMENT_AGREEMENT}
    assert {s for s in Stage if Stage.SUSPENSION in TRANSITIONS[s]} == {Stage.RESTRICTION}
    assert {s for s in Stage if Stage.ENFORCEMENT in TRANSITIONS[s]} == {Stage.COURT}


@pytest.mark.parametrize("target", sorted(set(Stage) - ALLOWED_ON_HOLD - {Stage.DEBT_DETECTED}))
def test_hold_blocks_every_move_but_the_exits(target):
    current = next(s for s in Stage if target in TRANSITIONS[s] and s not in FINAL_STAGES)
    assert code_of(current, target, replace(good(target), on_hold=True)) == "on_hold"


@pytest.mark.parametrize("target", sorted(ALLOWED_ON_HOLD))
def test_hold_lets_the_case_exit(target):
    check_transition(Stage.NOTICE, target, replace(good(target), on_hold=True), TODAY)


def test_unknown_stage_is_refused():
    assert code_of("notice", "jail", good(Stage.NOTICE)) == "unknown_stage"


# ------------------------------------------------------------------------------------ restriction
def restr(**kw):
    return replace(good(Stage.RESTRICTION), **kw)


# The 20-day warning term has one implementation (casework.domain.restriction) and two readings (setting
# RESTRICTION_TERM_READING): full_days (default, ГК 191: the debtor has all 20 days, restriction from day 21 after
# delivery) and elapsed (restriction on day 20 after delivery).
@pytest.mark.parametrize("reading,first_day", [("full_days", 21), ("elapsed", 20)])
def test_warning_term_boundary_under_each_reading(reading, first_day):
    too_early = restr(warning_delivered_on=TODAY - timedelta(days=first_day - 1), term_reading=reading)
    with pytest.raises(TransitionNotAllowed) as exc:
        check_transition("notice", "restriction", too_early, TODAY)
    assert exc.value.code == "warning_term"
    assert exc.value.params["may_on"] == TODAY + timedelta(days=1)
    check_transition("notice", "restriction",
                     restr(warning_delivered_on=TODAY - timedelta(days=first_day), term_reading=reading), TODAY)


def test_default_reading_is_full_days():
    assert CaseFacts().term_reading == "full_days"
    assert code_of("notice", "restriction", restr(warning_delivered_on=TODAY - timedelta(days=20))) == "warning_term"


def test_stage_guard_and_restriction_module_agree_on_every_day():
    """One implementation: the guard refuses exactly the days before earliest_restriction_date."""
    delivered = date(2026, 3, 2)
    for reading in ("full_days", "elapsed"):
        first = earliest_restriction_date(delivered, reading=reading)
        first_susp = earliest_suspension_date(delivered, reading=reading)
        for offset in range(0, 30):
            day = delivered + timedelta(days=offset)
            allowed = "restriction" in allowed_next("notice", restr(warning_delivered_on=delivered,
                                                                    term_reading=reading), day)
            assert allowed == (day >= first), (reading, offset)
            allowed = "suspension" in allowed_next("restriction", replace(good(Stage.SUSPENSION),
                                                                          restricted_on=delivered,
                                                                          term_reading=reading), day)
            assert allowed == (day >= first_susp), (reading, offset)


def test_warning_term_end_moves_off_a_weekend_under_each_reading(cal):
    # delivered Sunday 31.05.2026: day 20 is Friday 19.06, day 21 Saturday 20.06
    delivered = date(2026, 5, 31)
    full = restr(warning_delivered_on=delivered, term_reading="full_days")
    # full days: the term ends on Saturday 20.06 → Monday 22.06 (ГК 193); restriction from Tuesday 23.06
    with pytest.raises(TransitionNotAllowed) as exc:
        check_transition("notice", "restriction", full, date(2026, 6, 22), calendar=cal)
    assert exc.value.params["may_on"] == date(2026, 6, 23)
    check_transition("notice", "restriction", full, date(2026, 6, 23), calendar=cal)
    # elapsed: the term ends on Friday 19.06; restriction from Saturday 20.06
    check_transition("notice", "restriction", replace(full, term_reading="elapsed"), date(2026, 6, 20), calendar=cal)


def test_unknown_reading_is_refused_in_plain_words():
    from casework.domain.restriction import InvalidTermReading

    with pytest.raises(InvalidTermReading, match="RESTRICTION_TERM_READING"):
        check_transition("notice", "restriction", restr(term_reading="day_19"), TODAY)


def test_no_warning_no_restriction():
    assert code_of("notice", "restriction", restr(warning_delivered_on=None)) == "no_warning"


def test_debt_at_exactly_two_months_of_norm_is_not_enough_one_kopeck_more_is():
    at = replace(HOT, debt_kop=2 * NORM)
    assert code_of("notice", "restriction", restr(service=at)) == "below_threshold"
    check_transition("notice", "restriction", restr(service=replace(HOT, debt_kop=2 * NORM + 1)), TODAY)


def test_no_norm_no_restriction():
    assert code_of("notice", "restriction", restr(service=replace(HOT, norm_monthly_kop=None))) == "no_norm"
    assert code_of("notice", "restriction", restr(service=None)) == "no_service"


def test_heating_is_never_restricted_whatever_the_debt():
    heating = ServiceFacts("heating", "never", True, debt_kop=100 * NORM, norm_monthly_kop=NORM)
    assert code_of("notice", "restriction", restr(service=heating)) == "service_never_restricted"
    assert code_of("restriction", "suspension",
                   replace(good(Stage.SUSPENSION), service=heating)) == "service_never_restricted"
    assert Stage.RESTRICTION not in allowed_next("notice", restr(service=heating), TODAY)


COLD = ServiceFacts("cold_water", "approval_in_apartment_building", False, debt_kop=3 * NORM, norm_monthly_kop=NORM)


def test_cold_water_in_apartment_building_needs_lawyer_approval_to_restrict():
    assert code_of("notice", "restriction", restr(service=COLD)) == "lawyer_approval"
    check_transition("notice", "restriction", restr(service=COLD, lawyer_approved=True), TODAY)
    # a private house needs no approval
    check_transition("notice", "restriction", restr(service=COLD, apartment_building=False), TODAY)


def test_cold_water_is_never_suspended_in_an_apartment_building_but_may_be_in_a_house():
    f = replace(good(Stage.SUSPENSION), service=COLD)
    assert code_of("restriction", "suspension", f) == "never_suspended_mkd"
    check_transition("restriction", "suspension", replace(f, apartment_building=False), TODAY)


def test_performed_agreement_blocks_restriction_and_suspension():
    assert code_of("notice", "restriction", restr(agreement_performed=True)) == "agreement_performed"
    assert code_of("restriction", "suspension",
                   replace(good(Stage.SUSPENSION), agreement_performed=True)) == "agreement_performed"


@pytest.mark.parametrize("day,frozen", [(date(2020, 4, 5), False), (date(2020, 4, 6), True),
                                        (date(2020, 12, 31), True), (date(2021, 1, 1), False)])
def test_pp424_moratorium_boundaries(day, frozen):
    f = replace(good(Stage.RESTRICTION), warning_delivered_on=day - timedelta(days=25))
    if frozen:
        assert code_of("notice", "restriction", f, today=day) == "pp424_freeze"
        assert code_of("restriction", "suspension",
                       replace(good(Stage.SUSPENSION), restricted_on=day - timedelta(days=25)), today=day) \
            == "pp424_freeze"
    else:
        check_transition("notice", "restriction", f, day)


# ------------------------------------------------------------------------------------ suspension
@pytest.mark.parametrize("reading,first_day", [("full_days", 11), ("elapsed", 10)])
def test_suspension_term_boundary_under_each_reading(reading, first_day):
    f = replace(good(Stage.SUSPENSION), term_reading=reading)
    with pytest.raises(TransitionNotAllowed) as exc:
        check_transition("restriction", "suspension", replace(f, restricted_on=TODAY - timedelta(days=first_day - 1)),
                         TODAY)
    assert exc.value.code == "restriction_term"
    assert exc.value.params["may_on"] == TODAY + timedelta(days=1)
    check_transition("restriction", "suspension", replace(f, restricted_on=TODAY - timedelta(days=first_day)), TODAY)


def test_suspension_needs_a_recorded_restriction():
    assert code_of("restriction", "suspension", replace(good(Stage.SUSPENSION), restricted_on=None)) \
        == "not_restricted"


# ------------------------------------------------------------------------------------ court
def court(**kw):
    return replace(good(Stage.COURT), **kw)


def test_court_only_within_limitation():
    assert code_of("notice", "court", court(claimable_kop=0)) == "time_barred"
    check_transition("notice", "court", court(claimable_kop=1), TODAY)


def test_court_order_up_to_500000_rubles_for_a_citizen():
    check_transition("notice", "court", court(claim_kop=500_000_00, debt_kop=500_000_00), TODAY)
    assert code_of("notice", "court", court(claim_kop=500_000_01, debt_kop=500_000_01)) == "order_limit"


def test_claim_only_after_a_cancelled_order_unless_above_order_limit():
    assert code_of("notice", "court", court(court_kind="claim", claim_kop=100_00)) == "claim_needs_order"
    check_transition("notice", "court", court(court_kind="claim", claim_kop=100_00,
                                               order_cancelled_or_refused=True), TODAY)
    check_transition("notice", "court", court(court_kind="claim", claim_kop=500_000_01), TODAY)


def test_eviction_only_for_social_tenants_after_more_than_six_months():
    f = court(court_kind="eviction", tenure="social_tenancy", months_unpaid=7)
    check_transition("enforcement", "court", f, TODAY)
    assert code_of("enforcement", "court", replace(f, months_unpaid=6)) == "eviction_months"
    assert code_of("enforcement", "court", replace(f, tenure="owner")) == "eviction_not_social"


def test_straight_to_court_from_debt_detected_is_lawful():
    check_transition("debt_detected", "court", court(), TODAY)


def test_unknown_court_kind():
    assert code_of("notice", "court", court(court_kind="tribunal")) == "bad_court_kind"


# ------------------------------------------------------------------------------------ enforcement
def enf(**kw):
    return replace(good(Stage.ENFORCEMENT), **kw)


def test_order_objection_term_not_passed_vs_passed():
    received = TODAY - timedelta(days=10)  # the 10th day is the last day to object
    with pytest.raises(TransitionNotAllowed) as exc:
        check_transition("court", "enforcement", enf(debtor_received_on=received), TODAY)
    assert exc.value.code == "not_in_force" and exc.value.params["in_force_on"] == TODAY + timedelta(days=1)
    check_transition("court", "enforcement", enf(debtor_received_on=TODAY - timedelta(days=11)), TODAY)


def test_order_with_objection_or_unknown_receipt_is_not_enforceable():
    assert code_of("court", "enforcement", enf(objection_filed=True)) == "objection_filed"
    assert code_of("court", "enforcement", enf(debtor_received_on=None)) == "not_received"
    assert code_of("court", "enforcement", enf(act_cancelled=True)) == "act_cancelled"
    assert code_of("court", "enforcement", enf(court_act_kind=None)) == "no_court_act"


def test_judgment_in_force_one_month_after_it_is_made():
    made = date(2026, 5, 15)
    f = enf(court_act_kind="judgment", act_made_on=made, debtor_received_on=None)
    assert code_of("court", "enforcement", f, today=date(2026, 6, 15)) == "not_in_force"
    check_transition("court", "enforcement", f, date(2026, 6, 16))
    assert act_in_force_on("judgment", made, None) == date(2026, 6, 16)
    assert code_of("court", "enforcement", enf(court_act_kind="judgment", act_made_on=None)) == "no_act_date"


def test_objection_term_moves_off_a_weekend_with_a_calendar():
    class Cal:
        def next_working_day(self, d):
            while d.weekday() >= 5:
                d += timedelta(days=1)
            return d
    received = date(2026, 6, 3)  # +10 = Saturday 13.06 → Monday 15.06; in force Tuesday 16.06
    assert act_in_force_on("order", None, received, Cal()) == date(2026, 6, 16)
    assert act_in_force_on("order", None, received) == date(2026, 6, 14)


def test_writ_to_employer_only_up_to_100000():
    check_writ_destination("employer", EMPLOYER_LIMIT_KOP)
    with pytest.raises(TransitionNotAllowed) as exc:
        check_writ_destination("employer", EMPLOYER_LIMIT_KOP + 1)
    assert exc.value.code == "employer_limit"
    check_writ_destination("bank", 10 * EMPLOYER_LIMIT_KOP)
    check_writ_destination("bailiff", 10 * EMPLOYER_LIMIT_KOP)
    with pytest.raises(TransitionNotAllowed):
        check_writ_destination("neighbour", 1)


# ------------------------------------------------------------------------------------ write-off
def wo(**kw):
    return replace(good(Stage.WRITTEN_OFF), **kw)


def test_writeoff_needs_a_ground():
    assert code_of("enforcement", "written_off", wo(writeoff_ground=None)) == "writeoff_no_ground"
    assert code_of("enforcement", "written_off", wo(writeoff_ground="boredom")) == "writeoff_bad_ground"


def test_limitation_ground_only_when_nothing_is_claimable():
    assert code_of("notice", "written_off", wo(claimable_kop=1)) == "writeoff_not_barred"
    assert code_of("notice", "written_off", wo(claimable_kop=None)) == "writeoff_not_barred"
    check_transition("notice", "written_off", wo(claimable_kop=0), TODAY)


@pytest.mark.parametrize("ground", [g for g in WriteOffGround if g not in ("limitation", "liquidation")])
def test_document_grounds_need_evidence(ground):
    f = wo(writeoff_ground=ground, claimable_kop=500)
    assert code_of("enforcement", "written_off", f) == "writeoff_no_evidence"
    check_transition("enforcement", "written_off", replace(f, writeoff_evidence=True), TODAY)


def test_liquidation_only_for_organisations():
    f = wo(writeoff_ground="liquidation", writeoff_evidence=True)
    assert code_of("court", "written_off", f) == "writeoff_liquidation_person"
    check_transition("court", "written_off", replace(f, debtor_kind="organization"), TODAY)


def test_two_person_rule():
    assert code_of("notice", "written_off", wo(writeoff_approved_by=1)) == "writeoff_same_person"
    assert code_of("notice", "written_off", wo(writeoff_approved_by=None)) == "writeoff_not_approved"
    assert code_of("notice", "written_off", wo(writeoff_proposed_by=None)) == "writeoff_not_proposed"
    assert code_of("notice", "written_off", wo(writeoff_approver_role="lawyer")) == "writeoff_approver_role"


# ------------------------------------------------------------------------------------ simple guards
def test_notice_and_agreement_need_debt_paid_needs_none():
    assert code_of("debt_detected", "notice", CaseFacts(debt_kop=0)) == "no_debt"
    assert code_of("debt_detected", "payment_agreement", CaseFacts(debt_kop=0)) == "no_debt"
    assert code_of("notice", "paid", CaseFacts(debt_kop=1)) == "still_debt"
    check_transition("notice", "paid", CaseFacts(debt_kop=0), TODAY)
    check_transition("notice", "paid", CaseFacts(debt_kop=-500), TODAY)  # overpaid


def test_refusals_explain_every_blocked_target():
    f = CaseFacts(debt_kop=1_000_000, claimable_kop=0)
    r = refusals("notice", f, TODAY)
    assert r[Stage.RESTRICTION].code == "no_service"
    assert r[Stage.COURT].code == "time_barred"
    assert r[Stage.PAID].code == "still_debt"
    assert Stage.CLOSED not in r
