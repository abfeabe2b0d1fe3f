"""Billing periods and due dates (ЖК ст.155 ч.1; 177-ФЗ of 24.06.2025)."""
from __future__ import annotations

import calendar as _pycal
import re
from datetime import date, timedelta
from typing import NamedTuple

from .errors import InvalidPeriod

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class Period(NamedTuple):
    """A billing period: the month the service was consumed."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        """Months since year 0, for arithmetic."""
        return self.year * 12 + self.month - 1

    def next(self) -> "Period":
        """The following billing period."""
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def add(self, months: int) -> "Period":
        """This period shifted by a number of months."""
        i = self.index + months
        return Period(i // 12, i % 12 + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def last_day(self) -> date:
        return date(self.year, self.month, _pycal.monthrange(self.year, self.month)[1])


def parse_period(text: str) -> Period:
    """Parse 'YYYY-MM' into a Period; refuse anything else."""
    if isinstance(text, Period):
        return text
    m = _PERIOD_RE.match(text) if isinstance(text, str) else None
    if not m:
        raise InvalidPeriod(f"not a billing period (YYYY-MM): {text!r}")
    return Period(int(m.group(1)), int(m.group(2)))


#: 177-ФЗ: from the March 2026 bill the due day is the 15th (reading B of legal-rules §1.2).
DUE15_FROM_DEFAULT = Period(2026, 3)


def days_in_month(year: int, month: int) -> int:
    return _pycal.monthrange(year, month)[1]


def add_months(d: date, months: int) -> date:
    """Add calendar months per ГК ст.192 п.3: a day missing in the target month becomes its last day."""
    i = d.year * 12 + d.month - 1 + months
    y, m = i // 12, i % 12 + 1
    return date(y, m, min(d.day, days_in_month(y, m)))


def add_years(d: date, years: int) -> date:
    """Add calendar years per ГК ст.192 п.3: 29 February becomes 28 February in a common year."""
    return add_months(d, 12 * years)


def nominal_due_date(period: Period, due15_from: Period = DUE15_FROM_DEFAULT,
                     contract_day: int | None = None) -> date:
    """Nominal due date per ЖК ст.155 ч.1: the 10th of the next month, the 15th from `due15_from` (177-ФЗ); a contract day applies only before the switch."""
    nxt = period.next()
    if period >= due15_from:
        day = 15  # 177-ФЗ: contracts may no longer set another date
    elif contract_day is not None:
        if not 1 <= contract_day <= 31:
            raise InvalidPeriod(f"contract due day out of range: {contract_day}")
        day = min(contract_day, days_in_month(nxt.year, nxt.month))
    else:
        day = 10
    return date(nxt.year, nxt.month, day)


ONE_DAY = timedelta(days=1)


def effective_due_date(period: Period, due_date: date | None, *, due15_from: Period = DUE15_FROM_DEFAULT,
                       weekend_shift: bool = True, calendar=None, contract_day: int | None = None) -> date:
    """Effective due date (calc-contract §2.1): the nominal date (given, or ЖК 155 ч.1 rule), moved per ГК ст.193 if `weekend_shift`."""
    nominal = due_date if due_date is not None else nominal_due_date(period, due15_from, contract_day)
    if weekend_shift:
        if calendar is None:
            raise InvalidPeriod("a working calendar is needed for the ГК 193 shift")
        return calendar.next_working_day(nominal)
    return nominal


_NO_MEMO: dict = {}


def effective_due_cached(period: Period, due_date: date | None, due15_from: Period, weekend_shift: bool,
                         calendar) -> date:
    """Same as effective_due_date, memoised on the calendar (portfolio runs hit the same periods again and again)."""
    memo = getattr(calendar, "memo", None)
    if memo is None:
        return effective_due_date(period, due_date, due15_from=due15_from, weekend_shift=weekend_shift,
                                  calendar=calendar)
    key = ("due", period, due_date, due15_from, weekend_shift)
    r = memo.get(key)
    if r is None:
        r = effective_due_date(period, due_date, due15_from=due15_from, weekend_shift=weekend_shift,
                               calendar=calendar)
        memo[key] = r
    return r
