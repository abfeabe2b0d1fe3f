from datetime import date
from decimal import Decimal as D

import pytest

from casework.domain.errors import InvalidAmount
from casework.domain.restriction import (
    AgreementStatus,
    Service,
    ServiceDebt,
    assess_restriction,
    earliest_restriction_date,
    earliest_suspension_date,
    is_never_suspendable,
    restriction_threshold,
    resumption_due,
    split_payment_by_service,
    warning_term_end,
)

ON = date(2025, 6, 2)


def test_threshold_is_two_norm_months():
    assert restriction_threshold(D("1234.56")) == D("2469.12")
    with pytest.raises(InvalidAmount):
        restriction_threshold(D("0"))


def test_debt_must_exceed_threshold_strictly():
    at = assess_restriction(ServiceDebt(Service.ELECTRICITY, D("2000.00"), D("1000.00")), apartment_building=True, on=ON)
    over = assess_restriction(ServiceDebt(Service.ELECTRICITY, D("2000.01"), D("1000.00")), apartment_building=True, on=ON)
    assert (at.over_threshold, at.may_restrict) == (False, False)
    assert (over.over_threshold, over.may_restrict, over.may_suspend) == (True, True, True)


def test_heating_never_restricted_or_suspended():
    a = assess_restriction(ServiceDebt(Service.HEATING, D("9000"), D("1000")), apartment_building=False, on=ON)
    assert (a.may_restrict, a.may_suspend) == (False, False)


def test_cold_water_in_apartment_building_not_suspended_and_needs_lawyer():
    a = assess_restriction(ServiceDebt(Service.COLD_WATER, D("9000"), D("1000")), apartment_building=True, on=ON)
    assert (a.may_restrict, a.may_suspend, a.lawyer_approval_required) == (True, False, True)
    house = assess_restriction(ServiceDebt(Service.COLD_WATER, D("9000"), D("1000")), apartment_building=False, on=ON)
    assert (house.may_suspend, house.lawyer_approval_required) == (True, False)
    assert is_never_suspendable("heating", False) and is_never_suspendable("cold_water", True)
    assert not is_never_suspendable("hot_water", True)


def test_performed_agreement_blocks_breached_does_not():
    item = ServiceDebt(Service.HOT_WATER, D("9000"), D("1000"))
    assert not assess_restriction(item, apartment_building=True, agreement="performed", on=ON).may_restrict
    assert assess_restriction(item, apartment_building=True, agreement=AgreementStatus.BREACHED, on=ON).may_restrict


def test_pp424_freeze_edges():
    item = ServiceDebt(Service.ELECTRICITY, D("9000"), D("1000"))
    assert assess_restriction(item, apartment_building=True, on=date(2020, 4, 5)).may_restrict
    assert not assess_restriction(item, apartment_building=True, on=date(2020, 4, 6)).may_restrict
    assert not assess_restriction(item, apartment_building=True, on=date(2020, 12, 31)).may_restrict
    assert assess_restriction(item, apartment_building=True, on=date(2021, 1, 1)).may_restrict


def test_gas_is_out_of_scope():
    assert not assess_restriction(ServiceDebt(Service.GAS, D("9000"), D("1000")), apartment_building=False, on=ON).may_restrict


def test_terms_20_and_10_days(cal):
    # delivered 02.06.2025: term ends 22.06.2025 (Sunday); restriction from 23.06 without calendar
    assert warning_term_end(date(2025, 6, 2)) == date(2025, 6, 22)
    assert earliest_restriction_date(date(2025, 6, 2)) == date(2025, 6, 23)
    # with ГК 193: 22.06 -> 23.06 (Monday), restriction from 24.06
    assert earliest_restriction_date(date(2025, 6, 2), cal) == date(2025, 6, 24)
    # restricted 23.06.2025: 10 days -> 03.07.2025, suspension from 04.07.2025
    assert earliest_suspension_date(date(2025, 6, 23)) == date(2025, 7, 4)
    assert resumption_due(date(2025, 7, 10)) == date(2025, 7, 12)


def test_split_payment_proportionally_to_the_kopeck():
    # 100.00 over charges 1:1:1 -> 33.33 each + 1 kopeck to the first (largest remainder, ties in order)
    s = split_payment_by_service(D("100.00"), {Service.HEATING: D("1000"), Service.HOT_WATER: D("1000"),
                                               Service.ELECTRICITY: D("1000")})
    assert s == {Service.HEATING: D("33.34"), Service.HOT_WATER: D("33.33"), Service.ELECTRICITY: D("33.33")}
    s = split_payment_by_service(D("90.00"), {Service.HEATING: D("600"), Service.HOT_WATER: D("300")})
    assert s == {Service.HEATING: D("60.00"), Service.HOT_WATER: D("30.00")}
