"""Court track of a debtor (АПК ст.27, 28 vs ГПК) and the arbitrazh guards of the stage machine (АПК ст.229.2, 4 ч.5;
the order's objection term in working days, ст.229.5 ч.3, 114 ч.3)."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from casework.domain.calendar import WorkingCalendar
from casework.domain.jurisdiction import (
    ARBITRAZH_ORDER_LIMIT_KOP,
    OBJECTION_WORKING_DAYS,
    CourtTrack,
    DebtorKind,
    arbitrazh_claim_may_be_filed_on,
    arbitrazh_objection_term_end,
    court_track,
    debtor_kind,
    pretrial_claim_term_end,
)
from casework.domain.stages import (
    CaseFacts,
    Stage,
    TransitionNotAllowed,
    act_in_force_on,
    check_transition,
    objection_term_end,
)

TODAY = date(2026, 6, 15)
ORG = CaseFacts(debt_kop=1_000_000, claimable_kop=1_000_000, debtor_kind="organization", court_track="arbitrazh")


@pytest.mark.parametrize("party_kind,ogrn,name,category,expected", [
    ("organization", "1021400000001", "ООО «Ромашка»", "other", DebtorKind.ORGANIZATION),
    ("organization", "1021400000001", "Администрация МО «Город Ленск»", "population", DebtorKind.ORGANIZATION),
    ("person", "314143500000012", "Петров Пётр Петрович", "other", DebtorKind.ENTREPRENEUR),  # ОГРНИП: 15 digits
    ("person", None, "ИП Петров Пётр Петрович", "other", DebtorKind.ENTREPRENEUR),
    ("organization", None, "Индивидуальный предприниматель Петров П. П.", "other", DebtorKind.ENTREPRENEUR),
    ("person", None, "Петров Пётр Петрович", "other", DebtorKind.PERSON),
    ("person", "1021400000001", "Петров Пётр Петрович", "population", DebtorKind.PERSON),  # 13 digits: not ОГРНИП
    (None, None, None, "other", DebtorKind.ORGANIZATION),   # no party: «прочие потребители» are organisations
    (None, None, None, "population", DebtorKind.PERSON),
])
def test_debtor_kind(party_kind, ogrn, name, category, expected):
    assert debtor_kind(party_kind, ogrn, name, account_category=category) == expected


@pytest.mark.parametrize("kind,business,expected", [
    (DebtorKind.ORGANIZATION, True, CourtTrack.ARBITRAZH),
    (DebtorKind.ORGANIZATION, False, CourtTrack.ARBITRAZH),    # a municipality owning vacant flats
    (DebtorKind.ENTREPRENEUR, True, CourtTrack.ARBITRAZH),     # a shop of an ИП
    (DebtorKind.ENTREPRENEUR, False, CourtTrack.GENERAL),      # an ИП's own flat: a citizen's debt
    (DebtorKind.PERSON, True, CourtTrack.GENERAL),
    (DebtorKind.PERSON, False, CourtTrack.GENERAL),
])
def test_court_track(kind, business, expected):
    assert court_track(kind, business_premises=business) == expected
    assert court_track(kind.value, business_premises=business) == expected


def test_unknown_debtor_kind_is_refused():
    with pytest.raises(ValueError):
        court_track("company", business_premises=True)


def code_of(facts, today=TODAY, calendar=None):
    with pytest.raises(TransitionNotAllowed) as exc:
        check_transition(Stage.NOTICE, Stage.COURT, facts, today, calendar=calendar)
    return exc.value


def test_arbitrazh_order_up_to_500000_rubles_then_refused_in_favour_of_a_claim():
    check_transition(Stage.NOTICE, Stage.COURT, replace(ORG, claim_kop=ARBITRAZH_ORDER_LIMIT_KOP), TODAY)
    exc = code_of(replace(ORG, claim_kop=ARBITRAZH_ORDER_LIMIT_KOP + 1))
    assert exc.code == "arbitrazh_order_limit"
    assert exc.params == {"claim_kop": ARBITRAZH_ORDER_LIMIT_KOP + 1, "limit_kop": ARBITRAZH_ORDER_LIMIT_KOP}
    # the same amount against a citizen is refused under the ГПК, with the ГПК's code
    citizen = replace(ORG, debtor_kind="person", court_track="general", claim_kop=ARBITRAZH_ORDER_LIMIT_KOP + 1)
    assert code_of(citizen).code == "order_limit"


def test_arbitrazh_claim_above_the_limit_needs_the_pre_claim_letter_30_days_before():
    big = replace(ORG, court_kind="claim", claim_kop=ARBITRAZH_ORDER_LIMIT_KOP + 1)
    assert code_of(big).code == "no_pretrial_claim"
    sent = date(2026, 5, 1)   # + 30 days = Sunday 31.05 without a calendar the term ends that day
    assert pretrial_claim_term_end(sent) == date(2026, 5, 31)
    assert arbitrazh_claim_may_be_filed_on(sent) == date(2026, 6, 1)
    exc = code_of(replace(big, pretrial_claim_sent_on=sent), today=date(2026, 5, 31))
    assert exc.code == "pretrial_claim_term" and exc.params == {"sent_on": sent, "may_on": date(2026, 6, 1)}
    check_transition(Stage.NOTICE, Stage.COURT, replace(big, pretrial_claim_sent_on=sent), date(2026, 6, 1))


def test_pre_claim_term_end_moves_off_a_weekend_with_a_calendar():
    cal = WorkingCalendar.from_rows([])
    sent = date(2026, 5, 1)   # day 30 is Sunday 31.05 → Monday 01.06 ends the term; a claim from Tuesday 02.06
    assert pretrial_claim_term_end(sent, cal) == date(2026, 6, 1)
    assert arbitrazh_claim_may_be_filed_on(sent, cal) == date(2026, 6, 2)
    big = replace(ORG, court_kind="claim", claim_kop=ARBITRAZH_ORDER_LIMIT_KOP + 1, pretrial_claim_sent_on=sent)
    assert code_of(big, today=date(2026, 6, 1), calendar=cal).code == "pretrial_claim_term"
    check_transition(Stage.NOTICE, Stage.COURT, big, date(2026, 6, 2), calendar=cal)


def test_arbitrazh_claim_up_to_the_limit_only_after_a_cancelled_or_refused_order():
    small = replace(ORG, court_kind="claim", claim_kop=ARBITRAZH_ORDER_LIMIT_KOP,
                    pretrial_claim_sent_on=TODAY - timedelta(days=60))
    assert code_of(small).code == "arbitrazh_claim_needs_order"
    check_transition(Stage.NOTICE, Stage.COURT, replace(small, order_cancelled_or_refused=True), TODAY)
    # after a cancelled order the pre-claim letter is still required
    assert code_of(replace(small, order_cancelled_or_refused=True, pretrial_claim_sent_on=None)).code == \
        "no_pretrial_claim"


def test_citizen_claim_needs_no_pre_claim_letter():
    citizen = CaseFacts(debt_kop=60_000_000, claimable_kop=60_000_000, court_kind="claim")
    check_transition(Stage.NOTICE, Stage.COURT, citizen, TODAY)


def test_limitation_still_applies_to_organisations():
    assert code_of(replace(ORG, claimable_kop=0)).code == "time_barred"


def test_organisation_is_never_evicted():
    exc = code_of(replace(ORG, court_kind="eviction", months_unpaid=12))
    assert exc.code == "eviction_not_social"


# ------------------------------------------------------------------------------------------- objection term
# АПК ст.229.5 ч.3: 10 days from receipt of the order's copy; ст.114 ч.3: non-working days are not counted
# (the ГПК term of the magistrate's order: 10 calendar days, the end moved off a non-working day)

@pytest.mark.parametrize("received,arbitrazh_end,general_end", [
    # Friday: two weekends inside the window → Friday 03.07 (ГПК: Monday 29.06)
    (date(2026, 6, 19), date(2026, 7, 3), date(2026, 6, 29)),
    # received on a Saturday: the count starts on Monday 22.06, so it ends as for Friday's receipt
    (date(2026, 6, 20), date(2026, 7, 3), date(2026, 6, 30)),
    # Wednesday before Russia Day (Friday 12.06) and a weekend → Thursday 18.06 (ГПК: Saturday 13.06 → Monday 15.06)
    (date(2026, 6, 3), date(2026, 6, 18), date(2026, 6, 15)),
    # the New Year holidays: 31.12.2025 and 01.01–11.01.2026 are off; 4 working days in December, 6 in January
    (date(2025, 12, 24), date(2026, 1, 19), date(2026, 1, 12)),
])
def test_arbitrazh_objection_term_counts_working_days(cal, received, arbitrazh_end, general_end):
    assert arbitrazh_objection_term_end(received, cal) == arbitrazh_end
    assert objection_term_end(received, cal, CourtTrack.ARBITRAZH) == arbitrazh_end
    assert objection_term_end(received, cal) == general_end                 # the ГПК rule is unchanged
    assert cal.working_days_between(received + timedelta(days=1), arbitrazh_end) == OBJECTION_WORKING_DAYS
    assert cal.is_working_day(arbitrazh_end)
    assert act_in_force_on("order", None, received, cal, "arbitrazh") == arbitrazh_end + timedelta(days=1)


def test_arbitrazh_objection_term_without_a_calendar_skips_weekends_and_statutory_holidays():
    # no decree data: weekends and ТК ст.112 holidays (12.06) are off
    assert arbitrazh_objection_term_end(date(2026, 6, 3)) == date(2026, 6, 18)


ORDER_RECEIVED = date(2026, 6, 3)
ENFORCE = replace(ORG, court_act_kind="order", act_made_on=date(2026, 5, 20), debtor_received_on=ORDER_RECEIVED)


def _enforce_code(facts, today, calendar):
    with pytest.raises(TransitionNotAllowed) as exc:
        check_transition(Stage.COURT, Stage.ENFORCEMENT, facts, today, calendar=calendar)
    return exc.value


def test_arbitrazh_order_is_enforceable_only_after_ten_working_days(cal):
    exc = _enforce_code(ENFORCE, date(2026, 6, 18), cal)   # the 10th working day: the debtor may still object
    assert exc.code == "not_in_force" and exc.params == {"in_force_on": date(2026, 6, 19)}
    check_transition(Stage.COURT, Stage.ENFORCEMENT, ENFORCE, date(2026, 6, 19), calendar=cal)
    # the same receipt under the ГПК: in force from Tuesday 16.06
    citizen = replace(ENFORCE, debtor_kind="person", court_track="general")
    check_transition(Stage.COURT, Stage.ENFORCEMENT, citizen, date(2026, 6, 16), calendar=cal)
    assert _enforce_code(ENFORCE, date(2026, 6, 16), cal).code == "not_in_force"


def test_arbitrazh_enforcement_refusals_cite_the_apk(cal):
    assert _enforce_code(replace(ENFORCE, objection_filed=True), TODAY, cal).code == "arbitrazh_objection_filed"
    assert _enforce_code(replace(ENFORCE, debtor_received_on=None), TODAY, cal).code == "arbitrazh_not_received"
    assert _enforce_code(replace(ENFORCE, act_cancelled=True), TODAY, cal).code == "arbitrazh_act_cancelled"
    citizen = replace(ENFORCE, debtor_kind="person", court_track="general", objection_filed=True)
    assert _enforce_code(citizen, TODAY, cal).code == "objection_filed"
