"""Penalty engine boundaries; every expected value is computed by hand in the comments."""
from datetime import date
from decimal import Decimal as D

import pytest

from casework.domain.allocation import Charge, Payment
from casework.domain.errors import UnsupportedDebt
from casework.domain.penalty import compute_penalty, penalty_tier_starts
from casework.domain.periods import Period
from casework.domain.policy import PenaltyPolicy

P = Period


def run(charges, payments, calc, rates, cal, **policy):
    return compute_penalty(charges, payments, calc, PenaltyPolicy(**policy), rates, cal)


def one(period, amount, paid_on, rates, cal, **policy):
    res = run([Charge(period, D(amount))], [Payment(paid_on, D(amount), period)], paid_on, rates, cal, **policy)
    assert len(res.rows) == 1
    return res, res.rows[0]


# 2019-05 charge: due 10.06.2019 (Monday). Day 30 = 10.07.2019, day 31 = 11.07.2019.
def test_day_30_is_free(rates, cal):
    res, row = one(P(2019, 5), "3000.00", date(2019, 7, 10), rates, cal)
    assert (row.days_1_300, row.days_1_130, res.total) == (0, 0, D("0.00"))
    assert row.start == date(2019, 6, 11) and row.rate_percent == D("7.50")


def test_day_31_is_first_day_at_1_300(rates, cal):
    # 3000 * 7.5% / 300 * 1 day = 0.75
    res, row = one(P(2019, 5), "3000.00", date(2019, 7, 11), rates, cal)
    assert (row.days_1_300, row.days_1_130, res.total) == (1, 0, D("0.75"))


def test_payment_day_excluded_policy(rates, cal):
    res, row = one(P(2019, 5), "3000.00", date(2019, 7, 11), rates, cal, payment_day_inclusive=False)
    assert (row.days_1_300, res.total) == (0, D("0.00"))


def test_day_90_and_91(rates, cal):
    # day 90 = 08.09.2019 (10.06 + 20 + 31 + 31 + 8); rate that day 7.25 (from 29.07.2019)
    # 3000 * 0.0725 * 60/300 = 43.50
    res, row = one(P(2019, 5), "3000.00", date(2019, 9, 8), rates, cal)
    assert (row.days_1_300, row.days_1_130, row.rate_percent, res.total) == (60, 0, D("7.25"), D("43.50"))
    # day 91 = 09.09.2019; rate 7.00 from 09.09.2019: 3000*0.07*(60/300 + 1/130) = 42 + 1.615385 = 43.615 -> 43.62
    res, row = one(P(2019, 5), "3000.00", date(2019, 9, 9), rates, cal)
    assert (row.days_1_300, row.days_1_130, row.rate_percent, res.total) == (60, 1, D("7.00"), D("43.62"))


def unpaid(period, calc, rates, cal, amount="4000.00", **policy):
    res = run([Charge(period, D(amount))], [], calc, rates, cal, **policy)
    return res.rows[0]


# 2020-01 charge: due 10.02.2020. 05.04.2020 is day 55 (19 + 31 + 5); ПП 424 covers 06.04–31.12.2020.
def test_pp424_edges_calendar_counter(rates, cal):
    assert (unpaid(P(2020, 1), date(2020, 4, 5), rates, cal).days_1_300) == 25
    assert (unpaid(P(2020, 1), date(2020, 4, 6), rates, cal).days_1_300) == 25
    r = unpaid(P(2020, 1), date(2020, 12, 31), rates, cal)
    assert (r.days_1_300, r.days_1_130) == (25, 0)
    # 01.01.2021 is day 326 (2020 is leap: 10.02 -> 31.12 = 325) -> 1/130 tier at once
    r = unpaid(P(2020, 1), date(2021, 1, 1), rates, cal)
    assert (r.days_1_300, r.days_1_130) == (25, 1)


def test_pp424_frozen_counter_resumes_at_day_56(rates, cal):
    r = unpaid(P(2020, 1), date(2021, 1, 1), rates, cal, moratorium_counter="frozen")
    assert (r.days_1_300, r.days_1_130) == (26, 0)
    s300, s130 = penalty_tier_starts(date(2020, 2, 10), [(date(2020, 4, 6), date(2020, 12, 31))], "frozen")
    # 31st counted day = 12.03.2020; 91st: 25 days to 05.04, 35 more from 01.01.2021 -> 04.02, next 05.02.2021
    assert (s300, s130) == (date(2020, 3, 12), date(2021, 2, 5))


