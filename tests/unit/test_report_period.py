"""Reporting periods of the measures report: month, quarter (I–IV), year."""
from __future__ import annotations

from datetime import date

import pytest

from casework.domain.errors import DomainError
from casework.reports.period import month_period, parse_period, period_from_parts, quarter_period, year_period


def test_parse_the_three_kinds():
    m = parse_period("2026-03")
    assert (m.kind, m.start, m.end, m.months, m.months_to_end, m.key) == (
        "month", date(2026, 3, 1), date(2026, 4, 1), 1, 3, "2026-03")
    q = parse_period("2026-q4")
    assert (q.kind, q.start, q.end, q.last_day, q.months, q.months_to_end, q.key, q.quarter) == (
        "quarter", date(2026, 10, 1), date(2027, 1, 1), date(2026, 12, 31), 3, 12, "2026-Q4", 4)
    y = parse_period("2026")
    assert (y.kind, y.start, y.end, y.months, y.months_to_end, y.year_start) == (
        "year", date(2026, 1, 1), date(2027, 1, 1), 12, 12, date(2026, 1, 1))
    assert quarter_period(2026, 2).month_starts() == [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    assert len(year_period(2026).month_starts()) == 12
    assert month_period(date(2026, 12, 17)).end == date(2027, 1, 1)


@pytest.mark.parametrize("text", ["", "2026-13", "2026-Q0", "2026-Q5", "26-03", "2026-3", "abcd", "2026-03-01"])
def test_refuses_what_is_not_a_period(text):
    with pytest.raises(DomainError):
        parse_period(text)


def test_from_the_page_choices():
    assert period_from_parts("quarter", 2026, 3, None).key == "2026-Q3"
    assert period_from_parts("month", 2026, None, 11).key == "2026-11"
    assert period_from_parts("year", 2025, 2, 5).key == "2025"
    for args in (("quarter", 2026, None, None), ("month", 2026, 1, 13), ("week", 2026, 1, 1), ("year", None, 1, 1)):
        with pytest.raises(DomainError):
            period_from_parts(*args)
