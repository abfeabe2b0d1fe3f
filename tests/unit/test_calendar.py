from datetime import date

import pytest

from casework.domain.calendar import WorkingCalendar, statutory_days_off, statutory_transfers, weekends_only_calendar
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
    assert cal.is_working_day(date(2027, 1, 11))       # Monday: the January weekend days are moved by the decree only
    assert cal.is_working_day(date(2027, 2, 22))       # Monday; no bridge days are invented
    assert cal.is_working_day(date(2027, 12, 31))      # Friday; 31.12 is not a ТК 112 holiday
    assert cal.next_working_day(date(2027, 1, 1)) == date(2027, 1, 11)


def test_2027_without_the_decree_moves_weekend_holidays_by_tk112_part2(cal):
    """1 May 2027 is a Saturday, 9 May a Sunday, 12 June a Saturday: by ТК 112 ч.2 the day off moves to the next
    working day, so 03.05, 10.05 and 14.06.2027 are days off although no decree for 2027 is in the data."""
    for d in (date(2027, 5, 3), date(2027, 5, 10), date(2027, 6, 14)):
        assert not cal.is_working_day(d), d
    assert cal.is_working_day(date(2027, 5, 4)) and cal.is_working_day(date(2027, 5, 11))
    assert cal.is_working_day(date(2027, 6, 15))
    assert cal.next_working_day(date(2027, 5, 1)) == date(2027, 5, 4)
    assert cal.next_working_day(date(2027, 6, 12)) == date(2027, 6, 15)
    assert cal.provisional_years(date(2027, 5, 1), date(2027, 5, 4)) == {2027}
    assert cal.provisional_years(date(2026, 12, 31), date(2027, 1, 11)) == {2027}
    assert cal.provisional_years(date(2026, 5, 1)) == frozenset()


def test_statutory_days_off_leave_january_transfers_to_the_decree():
    # 2028: 1 January is a Saturday (decree), 23 February a Wednesday, 4 November a Saturday → Monday 06.11
    off = statutory_days_off(2028)
    assert date(2028, 1, 3) in off and date(2028, 1, 10) not in off      # 1–8 Jan weekdays only
    assert date(2028, 11, 6) in off and date(2028, 11, 4) not in off      # weekend days themselves are not listed
    assert statutory_transfers(2027) == {date(2027, 5, 3), date(2027, 5, 10), date(2027, 6, 14)}


def test_statutory_rule_agrees_with_every_decree_year_in_the_data(cal):
    """In 2016–2026 every ТК 112 ч.2 transfer is in the decree data except where the decree moved it elsewhere
    (23.02.2019 → 10.05; 23.02 and 08.03.2025 → 08.05 and 13.06): the fallback is the law the decrees start from."""
    redirected = {date(2019, 2, 25), date(2025, 2, 24), date(2025, 3, 10)}
    for year in range(2016, 2027):
        for d in statutory_days_off(year):
            assert cal.is_working_day(d) == (d in redirected), d


def test_from_rows_accepts_dicts_and_tuples():
    c = WorkingCalendar.from_rows([{"date": "2030-01-09", "kind": "non_working"}, ("2030-01-12", "working")])
    assert not c.is_working_day(date(2030, 1, 9))      # Wednesday made a day off
    assert c.is_working_day(date(2030, 1, 12))         # Saturday made working
    with pytest.raises(DomainError):
        WorkingCalendar.from_rows([("2030-01-09", "holiday")])


def test_weekends_only_calendar():
    c = weekends_only_calendar()
    assert not c.is_working_day(date(2025, 1, 1)) and c.is_working_day(date(2025, 3, 11))
    assert not c.is_working_day(date(2025, 3, 10))  # the law alone (8 March on a Saturday); the decree moved it
    assert c.provisional_years(date(2025, 3, 8), date(2025, 3, 11)) == {2025}
