"""Working-day calendar: five-day week, decree transfers as data, ТК ст.112 fallback, ГК ст.193 shift."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable, Mapping

from .errors import DomainError

#: ТК ст.112 ч.1 non-working holidays (month, day); used for years without decree data.
TK112_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]
)


class WorkingCalendar:
    """Official production calendar: weekends plus exceptions for covered years, ТК 112 holidays otherwise."""

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
        return (d.month, d.day) not in TK112_HOLIDAYS

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
    """A calendar with no decree data: weekends and ТК ст.112 holidays only."""
    return WorkingCalendar({}, ())


ONE_DAY = timedelta(days=1)
