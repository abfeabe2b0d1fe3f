"""Payment agreements (рассрочка / реструктуризация): instalment schedules and adherence (pure core).

Choices, documented once:
- Due dates. The first instalment falls on the first payment date given; later ones on the chosen day
  of each following month, clamped to the month's last day (31 → 28/29 February, ГК ст.192 п.3).
  Printed dates are the contractual ones and are **not** moved; a payment made by the next working day
  after a due date that falls on a non-working day is on time (ГК ст.193), which is what the adherence
  check applies and what the printed schedule states in its footnote.
- Amounts. The debt less any down payment is split into equal instalments (in whole rubles when
  `round_rubles`, else in kopecks); the remainder goes to the last (or the first) instalment, so the
  schedule sums exactly to the debt in kopecks.
- Current charges stay due every month under ЖК ст.155 ч.1; an agreement covers the old debt only.
- Adherence. Payments after signing are applied to the obligations in due order: instalments and the
  current charges that fell due after signing (an instalment before a charge due the same day). An
  obligation still short after its deadline (ГК 193 shift + grace days) makes the agreement *late*;
  `broken_missed` missed instalments, or any shortfall older than `broken_after_days`, make it
  *broken*; all instalments covered makes it *completed*.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Callable, Sequence

from .errors import DomainError
from .periods import add_months, days_in_month

MAX_MONTHS_DEFAULT = 36


class Adherence(StrEnum):
    ON_TRACK = "on_track"
    LATE = "late"
    BROKEN = "broken"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 0 is the down payment
    due_on: date
    amount_kop: int


@dataclass(frozen=True, slots=True)
class AdherencePolicy:
    """Tolerances for adherence: grace days after each deadline; when a delay turns into a breach."""

    grace_days: int = 5
    broken_missed: int = 2
    broken_after_days: int = 30
    charges_count: bool = True  # unpaid current charges make the agreement late


@dataclass(frozen=True, slots=True)
class InstalmentState:
    number: int
    due_on: date
    deadline: date
    amount_kop: int
    covered_kop: int
    state: str  # paid | partly_paid | overdue | upcoming


@dataclass(frozen=True, slots=True)
class AdherenceResult:
    status: Adherence
    paid_kop: int  # everything paid since signing
    covered_kop: int  # of which applied to instalments
    overdue_kop: int  # instalments and charges past their deadline and not covered
    missed: int  # instalments past deadline and not fully covered
    charges_overdue_kop: int
    first_overdue_on: date | None
    next_due: InstalmentState | None
    instalments: list[InstalmentState] = field(default_factory=list)


def schedule_day(year: int, month: int, day_of_month: int) -> date:
    """The agreed day in a month, clamped to its last day (31 → 28/29 February; ГК ст.192 п.3)."""
    return date(year, month, min(day_of_month, days_in_month(year, month)))


def build_schedule(debt_kop: int, months: int, first_due_on: date, day_of_month: int | None = None, *,
                   down_payment_kop: int = 0, down_payment_on: date | None = None,
                   round_rubles: bool = False, remainder: str = "last",
                   max_months: int = MAX_MONTHS_DEFAULT) -> list[Instalment]:
    """Split a debt into a down payment and `months` monthly instalments summing exactly to it (remainder on the last or first)."""
    if debt_kop <= 0:
        raise DomainError("There is no debt to spread: the amount must be above zero.")
    if not 1 <= months <= max_months:
        raise DomainError(f"The number of months must be from 1 to {max_months}.")
    if down_payment_kop < 0 or down_payment_kop >= debt_kop:
        raise DomainError("The down payment must be below the debt.")
    if remainder not in ("last", "first"):
        raise DomainError("remainder must be 'last' or 'first'")
    day = day_of_month if day_of_month is not None else first_due_on.day
    if not 1 <= day <= 31:
        raise DomainError("The day of the month must be from 1 to 31.")
    out: list[Instalment] = []
    if down_payment_kop:
        dp_on = down_payment_on or first_due_on
        if dp_on > first_due_on:
            raise DomainError("The down payment must be due no later than the first instalment.")
        out.append(Instalment(0, dp_on, down_payment_kop))
    rest = debt_kop - down_payment_kop
    unit = 100 if round_rubles else 1
    base = (rest // months) // unit * unit
    if base <= 0:
        raise DomainError("The debt is too small for so many months: choose fewer months.")
    extra = rest - base * months
    amounts = [base] * months
    amounts[-1 if remainder == "last" else 0] += extra
    for i, amount in enumerate(amounts):
        if i == 0:
            due = first_due_on
        else:
            nxt = add_months(first_due_on.replace(day=1), i)
            due = schedule_day(nxt.year, nxt.month, day)
        out.append(Instalment(i + 1, due, amount))
    assert sum(x.amount_kop for x in out) == debt_kop
    return out


def _deadline(due: date, grace_days: int, next_working_day: Callable[[date], date] | None) -> date:
    shifted = next_working_day(due) if next_working_day else due
    return shifted + timedelta(days=grace_days)


def assess(schedule: Sequence[Instalment], payments: Sequence[tuple[date, int]], today: date, signed_on: date,
           charges: Sequence[tuple[date, int]] = (), policy: AdherencePolicy = AdherencePolicy(),
           next_working_day: Callable[[date], date] | None = None) -> AdherenceResult:
    """Judge an agreement against the ledger: payments since signing cover instalments and current charges in due order; shortfall past deadline + grace is late, `broken_missed` misses or a delay over `broken_after_days` is a breach."""
    paid = sum(a for d, a in payments if signed_on <= d <= today)
    pool = max(paid, 0)
    # obligations in due order: (due_on, 0=instalment/1=charge, index, amount)
    obligations = [(i.due_on, 0, n, i.amount_kop) for n, i in enumerate(schedule)]
    if policy.charges_count:
        obligations += [(d, 1, n, a) for n, (d, a) in enumerate(charges) if d >= signed_on and a > 0]
    obligations.sort(key=lambda o: (o[0], o[1], o[2]))
    covered_inst = [0] * len(schedule)
    charges_overdue = 0
    overdue = 0
    first_overdue: date | None = None
    for due, kind, idx, amount in obligations:
        take = min(pool, amount)
        pool -= take
        short = amount - take
        if kind == 0:
            covered_inst[idx] = take
        deadline = _deadline(due, policy.grace_days, next_working_day)
        if short and today > deadline:
            overdue += short
            if kind == 1:
                charges_overdue += short
            if first_overdue is None or deadline < first_overdue:
                first_overdue = deadline
    states: list[InstalmentState] = []
    missed = 0
    for n, inst in enumerate(schedule):
        deadline = _deadline(inst.due_on, policy.grace_days, next_working_day)
        cov = covered_inst[n]
        if cov >= inst.amount_kop:
            st = "paid"
        elif today > deadline:
            st = "overdue"
            missed += 1
        elif cov:
            st = "partly_paid"
        else:
            st = "upcoming"
        states.append(InstalmentState(inst.number, inst.due_on, deadline, inst.amount_kop, cov, st))
    covered_total = sum(covered_inst)
    if schedule and covered_total >= sum(i.amount_kop for i in schedule):
        status = Adherence.COMPLETED
    elif missed >= policy.broken_missed or (
            first_overdue is not None and (today - first_overdue).days > policy.broken_after_days):
        status = Adherence.BROKEN
    elif overdue:
        status = Adherence.LATE
    else:
        status = Adherence.ON_TRACK
    next_due = next((s for s in states if s.state != "paid"), None)
    return AdherenceResult(status, paid, covered_total, overdue, missed, charges_overdue, first_overdue,
                           next_due, states)
