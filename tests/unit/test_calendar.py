from datetime import date

import pytest

from casework.domain.calendar import WorkingCalendar, weekends_only_calendar
from casework.domain.errors import DomainError


def test_transferred_days_2025(cal):
    assert cal.is_working_day(date(2025, 3, 10))       # Monday; the 8 March day off was moved to 13.06.2025
    assert not cal.is_working_day(date(2025, 3, 8))     # Saturday
    assert not cal.is_working_day(date(2025, 6, 13))    # Friday, transferred day off
    assert not cal.is_working_day(date(2025, 5, 2))
    assert cal.is_working_day(date(2025, 11, 1)) is True  # working Saturday


def test_new_year_2024_2025(cal):
    assert not cal.is_working_day(date(2024, 12, 30))
    assert not cal.is_working_day(date(2024, 12, 31))
    assert cal.is_working_day(date(2024, 12, 28))       # working Saturday
    assert not cal.is_working_day(date(2026, 1, 9))
    assert not cal.is_working_day(date(2026, 12, 31))


def test_presidential_non_working_days_2020_are_working_for_gk193(cal):
    assert cal.is_working_day(date(2020, 4, 6))          # Monday within the 2020 "нерабочие дни"


def test_gk193_shift(cal):
    assert cal.next_working_day(date(2024, 12, 29)) == date(2025, 1, 9)   # Sun, 30-31.12 and 1-8.01 off
    assert cal.next_working_day(date(2024, 12, 28)) == date(2024, 12, 28)  # working Saturday stays
    assert cal.next_working_day(date(2025, 3, 8)) == date(2025, 3, 10)
    d = cal.next_working_day(date(2022, 5, 7))
    assert d == date(2022, 5, 11) and cal.next_working_day(d) == d       # idempotent


def test_add_working_days(cal):
    assert cal.add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 10)
    assert cal.add_working_days(date(2024, 12, 27), 2) == date(2025, 1, 9)  # 28.12 (Sat, working), then 09.01
    assert cal.add_working_days(date(2025, 3, 7), 0) == date(2025, 3, 7)
    with pytest.raises(DomainError):
        cal.add_working_days(date(2025, 3, 7), -1)


def test_year_outside_data_falls_back_to_weekends_and_tk112(cal):
    assert not cal.covers(2027)
    for d in (date(2027, 1, 1), date(2027, 1, 8), date(2027, 2, 23), date(2027, 3, 8), date(2027, 6, 12)):
        assert not cal.is_working_day(d), d
    assert cal.is_working_day(date(2027, 1, 11))       # Monday
    assert cal.is_working_day(date(2027, 2, 22))       # Monday; no transfers are invented
    assert cal.is_working_day(date(2027, 5, 3))        # 1 May on Saturday is not moved in the fallback
    assert cal.is_working_day(date(2027, 12, 31))      # Friday; 31.12 is not a ТК 112 holiday
    assert cal.next_working_day(date(2027, 1, 1)) == date(2027, 1, 11)


def test_from_rows_accepts_dicts_and_tuples():
    c = WorkingCalendar.from_rows([{"date": "2030-01-09", "kind": "non_working"}, ("2030-01-12", "working")])
    assert not c.is_working_day(date(2030, 1, 9))      # Wednesday made a day off
    assert c.is_working_day(date(2030, 1, 12))         # Saturday made working
    with pytest.raises(DomainError):
        WorkingCalendar.from_rows([("2030-01-09", "holiday")])


def test_weekends_only_calendar():
    c = weekends_only_calendar()
    assert not c.is_working_day(date(2025, 1, 1)) and c.is_working_day(date(2025, 3, 10))
