"""Limitation: expected dates worked out by hand (ГК 192 п.3, ГК 193 with the production calendar)."""
from datetime import date
from decimal import Decimal as D

from casework.domain.allocation import Charge
from casework.domain.limitation import LimitationEvent, compute_limitation, last_day_to_file, limitation_raw_end
from casework.domain.periods import Period
from casework.domain.policy import LimitationPolicy

P = Period


def lim(periods, as_of, cal, events=(), **policy):
    charges = [Charge(p, D("1000.00")) for p in periods]
    return compute_limitation(charges, list(events), as_of, LimitationPolicy(**policy), cal)


def test_reading_a_vs_b_on_the_anniversary(cal):
    # 2022-02 due 10.03.2022. A: 11.03.2022 + 3y = 11.03.2025; B: 10.03.2025 (a working Monday)
    a = lim([P(2022, 2)], date(2025, 3, 11), cal).rows[0]
    b = lim([P(2022, 2)], date(2025, 3, 11), cal, reading="B").rows[0]
    assert (a.last_day_to_file, a.time_barred) == (date(2025, 3, 11), False)
    assert (b.last_day_to_file, b.time_barred) == (date(2025, 3, 10), True)


def test_weekend_shift_of_the_final_date(cal):
    # 2021-01 due 10.02.2021 -> raw end 11.02.2024 (Sunday) -> 12.02.2024
    r = lim([P(2021, 1)], date(2024, 2, 12), cal).rows[0]
    assert (r.last_day_to_file, r.time_barred) == (date(2024, 2, 12), False)
    r = lim([P(2021, 1)], date(2024, 2, 12), cal, weekend_shift=False).rows[0]
    assert (r.last_day_to_file, r.time_barred) == (date(2024, 2, 11), True)


def test_feb_29_arithmetic():
    assert limitation_raw_end(date(2020, 2, 29), "B") == date(2023, 2, 28)
    assert limitation_raw_end(date(2020, 2, 28), "A") == date(2023, 2, 28)  # due+1 = 29.02.2020 -> 28.02.2023
    assert limitation_raw_end(date(2020, 2, 29), "A") == date(2023, 3, 1)


ORDER = [LimitationEvent("court_order_filed", date(2024, 3, 1)), LimitationEvent("court_order_cancelled", date(2024, 6, 20))]


def test_order_filed_and_cancelled_with_six_month_floor(cal):
    # 01.03.2024 -> 20.06.2024 = 111 days. 2021-02: raw 11.03.2024 + 111 = 30.06.2024 < floor 20.12.2024 -> 20.12.2024
    # 2021-12: due 10.01.2022, raw 11.01.2025 + 111 = 02.05.2025 (day off) -> 05.05.2025
    # 2021-01: ended 12.02.2024 before the filing: not revived
    res = lim([P(2021, 1), P(2021, 2), P(2021, 12)], date(2024, 11, 15), cal, ORDER)
    assert [(r.last_day_to_file, r.suspended_days, r.time_barred) for r in res.rows] == [
        (date(2024, 2, 12), 0, True), (date(2024, 12, 20), 111, False), (date(2025, 5, 5), 111, False)]
    assert res.time_barred_amount == D("1000.00") and res.claimable_amount == D("2000.00")


def test_floor_day_itself_and_day_after(cal):
    assert not lim([P(2021, 2)], date(2024, 12, 20), cal, ORDER).rows[0].time_barred
    assert lim([P(2021, 2)], date(2024, 12, 23), cal, ORDER).rows[0].time_barred


def test_order_for_listed_periods_only(cal):
    events = [LimitationEvent("court_order_filed", date(2024, 3, 1), frozenset({P(2021, 3)})),
              LimitationEvent("court_order_cancelled", date(2024, 6, 20), frozenset({P(2021, 3)}))]
    res = lim([P(2021, 2), P(2021, 3)], date(2024, 11, 15), cal, events)
    assert [r.suspended_days for r in res.rows] == [0, 111]
    assert res.time_barred_periods == [P(2021, 2)]


def test_pending_order_gives_no_last_day(cal):
    res = lim([P(2021, 2)], date(2024, 5, 1), cal, ORDER[:1])
    r = res.rows[0]
    assert (r.last_day_to_file, r.time_barred, r.pending) == (None, False, True)