def test_pp424_switch_off(rates, cal):
    r = unpaid(P(2020, 1), date(2020, 4, 6), rates, cal, pp424=False)
    assert r.days_1_300 == 26


# ПП 497: 01.04.2022–01.10.2022 for periods <= 2022-03. 2022-03 is due 11.04.2022 (10.04 was a Sunday).
def test_pp497_edges_for_march_2022(rates, cal):
    r = unpaid(P(2022, 3), date(2022, 10, 1), rates, cal)
    assert (r.days_1_300, r.days_1_130, r.units) == (0, 0, 0)
    # 02.10.2022 is day 174 (11.04 -> 02.10): first accruing day, at 1/130
    r = unpaid(P(2022, 3), date(2022, 10, 2), rates, cal)
    assert (r.days_1_300, r.days_1_130) == (0, 1)


def test_pp497_does_not_cover_april_2022(rates, cal):
    # 2022-04 due 11.05.2022 (10.05.2022 was a day off); 10.07.2022 is day 60 -> 30 days at 1/300
    # rate 9.5 (key 9.5 from 14.06.2022, cap 9.5): 4000 * 0.095 * 30/300 = 38.00
    res = run([Charge(P(2022, 4), D("4000.00"))], [], date(2022, 7, 10), rates, cal)
    assert (res.rows[0].days_1_300, res.total) == (30, D("38.00"))


def test_pp497_switch_off(rates, cal):
    r = unpaid(P(2022, 3), date(2022, 10, 1), rates, cal, pp497=False)
    # day 173: 60 days at 1/300 and 173 - 90 = 83 at 1/130
    assert (r.days_1_300, r.days_1_130) == (60, 83)


def test_cap_applies_from_28_02_2022(rates, cal):
    # 2021-11 due 10.12.2021; paid 28.02.2022 = day 80 -> 50 days at 1/300.
    # key on 28.02.2022 = 20%, capped 9.5: 6000 * 0.095 * 50/300 = 95.00; uncapped 6000*0.2*50/300 = 200.00
    res, row = one(P(2021, 11), "6000.00", date(2022, 2, 28), rates, cal)
    assert (row.days_1_300, row.rate_percent, res.total) == (50, D("9.50"), D("95.00"))
    res, row = one(P(2021, 11), "6000.00", date(2022, 2, 28), rates, cal, cap="none")
    assert (row.rate_percent, res.total) == (D("20.00"), D("200.00"))
    # the day before: 27.02.2022 (day 79, 49 days), key 9.5 uncapped: 6000 * 0.095 * 49/300 = 93.10
    res, row = one(P(2021, 11), "6000.00", date(2022, 2, 27), rates, cal, cap="none")
    assert (row.days_1_300, row.rate_percent, res.total) == (49, D("9.50"), D("93.10"))


def test_cap_ends_31_12_2026(rates, cal):
    # 2026-09 due 15.10.2026 (Thursday). Unpaid at 31.12.2026: day 77 -> 47 days at 1/300, rate 9.5 (capped 14)
    # 10000 * 0.095 * 47/300 = 148.8333 -> 148.83
    res = run([Charge(P(2026, 9), D("10000.00"))], [], date(2026, 12, 31), rates, cal)
    assert (res.rows[0].days_1_300, res.rows[0].rate_percent, res.total) == (47, D("9.50"), D("148.83"))
    # at 01.01.2027: day 78, 48 days, uncapped 14.00: 10000 * 0.14 * 48/300 = 224.00
    res = run([Charge(P(2026, 9), D("10000.00"))], [], date(2027, 1, 1), rates, cal)
    assert (res.rows[0].days_1_300, res.rows[0].rate_percent, res.total) == (48, D("14.00"), D("224.00"))


def test_daily_mode_splits_on_rate_changes(rates, cal):
    # 2021-08: 2500 due 10.09.2021, unpaid at 25.01.2022. Day 31 = 11.10.2021, day 91 = 10.12.2021.
    # 1/300: 11.10–24.10 (14 d @6.75), 25.10–09.12 (46 d @7.50); 1/130: 10.12–19.12 (10 d @7.50), 20.12–25.01 (37 d @8.50)
    # 2500*(0.0675*14/300 + 0.075*46/300 + 0.075*10/130 + 0.085*37/130) = 111.5288 -> 111.53
    res = run([Charge(P(2021, 8), D("2500.00"))], [], date(2022, 1, 25), rates, cal, rate_mode="daily")
    row = res.rows[0]
    assert (row.days_1_300, row.days_1_130, row.rate_bp, res.total) == (60, 47, None, D("111.53"))


