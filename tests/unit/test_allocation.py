from datetime import date
from decimal import Decimal as D

import pytest

from casework.domain.allocation import EARLIEST_DUE, NAMED, Payment, ScheduledCharge, allocate_payments
from casework.domain.errors import InvalidInput
from casework.domain.periods import Period

P = Period


def sc(period, kop, due, last=None):
    return ScheduledCharge(period, kop, due, last)


CHARGES = [sc(P(2025, 1), 300000, date(2025, 2, 10)), sc(P(2025, 2), 300000, date(2025, 3, 10)),
           sc(P(2025, 3), 300000, date(2025, 4, 10))]


def trace(alloc):
    return [(p.payment_ref, str(p.period), p.amount_kop, p.rule) for p in alloc.parts]


def test_named_period_first_then_earliest_due():
    a = allocate_payments(CHARGES, [Payment(date(2025, 5, 15), D("4000.00"), P(2025, 3), "x")], date(2025, 6, 30))
    assert trace(a) == [("x", "2025-03", 300000, NAMED), ("x", "2025-01", 100000, EARLIEST_DUE)]
    assert a.open_balance(P(2025, 1)) == D("2000.00")


def test_unnamed_goes_to_earliest_due():
    a = allocate_payments(CHARGES, [Payment(date(2025, 5, 15), D("3500.00"), None, "y")], date(2025, 6, 30))
    assert trace(a) == [("y", "2025-01", 300000, EARLIEST_DUE), ("y", "2025-02", 50000, EARLIEST_DUE)]


def test_same_date_in_input_order_and_by_date():
    pays = [Payment(date(2025, 5, 20), D("100.00"), None, "late"), Payment(date(2025, 5, 15), D("100.00"), None, "a"),
            Payment(date(2025, 5, 15), D("100.00"), P(2025, 2), "b")]
    a = allocate_payments(CHARGES, pays, date(2025, 6, 30))
    assert [p.payment_ref for p in a.parts] == ["a", "b", "late"]
    assert [p.payment_index for p in a.parts] == [1, 2, 0]


def test_time_barred_charge_is_skipped_on_payment_day():
    # 2019-01 due 11.02.2019; reading A raw end 12.02.2022 (Saturday) -> last day 14.02.2022
    charges = [sc(P(2019, 1), 10000, date(2019, 2, 11), date(2022, 2, 14)),
               sc(P(2019, 2), 10000, date(2019, 3, 11), date(2022, 3, 14))]
    on_last_day = allocate_payments(charges, [Payment(date(2022, 2, 14), D("50.00"), None, "p")], date(2022, 3, 1))
    assert trace(on_last_day) == [("p", "2019-01", 5000, EARLIEST_DUE)]
    day_after = allocate_payments(charges, [Payment(date(2022, 2, 15), D("50.00"), None, "p")], date(2022, 3, 1))
    assert trace(day_after) == [("p", "2019-02", 5000, EARLIEST_DUE)]


def test_named_payment_may_pay_a_barred_period():
    charges = [sc(P(2019, 1), 10000, date(2019, 2, 11), date(2022, 2, 14))]
    a = allocate_payments(charges, [Payment(date(2023, 1, 10), D("100.00"), P(2019, 1), "n")], date(2023, 2, 1))
    assert trace(a) == [("n", "2019-01", 10000, NAMED)]


def test_overpayment_is_recorded_and_payments_after_as_of_ignored():
    a = allocate_payments(CHARGES[:1], [Payment(date(2025, 5, 1), D("3500.00"), None, "o"),
                                        Payment(date(2025, 7, 1), D("1.00"), None, "future")], date(2025, 6, 30))
    assert trace(a) == [("o", "2025-01", 300000, EARLIEST_DUE)]
    assert [(o.payment_ref, o.amount) for o in a.overpayments] == [("o", D("500.00"))]


def test_errors():
    with pytest.raises(InvalidInput):
        allocate_payments(CHARGES + [CHARGES[0]], [], date(2025, 6, 30))
    with pytest.raises(InvalidInput):
        allocate_payments(CHARGES, [Payment(date(2025, 5, 1), D("1.00"), P(2024, 1))], date(2025, 6, 30))
