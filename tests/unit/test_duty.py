"""Duty scales (НК 333.19, 333.21): band edges and rounding, computed by hand."""
from datetime import date
from decimal import Decimal as D

import pytest

from casework.domain.duty import compute_duty
from casework.domain.errors import InvalidInput
from casework.domain.policy import DutyPolicy

OLD = date(2024, 9, 8)
NEW = date(2024, 9, 9)


def claim_duty(claim, sent, scales, court="general"):
    return compute_duty(D(claim), court, "claim", sent, scales).claim_duty_exact


@pytest.mark.parametrize("claim,expected", [
    ("5000.00", "400"),          # 4% = 200 -> minimum 400
    ("10000.00", "400"),         # 4% = 400
    ("20000.00", "800"),         # 4% = 800 (band edge, "over 20,000" not reached)
    ("20000.01", "800.0003"),    # 800 + 3% * 0.01
    ("100000.00", "3200"),       # 800 + 3% * 80,000
    ("200000.00", "5200"),       # 3200 + 2% * 100,000
    ("1000000.00", "13200"),     # 5200 + 1% * 800,000
    ("10360000.00", "60000"),    # 13200 + 0.5% * 9,360,000 = 60,000 (maximum reached)
    ("20000000.00", "60000"),    # capped
])
def test_old_general_scale(claim, expected, scales):
    assert claim_duty(claim, OLD, scales) == D(expected)


@pytest.mark.parametrize("claim,expected", [
    ("1.00", "4000"), ("100000.00", "4000"), ("100000.01", "4000.0003"),
    ("300000.00", "10000"), ("500000.00", "15000"), ("1000000.00", "25000"), ("3000000.00", "45000"),
    ("8000000.00", "80000"), ("24000000.00", "136000"), ("50000000.00", "214000"), ("100000000.00", "314000"),
    ("500000000.00", "900000"),  # 314000 + 0.15% * 400e6 = 914000 -> maximum 900000
])
def test_new_general_scale(claim, expected, scales):
    assert claim_duty(claim, NEW, scales) == D(expected)


@pytest.mark.parametrize("claim,old,new", [
    ("40000.00", "2000", "10000"),       # old: 4% = 1600 -> min 2000
    ("100000.00", "4000", "10000"),
    ("200000.00", "7000", "15000"),      # new: 10000 + 5% * 100,000
    ("1000000.00", "23000", "55000"),
    ("2000000.00", "33000", "85000"),    # new: 55000 + 3% * 1e6
    ("10000000.00", "73000", "325000"),  # old: 33000 + 0.5% * 8e6
    ("50000000.00", "200000", "725000"),  # old capped 200000 (33000 + 240000)
])
def test_arbitrazh_scales(claim, old, new, scales):
    assert claim_duty(claim, OLD, scales, "arbitrazh") == D(old)
    assert claim_duty(claim, NEW, scales, "arbitrazh") == D(new)


def test_scale_switch_08_09_2024(scales):
    # 50,000: old 800 + 3% * 30,000 = 1700, order 850; new 4000, order 2000
    o = compute_duty(D("50000"), "general", "court_order", OLD, scales)
    n = compute_duty(D("50000"), "general", "court_order", NEW, scales)
    assert (o.scale, o.court_order_duty, o.to_pay) == ("old", D("850.00"), D("850.00"))
    assert (n.scale, n.court_order_duty, n.to_pay) == ("new", D("2000.00"), D("2000.00"))


def test_half_ruble_rounding_nk52(scales):
    # 4000 + 3% * 16.50 = 4000.495 -> kopecks 4000.50, rubles 4000 (the exact value is below the half)
    r = compute_duty(D("100016.50"), "general", "claim", NEW, scales)
    assert (r.claim_duty_kopecks, r.claim_duty, r.to_pay) == (D("4000.50"), D("4000.00"), D("4000.00"))
    assert compute_duty(D("100016.50"), "general", "claim", NEW, scales,
                        policy=DutyPolicy("kopecks")).to_pay == D("4000.50")
    # 4000 + 3% * 16.67 = 4000.5001 -> 4001
    assert compute_duty(D("100016.67"), "general", "claim", NEW, scales).claim_duty == D("4001.00")


def test_order_is_half_of_exact_claim_duty_and_arbitrazh_minimum(scales):
    # DUTY-06: 4000 + 3% * 134,567.89 = 8037.0367; order 4018.51835 -> 4018.52 / 4019
    r = compute_duty(D("234567.89"), "general", "court_order", NEW, scales)
    assert (r.court_order_duty_kopecks, r.court_order_duty) == (D("4018.52"), D("4019.00"))
    r = compute_duty(D("50000"), "arbitrazh", "court_order", NEW, scales)
    assert (r.claim_duty, r.court_order_duty) == (D("10000.00"), D("8000.00"))  # 50% = 5000 -> min 8000


def test_credit(scales):
    r = compute_duty(D("120000"), "general", "claim", NEW, scales, credit=D("2300"))
    assert r.to_pay == D("2300.00")  # 4000 + 3% * 20,000 = 4600 - 2300
    assert compute_duty(D("8000"), "general", "claim", NEW, scales, credit=D("5000")).to_pay == D("0.00")


def test_before_2015_is_refused(scales):
    with pytest.raises(InvalidInput):
        compute_duty(D("1000"), "general", "claim", date(2014, 12, 31), scales)
    assert compute_duty(D("1000"), "general", "claim", date(2015, 1, 1), scales).scale == "old"
