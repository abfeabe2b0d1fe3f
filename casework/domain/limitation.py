"""Limitation periods per monthly charge (ГК ст.196, 200, 192, 193, 203, 204, 206; Пленум № 43 пп.17–18, 20, 24)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Iterable, Sequence

from .allocation import Charge
from .errors import InvalidInput
from .money import from_kopecks, to_kopecks
from .periods import Period, add_months, add_years, effective_due_cached, nominal_due_date
from .policy import LimitationPolicy, Reading

_DAY = timedelta(days=1)


class EventKind(StrEnum):
    ACKNOWLEDGED = "acknowledged"                    # ГК 203; ГК 206 п.2 for barred months
    COURT_ORDER_FILED = "court_order_filed"          # ГК 204 п.1
    COURT_ORDER_CANCELLED = "court_order_cancelled"  # Пленум № 43 пп.17–18
    CLAIM_FILED = "claim_filed"                      # ГК 204 п.1, no end event in v1


@dataclass(frozen=True, slots=True)
class LimitationEvent:
    """An event that stops, resumes or restarts the period; `periods` None means every charge."""

    kind: EventKind
    date: date
    periods: frozenset[Period] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))
        if self.periods is not None and not isinstance(self.periods, frozenset):
            object.__setattr__(self, "periods", frozenset(self.periods))


@dataclass(frozen=True, slots=True)
class LimitationRow:
    """Status of one month: effective due date, last day to file (None while a stop is pending), suspended days, barred flag."""

    period: Period
    amount_kop: int
    due_date: date
    raw_end: date | None
    last_day_to_file: date | None
    suspended_days: int
    time_barred: bool
    pending: bool  # clock stopped at as_of by an order or claim
    #: years with no decree data (ТК 112 alone) in which the due date or the last day to file was looked up:
    #: the row may move by a day once the decree's transfers are entered
    provisional_years: frozenset = frozenset()

    @property
    def amount(self) -> Decimal:
        return from_kopecks(self.amount_kop)


@dataclass(frozen=True, slots=True)
class LimitationResult:
    """Per-period rows ordered by period, with barred / claimable sets and sums."""

    as_of: date
    rows: tuple[LimitationRow, ...]

    @property
    def time_barred_periods(self) -> list[Period]:
        return [r.period for r in self.rows if r.time_barred]

    @property
    def claimable_periods(self) -> list[Period]:
        return [r.period for r in self.rows if not r.time_barred]

    @property
    def time_barred_amount(self) -> Decimal:
        return from_kopecks(sum(r.amount_kop for r in self.rows if r.time_barred))

    @property
    def claimable_amount(self) -> Decimal:
        return from_kopecks(sum(r.amount_kop for r in self.rows if not r.time_barred))

    @property
    def provisional_years(self) -> frozenset:
        """Years of a provisional production calendar that any row relies on (empty when none)."""
        out: frozenset = frozenset()
        for r in self.rows:
            if r.provisional_years:
                out = out | r.provisional_years
        return out


def limitation_raw_end(due: date, reading: Reading | str = Reading.A) -> date:
    """Raw end of the 3-year period (ГК 196, 200 п.1, 192 п.3): reading A = 3 years after due+1, reading B = 3 years after due."""
    start = due + _DAY if reading == Reading.A else due
    return add_years(start, 3)


def last_day_to_file(due: date, calendar, reading: Reading | str = Reading.A, weekend_shift: bool = True) -> date:
    """Last day to file with no events: the raw end moved to the next working day per ГК 193 when `weekend_shift`."""
    memo = getattr(calendar, "memo", None)
    key = ("ldtf", due, str(reading), weekend_shift)
    if memo is not None:
        r = memo.get(key)
        if r is not None:
            return r
    raw = limitation_raw_end(due, reading)
    r = calendar.next_working_day(raw) if weekend_shift else raw
    if memo is not None:
        memo[key] = r
    return r


def compute_limitation(charges: Sequence[Charge], events: Iterable[LimitationEvent], as_of: date,
                       policy: LimitationPolicy, calendar) -> LimitationResult:
    """Limitation per month (ГК 196/200; Пленум № 43): raw end by reading, events applied in date order, ГК 193 shift on the final date; barred if as_of > last day."""
    ev = sorted((e for e in events if e.date <= as_of), key=lambda e: e.date)  # stable: input order on a date
    shift = policy.weekend_shift
    seen: set[Period] = set()
    rows = []
    for ch in sorted(charges, key=lambda c: c.period):
        if ch.period in seen:
            raise InvalidInput(f"two charges for period {ch.period}: one charge per period")
        seen.add(ch.period)
        due = effective_due_cached(ch.period, ch.due_date, policy.due15_from, shift, calendar)
        amount_kop = to_kopecks(ch.amount)
        due_prov = _due_provisional(ch, due, policy, calendar) if shift else _NONE
        if not ev:  # fast path for portfolio runs: no events
            memo = getattr(calendar, "memo", None)
            key = ("raw", due, str(policy.reading))
            raw = memo.get(key) if memo is not None else None
            if raw is None:
                raw = limitation_raw_end(due, policy.reading)
                if memo is not None:
                    memo[key] = raw
            last = last_day_to_file(due, calendar, policy.reading, shift)
            prov = due_prov | calendar.provisional_years(raw, last) if shift else _NONE
            rows.append(LimitationRow(ch.period, amount_kop, due, raw, last, 0, as_of > last, False, prov))
            continue
        raw = limitation_raw_end(due, policy.reading)
        stopped_on: date | None = None
        stopped_by_order = False
        suspended = 0
        for e in ev:
            if e.periods is not None and ch.period not in e.periods:
                continue
            if not due < e.date:
                continue
            kind = e.kind
            if kind is EventKind.ACKNOWLEDGED:
                raw = add_years(e.date, 3)  # ГК 203; ГК 206 п.2 revives a barred month too
            elif kind is EventKind.COURT_ORDER_FILED or kind is EventKind.CLAIM_FILED:
                if stopped_on is None:
                    current = calendar.next_working_day(raw) if shift else raw
                    if e.date <= current:  # a barred month is not revived
                        stopped_on = e.date
                        stopped_by_order = kind is EventKind.COURT_ORDER_FILED
            elif kind is EventKind.COURT_ORDER_CANCELLED:
                if stopped_on is not None and stopped_by_order:
                    n = (e.date - stopped_on).days
                    suspended += n
                    raw = raw + timedelta(days=n)
                    floor = add_months(e.date, 6)  # Пленум № 43 п.18, by analogy with ГК 204 п.3
                    if raw < floor:
                        raw = floor
                    stopped_on = None
                    stopped_by_order = False
        if stopped_on is not None:
            rows.append(LimitationRow(ch.period, amount_kop, due, raw, None, suspended, False, True, due_prov))
        else:
            last = calendar.next_working_day(raw) if shift else raw
            prov = due_prov | calendar.provisional_years(raw, last) if shift else _NONE
            rows.append(LimitationRow(ch.period, amount_kop, due, raw, last, suspended, as_of > last, False, prov))
    return LimitationResult(as_of, tuple(rows))


_NONE: frozenset = frozenset()


def _due_provisional(ch: Charge, due: date, policy: LimitationPolicy, calendar) -> frozenset:
    """Provisional years the ГК 193 shift of the due date looked at (nominal due .. effective due)."""
    nominal = ch.due_date if ch.due_date is not None else nominal_due_date(ch.period, policy.due15_from)
    return calendar.provisional_years(nominal, due)
