from decimal import Decimal as D

import pytest

from casework.domain.errors import InvalidAmount
from casework.domain.money import format_money, from_kopecks, round_half_up_div, round_rubles, to_kopecks, to_money


def test_to_money_rounds_half_up_to_kopecks():
    assert to_money(D("4000.495")) == D("4000.50")
    assert to_money(D("4000.494999")) == D("4000.49")
    assert to_money(D("0.005")) == D("0.01")


def test_round_rubles_drops_under_half_and_rounds_half_up_nk52():
    # НК 52 п.6: 4000.495 -> 4000 (0.495 < 0.5) even though its kopeck value is 4000.50
    assert round_rubles(D("4000.495")) == D("4000.00")
    assert round_rubles(D("4000.50")) == D("4001.00")
    assert round_rubles(D("4018.51835")) == D("4019.00")


def test_to_kopecks_is_exact_and_refuses_fractions_of_a_kopeck():
    assert to_kopecks(D("1234.5")) == 123450
    assert to_kopecks("0.01") == 1
    with pytest.raises(InvalidAmount):
        to_kopecks(D("1.234"))
    with pytest.raises(InvalidAmount):
        to_kopecks(1.5)


def test_from_kopecks_has_two_decimals():
    assert str(from_kopecks(0)) == "0.00"
    assert str(from_kopecks(17567)) == "175.67"


def test_round_half_up_div_exact_ties():
    assert round_half_up_div(5, 10) == 1   # 0.5 -> 1
    assert round_half_up_div(4, 10) == 0
    assert round_half_up_div(15, 10) == 2
    assert round_half_up_div(-15, 10) == -2


def test_format_money():
    assert format_money(D("9.5")) == "9.50"
