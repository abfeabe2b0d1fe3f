"""What a court claim may cover: the billing months of the account's legal calculation, chosen (pure: no I/O, the
date of the claim is an argument).

Every month with an unpaid remainder (after allocation, ГК 319.1, Пленум № 22 п.32) or with a penalty (ЖК 155
ч.14) is a candidate. A month is claimed with its unpaid remainder and its penalty:

- a month whose due date has not passed on the claim's date is never claimed — nothing is overdue yet (ЖК 155
  ч.1, ГК 314); it is listed, and refused when chosen;
- by default the due months that are not time-barred are claimed;
- a time-barred month is claimed only on an explicit choice (or when the setting CLAIM_TIME_BARRED_DEFAULT makes
  it a default): limitation is applied only on the debtor's plea (ГК 199 п.2), so such a month may be claimed,
  at the risk of a refusal; its penalty goes with it (ГК 207).

The sum claimed (цена иска, ГПК 91 ч.1 п.1) is the principal plus the penalty of the chosen months; the state duty
is a court cost and is not part of it (ГПК 88). The penalty of the selection is its exact units rounded once, so
with every month chosen it equals the calculation's total penalty.

A month with a penalty but no unpaid remainder (paid late) has no limitation row of its own: its penalty is taken
as time-barred when even its last day of delay is more than three years before the claim's date (ГК 196, 200;
reading of the limitation policy, without the ГК 193 shift — the conservative side).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Sequence

from .errors import CodedRefusal, DomainError
from .limitation import limitation_raw_end
from .money import round_half_up_div
from .penalty import DEN as _DEN
from .periods import Period, parse_period
from .policy import Reading


class ClaimRefused(CodedRefusal):
    """A choice of months refused; `code` + `params` are stable, the text is plain English (cases.labels translates)."""

    def __init__(self, code: str, reason: str, **params):
        super().__init__(code, reason, **params)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ClaimPeriod:
    """One candidate month: its unpaid remainder, its penalty (exact units), due date and limitation status."""

    period: Period
    debt_kop: int
    penalty_units: int
    due_date: date | None
    time_barred: bool
    last_day_to_file: date | None
    due: bool  # the due date has passed on the claim's date: the month is overdue and may be claimed

    @property
    def penalty_kop(self) -> int:
        """The month's penalty rounded half-up to kopecks (display; the selection rounds its total once)."""
        return round_half_up_div(self.penalty_units, _DEN)

    @property
    def total_kop(self) -> int:
        return self.debt_kop + self.penalty_kop

    @property
    def first_day(self) -> date:
        return self.period.first_day()


@dataclass(frozen=True, slots=True)
class ClaimSelection:
    """The candidate months of a claim and the ones chosen, with the sums of the chosen ones."""

    as_of: date
    periods: tuple[ClaimPeriod, ...]
    selected: frozenset
    explicit: bool  # chosen by the user (False: the default choice)

    @property
    def rows(self) -> list[ClaimPeriod]:
        return [p for p in self.periods if p.period in self.selected]

    @property
    def debt_kop(self) -> int:
        return sum(p.debt_kop for p in self.rows)

    @property
    def penalty_units(self) -> int:
        return sum(p.penalty_units for p in self.rows)

    @property
    def penalty_kop(self) -> int:
        return round_half_up_div(self.penalty_units, _DEN)

    @property
    def total_kop(self) -> int:
        """The sum claimed (цена иска): principal + penalty of the chosen months, without the duty."""
        return self.debt_kop + self.penalty_kop

    @property
    def open_periods(self) -> list[Period]:
        """Chosen months with an unpaid remainder (the claim's «period of debt»)."""
        return [p.period for p in self.rows if p.debt_kop > 0]

    @property
    def first_period(self) -> Period | None:
        rows = self.rows
        return rows[0].period if rows else None

    @property
    def last_period(self) -> Period | None:
        rows = self.rows
        return rows[-1].period if rows else None

    @property
    def time_barred_chosen(self) -> bool:
        return any(p.time_barred for p in self.rows)

    @property
    def claimable_kop(self) -> int:
        """Principal of the chosen months that is not time-barred."""
        return sum(p.debt_kop for p in self.rows if not p.time_barred)

    @property
    def left_out_time_barred_kop(self) -> int:
        return sum(p.total_kop for p in self.periods if p.time_barred and p.due and p.period not in self.selected)

    @property
    def not_due_kop(self) -> int:
        return sum(p.debt_kop for p in self.periods if not p.due)

    def is_default(self, p: ClaimPeriod, include_time_barred: bool = False) -> bool:
        return default_choice(p, include_time_barred)


