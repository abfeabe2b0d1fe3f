"""Reporting periods of the measures report: a month, a quarter (I–IV кв.) or a calendar year.

The commissions ask for monthly reports (seed 001 п.5, п.21, п.26), quarterly ones (seed 000 п.14 «ежеквартально»,
seed 001 п.27–28) and the year's results. A period is written ``YYYY-MM``, ``YYYY-Qn`` (n = 1..4) or ``YYYY``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..domain.errors import DomainError
from ..i18n import _

KINDS = ("month", "quarter", "year")
ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class ReportPeriod:
    """[start, end): `start` is the 1st of the first month, `end` the 1st of the month after the last."""

    kind: str
    start: date
    end: date

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def months(self) -> int:
        """How many months the period has (1, 3 or 12)."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month

    @property
    def months_to_end(self) -> int:
        """Months from 1 January to the end of the period (the year-to-date target's multiplier)."""
        return self.start.month - 1 + self.months

    @property
    def year_start(self) -> date:
        return date(self.start.year, 1, 1)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def key(self) -> str:
        if self.kind == "year":
            return f"{self.year:04d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.quarter}"
        return f"{self.year:04d}-{self.start.month:02d}"

    def month_starts(self) -> list[date]:
        """The first days of the period's months, in order."""
        out, d = [], self.start
        while d < self.end:
            out.append(d)
            d = _add_months(d, 1)
        return out


def _add_months(d: date, n: int) -> date:
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def month_period(month: date) -> ReportPeriod:
    start = month.replace(day=1)
    return ReportPeriod("month", start, _add_months(start, 1))


def quarter_period(year: int, quarter: int) -> ReportPeriod:
    if quarter not in (1, 2, 3, 4):
        raise DomainError(_("A quarter is a number from 1 to 4."))
    start = date(year, 3 * (quarter - 1) + 1, 1)
    return ReportPeriod("quarter", start, _add_months(start, 3))


def year_period(year: int) -> ReportPeriod:
    return ReportPeriod("year", date(year, 1, 1), date(year + 1, 1, 1))


def parse_period(text: str) -> ReportPeriod:
    """'YYYY-MM', 'YYYY-Qn' or 'YYYY' → the period; DomainError in the user's words otherwise."""
    s = str(text or "").strip().upper()
    try:
        if len(s) == 4 and s.isdigit():
            year = int(s)
            if year < 1900:
                raise ValueError
            return year_period(year)
        y, rest = s.split("-")
        if len(y) != 4 or not y.isdigit() or int(y) < 1900:
            raise ValueError
        if rest.startswith("Q") and len(rest) == 2 and rest[1] in "1234":
            return quarter_period(int(y), int(rest[1]))
        if len(rest) == 2 and rest.isdigit() and 1 <= int(rest) <= 12:
            return month_period(date(int(y), int(rest), 1))
        raise ValueError
    except (ValueError, TypeError):
        raise DomainError(_("«%(v)s» is not a period; write a month as YYYY-MM (2026-03), a quarter as YYYY-Qn "
                            "(2026-Q1) or a year as YYYY (2026).", v=text)) from None


def period_from_parts(kind: str, year: int | None, quarter: int | None, month: int | None) -> ReportPeriod:
    """The period chosen on the page: its kind, year and quarter (1–4) or month (1–12)."""
    if kind not in KINDS or year is None or not 1900 <= year <= 9999:
        raise DomainError(_("Choose the period: a month, a quarter or a year, and its year."))
    if kind == "year":
        return year_period(year)
    if kind == "quarter":
        return quarter_period(year, quarter or 0)
    if month is None or not 1 <= month <= 12:
        raise DomainError(_("A month is a number from 1 to 12."))
    return month_period(date(year, month, 1))


__all__ = ["KINDS", "ROMAN", "ReportPeriod", "month_period", "quarter_period", "year_period", "parse_period",
           "period_from_parts"]
