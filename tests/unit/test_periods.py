from datetime import date

import pytest

from casework.domain.errors import InvalidPeriod
from casework.domain.periods import Period, add_months, add_years, effective_due_date, nominal_due_date, parse_period


def test_parse_period_strict():
    assert parse_period("2025-02") == Period(2025, 2)
    for bad in ("2025-13", "2025-2", "25-02", "2025-02-01", ""):
        with pytest.raises(InvalidPeriod):
            parse_period(bad)


def test_due_10th_before_switch_and_15th_from_march_2026_reading_b():
    assert nominal_due_date(Period(2026, 1)) == date(2026, 2, 10)
    assert nominal_due_date(Period(2026, 2)) == date(2026, 3, 10)   # reading B (default)
    assert nominal_due_date(Period(2026, 3)) == date(2026, 4, 15)
    assert nominal_due_date(Period(2025, 12)) == date(2026, 1, 10)  # year rollover


def test_reading_a_switch_from_february_2026():
    assert nominal_due_date(Period(2026, 2), due15_from=Period(2026, 2)) == date(2026, 3, 15)


def test_contract_day_applies_only_before_177fz():
    assert nominal_due_date(Period(2025, 1), contract_day=20) == date(2025, 2, 20)
    assert nominal_due_date(Period(2025, 1), contract_day=31) == date(2025, 2, 28)  # clamped to February
    assert nominal_due_date(Period(2026, 3), contract_day=20) == date(2026, 4, 15)  # contracts may no longer differ


def test_effective_due_date_shift(cal):
    # 10.07.2021 was a Saturday -> Monday 12.07.2021 (ГК 193)
    assert effective_due_date(Period(2021, 6), None, calendar=cal) == date(2021, 7, 12)
    assert effective_due_date(Period(2021, 6), None, weekend_shift=False) == date(2021, 7, 10)
    # 15.03.2026 Sunday -> 16.03.2026 (reading A)
    assert effective_due_date(Period(2026, 2), None, due15_from=Period(2026, 2), calendar=cal) == date(2026, 3, 16)
    # an explicit nominal date is shifted too: 10.05.2022 was a day off -> 11.05.2022
    assert effective_due_date(Period(2022, 4), date(2022, 5, 10), calendar=cal) == date(2022, 5, 11)


def test_gk192_month_end_arithmetic():
    assert add_years(date(2020, 2, 29), 3) == date(2023, 2, 28)
    assert add_years(date(2020, 2, 29), 4) == date(2024, 2, 29)
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2024, 6, 20), 6) == date(2024, 12, 20)