def default_choice(p: ClaimPeriod, include_time_barred: bool = False) -> bool:
    """Is the month chosen by default: due and (not time-barred, or time-barred months included by the setting)."""
    return p.due and (include_time_barred or not p.time_barred)


def claim_periods(open_kop: Mapping[Period, int], penalty_rows: Sequence, limitation_rows: Sequence, as_of: date,
                  *, reading: Reading | str = Reading.A) -> tuple[ClaimPeriod, ...]:
    """The candidate months of a claim on `as_of` from the legal calculation: the allocation's unpaid remainders
    (`open_kop`), the penalty rows (`PenaltyRow`: period, due_date, end, units) and the limitation rows
    (`LimitationRow`: period, due_date, time_barred, last_day_to_file), ordered by month."""
    units: dict[Period, int] = {}
    pen_due: dict[Period, date] = {}
    pen_end: dict[Period, date] = {}
    for r in penalty_rows:
        units[r.period] = units.get(r.period, 0) + r.units
        pen_due.setdefault(r.period, r.due_date)
        if r.period not in pen_end or r.end > pen_end[r.period]:
            pen_end[r.period] = r.end
    lim = {r.period: r for r in limitation_rows}
    months = {p for p, v in open_kop.items() if v > 0} | {p for p, u in units.items() if u > 0}
    out = []
    for p in sorted(months):
        debt = max(0, int(open_kop.get(p, 0)))
        row = lim.get(p)
        if row is not None:
            due_date, barred, last = row.due_date, bool(row.time_barred), row.last_day_to_file
        else:
            due_date, last = pen_due.get(p), None
            end = pen_end.get(p)
            barred = debt <= 0 and end is not None and as_of > limitation_raw_end(end, reading)
        due = due_date is not None and due_date < as_of
        out.append(ClaimPeriod(p, debt, units.get(p, 0), due_date, barred, last, due))
    return tuple(out)


def _period(value) -> Period:
    if isinstance(value, Period):
        return value
    if isinstance(value, date):
        return Period(value.year, value.month)
    return parse_period(str(value).strip()[:7])


def select_claim(periods: Sequence[ClaimPeriod], as_of: date, chosen: Iterable | None = None, *,
                 include_time_barred: bool = False) -> ClaimSelection:
    """The months of a claim: `chosen` (Periods, dates or 'YYYY-MM') as the user ticked them, or — None — the
    default: the due months, not time-barred unless `include_time_barred` (setting CLAIM_TIME_BARRED_DEFAULT).

    Refused (ClaimRefused): a chosen month that is not a candidate (`claim_period_unknown`), one not yet due
    (`claim_period_not_due`), and an empty choice (`claim_no_periods`)."""
    by_period = {p.period: p for p in periods}
    if chosen is None:
        selected = frozenset(p.period for p in periods if default_choice(p, include_time_barred))
        explicit = False
    else:
        selected_set = set()
        for value in chosen:
            try:
                per = _period(value)
            except DomainError:
                raise ClaimRefused("claim_period_unknown", f"not a billing month: {value!r}",
                                   period=str(value)) from None
            row = by_period.get(per)
            if row is None:
                raise ClaimRefused("claim_period_unknown", f"the account has no debt or penalty for {per}",
                                   period=per.first_day())
            if not row.due:
                raise ClaimRefused("claim_period_not_due", f"the payment for {per} is not due yet",
                                   period=per.first_day(), due_date=row.due_date)
            selected_set.add(per)
        selected = frozenset(selected_set)
        explicit = True
    if not selected:
        barred = [p for p in periods if p.due and p.time_barred]
        if not explicit and barred:
            raise ClaimRefused("claim_only_time_barred", "every month due is time-barred; tick them to claim them "
                               "anyway (Civil Code art. 199)", amount_kop=sum(p.total_kop for p in barred))
        raise ClaimRefused("claim_no_periods", "no month to claim: none is due, or none was chosen")
    return ClaimSelection(as_of, tuple(periods), selected, explicit)
