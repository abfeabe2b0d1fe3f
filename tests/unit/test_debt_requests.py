"""The pure rules of the ГИС ЖКХ debt requests: which court acts confirm a debt, and the answer term."""
from datetime import date

from casework.domain.calendar import weekends_only_calendar
from casework.domain.debt_requests import CourtAct, act_confirms_debt, answer_due, confirming_acts, name_key

TODAY = date(2026, 6, 11)


def act(**kw):
    base = dict(id=1, kind="order", outcome="issued", case_number="2-1/2026", issued_on=date(2026, 1, 10),
                in_force_on=date(2026, 2, 5), cancelled_on=None, period_from=date(2025, 1, 1),
                period_to=date(2025, 12, 31), amount_kop=100_00)
    base.update(kw)
    return CourtAct(**base)


def test_an_order_in_force_confirms_a_debt():
    assert act_confirms_debt(act(), TODAY)


def test_not_in_force_cancelled_paid_pending_or_dismissed_do_not():
    assert not act_confirms_debt(act(in_force_on=None), TODAY)
    assert not act_confirms_debt(act(in_force_on=date(2026, 6, 12)), TODAY)
    assert not act_confirms_debt(act(cancelled_on=date(2026, 3, 1), outcome="cancelled"), TODAY)
    assert not act_confirms_debt(act(paid=True), TODAY)
    assert not act_confirms_debt(act(outcome="pending"), TODAY)
    assert not act_confirms_debt(act(kind="claim", outcome="dismissed"), TODAY)
    assert not act_confirms_debt(act(kind="eviction"), TODAY)
    assert act_confirms_debt(act(kind="claim", outcome="satisfied"), TODAY)


def test_the_debt_period_must_overlap_the_period_asked():
    a = act(period_from=date(2022, 1, 1), period_to=date(2022, 12, 31))
    assert not act_confirms_debt(a, TODAY, date(2025, 6, 1), date(2026, 5, 31))
    assert act_confirms_debt(a, TODAY)
    assert [x.id for x in confirming_acts([act(id=1), act(id=2, in_force_on=date(2026, 4, 1))], TODAY)] == [2, 1]


def test_five_working_days_skip_the_weekend_and_the_holiday():
    cal = weekends_only_calendar()
    assert answer_due(date(2026, 6, 10), cal) == date(2026, 6, 18)  # 12 June is a holiday (ТК 112)
    assert answer_due(date(2026, 6, 1), cal) == date(2026, 6, 8)


def test_names_compare_without_case_and_yo():
    assert name_key("  СЕМЕНОВА  Алена петровна") == name_key("Семёнова Алёна Петровна")
