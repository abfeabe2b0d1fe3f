"""Working-day calendar: five-day week, decree transfers as data, ТК ст.112 fallback, ГК ст.193 shift.

A year with decree data (the government's yearly decree on moving days off, entered as exception rows) is
"covered": its days are the five-day week plus those rows. A year without them is *provisional*: its days
off are the weekends, the ТК ст.112 ч.1 holidays and, by ТК ст.112 ч.2, the next working day after a
holiday that falls on a Saturday or Sunday (except the 1–8 January holidays, whose weekend days the decree
itself moves). Results whose dates were looked up in a provisional year say so (`provisional_years`).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable, Mapping

from .errors import DomainError

#: ТК ст.112 ч.1 non-working holidays (month, day); used for years without decree data.
TK112_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]
)
#: ТК ст.112 ч.2: a weekend day coinciding with these holidays (абз. 2–3 of ч.1) is moved by the decree, not by law.
TK112_JANUARY: frozenset[tuple[int, int]] = frozenset((1, d) for d in range(1, 9))

_STATUTORY: dict[int, frozenset[date]] = {}


def statutory_days_off(year: int) -> frozenset[date]:
    """The weekdays of `year` that are off by the Labour Code alone (ТК ст.112): the ч.1 holidays falling on a
    weekday, and for each holiday other than 1–8 January that falls on a Saturday or Sunday the next working
    day after it (ч.2). The decree's own transfers are not included."""
    got = _STATUTORY.get(year)
    if got is not None:
        return got
    holidays = {date(year, m, d) for m, d in TK112_HOLIDAYS}
    off = {h for h in holidays if h.weekday() < 5}
    for h in sorted(holidays):
        if h.weekday() < 5 or (h.month, h.day) in TK112_JANUARY:
            continue
        n = h + ONE_DAY
        while n.weekday() >= 5 or n in holidays or n in off:
            n += ONE_DAY
        if n.year == year:
            off.add(n)
    got = _STATUTORY[year] = frozenset(off)
    return got


def statutory_transfers(year: int) -> frozenset[date]:
    """Only the ТК ст.112 ч.2 transfers of `year` (weekdays off because a holiday fell on a weekend)."""
    return frozenset(d for d in statutory_days_off(year) if (d.month, d.day) not in TK112_HOLIDAYS)


class WorkingCalendar:
    """Official production calendar: weekends plus exceptions for covered years; ТК 112 ч.1 holidays and ч.2
    transfers for the other (provisional) years."""

    __slots__ = ("_exceptions", "_years", "_shift_cache", "memo")

    def __init__(self, exceptions: Mapping[date, bool] | None = None,
                 covered_years: Iterable[int] | None = None) -> None:
        """`exceptions` maps a date to True (working weekend) or False (non-working weekday)."""
        self._exceptions: dict[int, bool] = {d.toordinal(): bool(w) for d, w in (exceptions or {}).items()}
        if covered_years is None:
            covered_years = {d.year for d in (exceptions or {})}
        self._years = frozenset(covered_years)
        self._shift_cache: dict[int, int] = {}
        #: scratch cache for derived per-calendar values (due dates, limitation ends); pure memoisation
        self.memo: dict = {}

    @classmethod
    def from_rows(cls, rows: Iterable, covered_years: Iterable[int] | None = None) -> "WorkingCalendar":
        """Build from plain rows: dicts {'date','kind'} or tuples (date, kind); kind is 'working' or 'non_working'."""
        exc: dict[date, bool] = {}
        for row in rows:
            if isinstance(row, Mapping):
                d, kind = row["date"], row["kind"]
            else:
                d, kind = row[0], row[1]
            if isinstance(d, str):
                d = date.fromisoformat(d)
            if kind not in ("working", "non_working"):
                raise DomainError(f"calendar row {d}: kind must be 'working' or 'non_working', not {kind!r}")
            exc[d] = kind == "working"
        return cls(exc, covered_years)

    @property
    def covered_years(self) -> frozenset[int]:
        return self._years

    def covers(self, year: int) -> bool:
        """True if decree data exist for the year (otherwise the ТК 112 fallback is used)."""
        return year in self._years

    def provisional_years(self, start: date, end: date | None = None) -> frozenset[int]:
        """The years of the closed range [start, end] that have no decree data (ТК 112 alone decides there)."""
        years = self._years
        if end is None or end.year == start.year:
            return _EMPTY if start.year in years else frozenset((start.year,))
        lo, hi = (start.year, end.year) if start <= end else (end.year, start.year)
        return frozenset(y for y in range(lo, hi + 1) if y not in years)

    def is_working_day(self, d: date) -> bool:
        """Working day under the production calendar; outside the data, weekends and ТК ст.112 holidays are off."""
        return self._is_working_ord(d.toordinal(), d)

    def _is_working_ord(self, o: int, d: date | None = None) -> bool:
        if d is None:
            d = date.fromordinal(o)
        if d.year in self._years:
            w = self._exceptions.get(o)
            if w is not None:
                return w
            return d.weekday() < 5
        if d.weekday() >= 5:
            return False
        return d not in statutory_days_off(d.year)

    def shift_ordinal(self, o: int) -> int:
        """ГК ст.193 on an ordinal: the same day if working, else the next working day."""
        r = self._shift_cache.get(o)
        if r is None:
            r = o
            while not self._is_working_ord(r):
                r += 1
            self._shift_cache[o] = r
        return r

    def next_working_day(self, d: date) -> date:
        """ГК ст.193: a term ending on a non-working day ends on the next working day (idempotent)."""
        return date.fromordinal(self.shift_ordinal(d.toordinal()))

    shift = next_working_day

    def add_working_days(self, d: date, n: int) -> date:
        """The date n working days after d (n ≥ 0; n = 0 gives d itself), counting only working days."""
        if n < 0:
            raise DomainError("add_working_days needs n >= 0")
        o = d.toordinal()
        while n > 0:
            o += 1
            if self._is_working_ord(o):
                n -= 1
        return date.fromordinal(o)

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days in the closed range [start, end]."""
        return sum(1 for o in range(start.toordinal(), end.toordinal() + 1) if self._is_working_ord(o))


def weekends_only_calendar() -> WorkingCalendar:
    """A calendar with no decree data: weekends and ТК ст.112 holidays (ч.1) with their ч.2 transfers only."""
    return WorkingCalendar({}, ())


ONE_DAY = timedelta(days=1)
_EMPTY: frozenset[int] = frozenset()