def test_total_is_rounded_from_unrounded_sum(rates, cal):
    # Two 1-kopeck-ish portions: 2019-05 charge 2.00 paid 1.00 + 1.00 on day 31 (11.07.2019, rate 7.5):
    # each 1 * 0.075/300 = 0.00025 -> rows 0.00, total 0.0005 -> 0.00; the exact sum is kept
    res = run([Charge(P(2019, 5), D("2.00"))],
              [Payment(date(2019, 7, 11), D("1.00"), P(2019, 5)), Payment(date(2019, 7, 11), D("1.00"), P(2019, 5))],
              date(2019, 7, 11), rates, cal)
    assert [r.penalty for r in res.rows] == [D("0.00"), D("0.00")]
    assert res.total_exact * 10000 == 5  # 0.0005 rubles exactly
    # 3 x 1000 paid on day 31: each 1000*0.075/300 = 0.25 -> rows 0.25, total 0.75
    res = run([Charge(P(2019, 5), D("3000.00"))],
              [Payment(date(2019, 7, 11), D("1000.00"), P(2019, 5), f"p{i}") for i in range(3)],
              date(2019, 7, 11), rates, cal)
    assert [r.penalty for r in res.rows] == [D("0.25")] * 3 and res.total == D("0.75")
    assert [r.payment_ref for r in res.rows] == ["p0", "p1", "p2"]


def test_rows_trace_payment_and_remainder(rates, cal):
    # PEN-07a shape: unnamed 3000 on 15.05.2025 closes January; Feb and Mar stay unpaid
    charges = [Charge(P(2025, m), D("3000.00")) for m in (1, 2, 3)]
    res = run(charges, [Payment(date(2025, 5, 15), D("3000.00"), None, "bank-1")], date(2025, 6, 30), rates, cal)
    assert [(str(r.period), r.paid, r.payment_ref, r.allocation_rule) for r in res.rows] == [
        ("2025-01", True, "bank-1", "earliest_due"), ("2025-02", False, None, None), ("2025-03", False, None, None)]
    # 2025-01 due 10.02.2025; 15.05.2025 is day 94 -> 60 + 4; 3000*0.095*(60/300+4/130) = 65.769 -> 65.77
    assert res.rows[0].penalty == D("65.77")


def test_payment_after_calc_date_is_ignored(rates, cal):
    res = run([Charge(P(2019, 5), D("3000.00"))], [Payment(date(2019, 7, 12), D("3000.00"), P(2019, 5))],
              date(2019, 7, 11), rates, cal)
    assert [(r.paid, r.days_1_300) for r in res.rows] == [(False, 1)]


def test_due_before_2016_is_refused(rates, cal):
    with pytest.raises(UnsupportedDebt):
        run([Charge(P(2015, 11), D("100.00"))], [], date(2016, 6, 1), rates, cal)
    # 2015-12 is due 10.01.2016 (Sunday) -> 11.01.2016, under the new rule
    res = run([Charge(P(2015, 12), D("100.00"))], [], date(2016, 1, 12), rates, cal)
    assert res.rows[0].due_date == date(2016, 1, 11)


def test_payment_before_due_gives_zero_day_portion(rates, cal):
    res = run([Charge(P(2025, 1), D("100.00"))], [Payment(date(2025, 2, 1), D("100.00"))], date(2025, 6, 1), rates, cal)
    row = res.rows[0]
    assert (row.paid, row.days_1_300, row.days_1_130, row.penalty) == (True, 0, 0, D("0.00"))


def test_penalty_says_when_a_due_date_comes_from_a_provisional_year(cal, rates):
    # December 2026 is due 15.01.2027 (a year with no decree data): the result may move once it is entered
    assert run([Charge(P(2026, 12), D("1000.00"))], [], date(2027, 3, 1), rates, cal).provisional_years == {2027}
    assert run([Charge(P(2026, 10), D("1000.00"))], [], date(2027, 3, 1), rates, cal).provisional_years == frozenset()
    # a payment after a charge's raw limitation end meets the ГК 193 shift of that end (allocation, Пленум № 22 п.32)
    res = run([Charge(P(2024, 3), D("1000.00"), date(2024, 4, 30))], [Payment(date(2027, 5, 4), D("1000.00"))],
              date(2027, 5, 4), rates, cal)
    assert res.provisional_years == {2027} and res.allocation.open_kop[P(2024, 3)] == 0  # paid on its last day
