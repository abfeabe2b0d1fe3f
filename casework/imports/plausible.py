"""Impossible dates and periods: a payment dated after the current month, a charge for a month that has not come,
a period decades before any billing. Pure: the bounds are computed from `today` and the settings by the caller.

Settings (casework/config.py): IMPORT_MAX_MONTHS_AHEAD (default 0: nothing after the current month) and
IMPORT_EARLIEST_MONTH (default "1998-01": the ruble's redenomination; an amount dated before it would be in
pre-reform rubles).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..i18n import _
from .labels import column_label
from .ledger_file import L_PAID_ON, L_PAID_PERIOD, L_PERIOD, L_ROW
from .rows import Parsed, RowError
from .values import parse_period


@dataclass(frozen=True)
class DateBounds:
    """The first and the last month (1st day) a date or period of an import may fall in."""

    earliest: date
    latest: date

    @classmethod
    def of(cls, today: date, months_ahead: int = 0, earliest: str | date = "1998-01") -> "DateBounds":
        m = today.year * 12 + today.month - 1 + max(0, int(months_ahead))
        if not isinstance(earliest, date):
            earliest = parse_period(str(earliest))
        return cls(earliest.replace(day=1), date(m // 12, m % 12 + 1, 1))

    def reason(self, value: date, is_period: bool) -> str | None:
        """Why `value` is refused, or None when it is plausible."""
        shown = f"{value:%m.%Y}" if is_period else f"{value:%d.%m.%Y}"
        if value.replace(day=1) > self.latest:
            return _("%(v)s is in the future: the last month accepted is %(m)s", v=shown, m=f"{self.latest:%m.%Y}")
        if value < self.earliest:
            return _("%(v)s is implausibly old: the earliest month accepted is %(m)s", v=shown,
                     m=f"{self.earliest:%m.%Y}")
        return None


def _column(res: Parsed, canonical: str) -> str:
    return res.headers[res.columns[canonical]] if canonical in res.columns else column_label(canonical)


def _flag(res: Parsed, bad: dict[int, list[RowError]]) -> None:
    for row, errs in bad.items():
        res.errors.extend(errs)
        res.bad_cells.setdefault(row, [])  # the raw cells are filled in before an error file is written
    res.errors.sort(key=lambda e: e.row or 0)


def check_ledger(res: Parsed, bounds: DateBounds) -> None:
    """Move ledger rows with an impossible payment date, period or paid period to the errors."""
    bad: dict[int, list[RowError]] = {}

    def check(t: tuple) -> bool:
        row = t[L_ROW]
        errs = []
        checks = []
        if t[L_PAID_ON]:
            checks.append(("paid_on", t[L_PAID_ON], False))
        if t[L_PERIOD] and not (t[L_PAID_ON] and t[L_PERIOD] == t[L_PAID_ON][:8] + "01"):
            checks.append(("period", t[L_PERIOD], True))
        if t[L_PAID_PERIOD]:
            checks.append(("paid_period", t[L_PAID_PERIOD], True))
        for col, iso, is_period in checks:
            why = bounds.reason(date.fromisoformat(iso), is_period)
            if why:
                errs.append(RowError(row, _column(res, col), why))
        if errs:
            bad.setdefault(row, []).extend(errs)
        return not errs

    res.rows = [t for t in res.rows if check(t)]
    if res.extra.get("reversals"):
        res.extra["reversals"] = [(t, ref) for t, ref in res.extra["reversals"] if check(t)]
    _flag(res, bad)


def check_turnover(res: Parsed, bounds: DateBounds) -> None:
    """Move turnover rows whose month (or payment date) is impossible to the errors."""
    bad: dict[int, list[RowError]] = {}
    keep = []
    for t in res.rows:
        period, paid_on, row = t[2], t[8], t[9]
        errs = []
        why = bounds.reason(period, True)
        if why:
            errs.append(RowError(row, _column(res, "period"), why))
        if paid_on is not None and "paid_on" in res.columns:
            why = bounds.reason(paid_on, False)
            if why:
                errs.append(RowError(row, _column(res, "paid_on"), why))
        if errs:
            bad[row] = errs
        else:
            keep.append(t)
    res.rows = keep
    _flag(res, bad)
