"""Instalment schedules and adherence of payment agreements — pure rules."""
from datetime import date, timedelta

import pytest

from casework.domain.agreements import Adherence, AdherencePolicy, Instalment, assess, build_schedule
from casework.domain.calendar import weekends_only_calendar
from casework.domain.errors import DomainError


def amounts(s):
    return [i.amount_kop for i in s]


@pytest.mark.parametrize("debt,months", [(1_000_001, 7), (1, 1), (99_999_99, 11), (100_00, 3), (12_345_67, 36)])
@pytest.mark.parametrize("round_rubles", [False, True])
@pytest.mark.parametrize("remainder", ["last", "first"])
def test_schedule_sums_exactly_to_the_debt(debt, months, round_rubles, remainder):
    if round_rubles and debt // months < 100:
        with pytest.raises(DomainError, match="too small"):
            build_schedule(debt, months, date(2026, 12, 15), round_rubles=True, remainder=remainder)
        return
    s = build_schedule(debt, months, date(2026, 12, 15), round_rubles=round_rubles, remainder=remainder)
    assert sum(amounts(s)) == debt
    assert len(s) == months
    regular = amounts(s)[:-1] if remainder == "last" else amounts(s)[1:]
    assert len(set(regular)) <= 1  # every instalment but the one carrying the remainder is equal


def test_ten_thousand_and_one_kopeck_over_seven_months_in_kopecks():
    s = build_schedule(1_000_001, 7, date(2026, 12, 15))
    assert amounts(s) == [142857] * 6 + [142859]


def test_ten_thousand_and_one_kopeck_over_seven_months_in_rubles_remainder_first():
    s = build_schedule(1_000_001, 7, date(2026, 12, 15), round_rubles=True, remainder="first")
    assert amounts(s) == [143201] + [142800] * 6


def test_day_31_falls_on_the_last_day_of_short_months_and_returns_in_long_ones():
    s = build_schedule(600_00, 6, date(2027, 1, 31), 31)
    assert [i.due_on for i in s] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30),
                                      date(2027, 5, 31), date(2027, 6, 30)]


def test_day_30_in_a_leap_february_is_the_29th():
    s = build_schedule(300_00, 3, date(2028, 1, 30), 30)
    assert s[1].due_on == date(2028, 2, 29)


def test_first_date_may_differ_from_the_day_of_month():
    s = build_schedule(300_00, 3, date(2026, 12, 3), 20)
    assert [i.due_on for i in s] == [date(2026, 12, 3), date(2027, 1, 20), date(2027, 2, 20)]


def test_down_payment_is_instalment_zero_and_the_rest_is_spread():
    s = build_schedule(1000_00, 3, date(2027, 1, 10), down_payment_kop=100_00, down_payment_on=date(2026, 12, 20))
    assert s[0] == Instalment(0, date(2026, 12, 20), 100_00)
    assert amounts(s)[1:] == [30000, 30000, 30000]
    assert sum(amounts(s)) == 1000_00


@pytest.mark.parametrize("kw,message", [
    (dict(debt_kop=0, months=3), "above zero"),
    (dict(debt_kop=100_00, months=0), "months"),
    (dict(debt_kop=100_00, months=37), "months"),
    (dict(debt_kop=100_00, months=3, down_payment_kop=100_00), "down payment"),
    (dict(debt_kop=200, months=3, round_rubles=True), "too small"),
])
def test_impossible_terms_are_refused_in_words(kw, message):
    with pytest.raises(DomainError, match=message):
        build_schedule(first_due_on=date(2026, 12, 1), **kw)


# ------------------------------------------------------------------------------------------- adherence

SIGNED = date(2026, 11, 20)
SCHED = [Instalment(1, date(2026, 12, 10), 100_00), Instalment(2, date(2027, 1, 11), 100_00),
         Instalment(3, date(2027, 2, 10), 100_00)]
POLICY = AdherencePolicy(grace_days=5, broken_missed=2, broken_after_days=30)


def test_on_track_before_anything_is_due():
    r = assess(SCHED, [], date(2026, 12, 1), SIGNED, policy=POLICY)
    assert r.status == Adherence.ON_TRACK and r.overdue_kop == 0 and r.next_due.number == 1