def test_events_after_as_of_are_ignored(cal):
    r = lim([P(2021, 2)], date(2024, 5, 1), cal, [LimitationEvent("court_order_filed", date(2024, 5, 2))]).rows[0]
    assert (r.last_day_to_file, r.time_barred) == (date(2024, 3, 11), True)


def test_acknowledgment_revives_a_barred_month(cal):
    # 2020-01 due 10.02.2020 ended 11.02.2023 (Sat) -> 13.02.2023. Written agreement 01.06.2023 (ГК 206 п.2):
    # new raw end 01.06.2026 (Monday)
    ack = [LimitationEvent("acknowledged", date(2023, 6, 1), frozenset({P(2020, 1)}))]
    assert lim([P(2020, 1)], date(2023, 5, 31), cal).rows[0].last_day_to_file == date(2023, 2, 13)
    r = lim([P(2020, 1)], date(2026, 6, 1), cal, ack).rows[0]
    assert (r.last_day_to_file, r.time_barred) == (date(2026, 6, 1), False)
    assert lim([P(2020, 1)], date(2026, 6, 2), cal, ack).rows[0].time_barred


def test_event_only_concerns_months_due_before_it(cal):
    # acknowledgment dated 10.03.2022 does not concern 2022-02 (due 10.03.2022, not before the event)
    ack = [LimitationEvent("acknowledged", date(2022, 3, 10))]
    assert lim([P(2022, 2)], date(2025, 3, 1), cal, ack).rows[0].last_day_to_file == date(2025, 3, 11)


def test_claim_filed_stops_the_clock(cal):
    r = lim([P(2021, 2)], date(2025, 1, 1), cal, [LimitationEvent("claim_filed", date(2024, 3, 1))]).rows[0]
    assert (r.pending, r.time_barred, r.last_day_to_file) == (True, False, None)


def test_last_day_in_2027_uses_fallback_calendar(cal):
    # due 31.12.2023, reading A: raw end 01.01.2027; no 2027 decree data, so weekends + ТК 112
    # holidays 1-8 January (Fri 01.01 .. Fri 08.01, weekend 09-10.01) -> Monday 11.01.2027
    assert last_day_to_file(date(2023, 12, 31), cal, "A", True) == date(2027, 1, 11)
    assert last_day_to_file(date(2023, 12, 31), cal, "A", False) == date(2027, 1, 1)


def test_a_claim_filed_on_4_may_2027_is_in_time_by_tk112_part2(cal):
    """March 2024 with the contract day 30 (before 177-ФЗ): nominal due 30.04.2024, a day off (29.04–01.05.2024 by
    the decree), so due Thursday 02.05.2024; reading A ends Monday 03.05.2027 — off by ТК 112 ч.2 (1 May 2027 is a
    Saturday) although no 2027 decree is in the data — so the last day to file is Tuesday 04.05.2027 and a claim
    filed that day is in time (weekends and ч.1 holidays alone would have made 03.05 the last day)."""
    charge = [Charge(P(2024, 3), D("1000.00"), date(2024, 4, 30))]
    on_day = compute_limitation(charge, [], date(2027, 5, 4), LimitationPolicy(), cal).rows[0]
    assert on_day.due_date == date(2024, 5, 2)
    assert (on_day.raw_end, on_day.last_day_to_file, on_day.time_barred) == (date(2027, 5, 3), date(2027, 5, 4), False)
    assert on_day.provisional_years == {2027}
    filed = compute_limitation(charge, [LimitationEvent("claim_filed", date(2027, 5, 4))], date(2027, 9, 1),
                               LimitationPolicy(), cal)
    assert filed.rows[0].pending and not filed.rows[0].time_barred  # the filing stopped the clock in time
    late = compute_limitation(charge, [], date(2027, 5, 5), LimitationPolicy(), cal)
    assert late.rows[0].time_barred and late.provisional_years == {2027}


def test_rows_relying_only_on_decree_years_are_not_provisional(cal):
    res = lim([P(2022, 2)], date(2025, 3, 11), cal)
    assert res.provisional_years == frozenset() and res.rows[0].provisional_years == frozenset()
    # without the ГК 193 shift the calendar is not consulted at all
    assert lim([P(2024, 3)], date(2027, 5, 4), cal, weekend_shift=False).provisional_years == frozenset()