def test_unpaid_instalment_is_not_late_within_grace_and_late_the_day_after():
    assert assess(SCHED, [], date(2026, 12, 15), SIGNED, policy=POLICY).status == Adherence.ON_TRACK
    r = assess(SCHED, [], date(2026, 12, 16), SIGNED, policy=POLICY)
    assert r.status == Adherence.LATE and r.overdue_kop == 100_00 and r.missed == 1
    assert r.instalments[0].state == "overdue"


def test_non_working_due_date_moves_the_deadline_to_the_next_working_day():
    sched = [Instalment(1, date(2026, 12, 12), 100_00)]  # Saturday
    cal = weekends_only_calendar()
    no_shift = assess(sched, [], date(2026, 12, 18), SIGNED, policy=POLICY)
    shifted = assess(sched, [], date(2026, 12, 18), SIGNED, policy=POLICY, next_working_day=cal.next_working_day)
    assert no_shift.status == Adherence.LATE  # 12 + 5 = 17 < 18
    assert shifted.status == Adherence.ON_TRACK  # Monday 14 + 5 = 19


def test_payments_go_to_instalments_in_order():
    r = assess(SCHED, [(date(2026, 12, 5), 150_00)], date(2026, 12, 20), SIGNED, policy=POLICY)
    assert [i.covered_kop for i in r.instalments] == [100_00, 50_00, 0]
    assert [i.state for i in r.instalments] == ["paid", "partly_paid", "upcoming"]
    assert r.status == Adherence.ON_TRACK


def test_payments_before_signing_do_not_count():
    r = assess(SCHED, [(date(2026, 11, 19), 100_00)], date(2026, 12, 20), SIGNED, policy=POLICY)
    assert r.status == Adherence.LATE and r.paid_kop == 0


def test_two_missed_instalments_break_the_agreement():
    r = assess(SCHED, [], date(2027, 1, 17), SIGNED, policy=AdherencePolicy(grace_days=5, broken_after_days=999))
    assert r.missed == 2 and r.status == Adherence.BROKEN


def test_a_delay_longer_than_the_limit_breaks_the_agreement():
    deadline = date(2026, 12, 15)
    at_limit = assess(SCHED, [], deadline + timedelta(days=30), SIGNED, policy=AdherencePolicy(5, 99, 30))
    over = assess(SCHED, [], deadline + timedelta(days=31), SIGNED, policy=AdherencePolicy(5, 99, 30))
    assert at_limit.status == Adherence.LATE and over.status == Adherence.BROKEN


def test_catching_up_returns_a_late_agreement_to_on_track():
    r = assess(SCHED, [(date(2026, 12, 18), 100_00)], date(2026, 12, 20), SIGNED, policy=POLICY)
    assert r.status == Adherence.ON_TRACK


def test_unpaid_current_charges_make_the_agreement_late_even_with_instalments_paid():
    charges = [(date(2026, 12, 10), 30_00)]  # November's bill due 10.12
    r = assess(SCHED, [(date(2026, 12, 9), 100_00)], date(2026, 12, 16), SIGNED, charges, policy=POLICY)
    assert r.status == Adherence.LATE and r.charges_overdue_kop == 30_00
    # the instalment is covered first (instalments before charges due the same day)
    assert r.instalments[0].state == "paid"
    paid_both = assess(SCHED, [(date(2026, 12, 9), 130_00)], date(2026, 12, 16), SIGNED, charges, policy=POLICY)
    assert paid_both.status == Adherence.ON_TRACK
    ignored = assess(SCHED, [(date(2026, 12, 9), 100_00)], date(2026, 12, 16), SIGNED, charges,
                     policy=AdherencePolicy(charges_count=False))
    assert ignored.status == Adherence.ON_TRACK


def test_charges_due_before_signing_are_not_part_of_the_agreement():
    r = assess(SCHED, [], date(2026, 12, 1), SIGNED, [(date(2026, 11, 10), 30_00)], policy=POLICY)
    assert r.status == Adherence.ON_TRACK


def test_completed_when_every_instalment_is_covered():
    r = assess(SCHED, [(date(2026, 12, 1), 300_00)], date(2026, 12, 2), SIGNED, policy=POLICY)
    assert r.status == Adherence.COMPLETED and r.covered_kop == 300_00
