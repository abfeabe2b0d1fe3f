"""ЖКУ penalty engine (ЖК ст.155 ч.14 since 01.01.2016; ПП 424, 497, 474/329) in exact integer arithmetic."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Sequence

from .allocation import Allocation, Charge, Payment, ScheduledCharge, allocate_payments
from .errors import UnsupportedDebt
from .keyrate import STATUTORY_MORATORIA, KeyRateTable, Moratorium
from .limitation import last_day_to_file, limitation_raw_end
from .money import from_kopecks, round_half_up_div, to_kopecks
from .periods import Period, effective_due_cached, nominal_due_date
from .policy import CapMode, MoratoriumCounter, PenaltyPolicy, RateMode, Reading

#: Penalty in kopecks = amount_kop · rate_bp · (13·d300 + 30·d130) / DEN, because
#: a/100 · bp/10000 · (d300/300 + d130/130) · 100 = a · bp · (13·d300 + 30·d130) / 39 000 000.
DEN = 39_000_000
FREE_DAYS = 30        # days 1–30: no penalty
TIER300_LAST = 90     # days 31–90: 1/300; from day 91: 1/130
NEW_RULE_FROM = date(2016, 1, 1)


@dataclass(frozen=True, slots=True)
class PenaltyRow:
    """One portion of a charge: paid by one allocation part (with the payment that closed it) or the unpaid remainder."""

    period: Period
    amount_kop: int
    due_date: date          # effective due date
    start: date             # due + 1 (day 1 of the delay)
    end: date               # payment date or calc date
    paid: bool
    days_1_300: int
    days_1_130: int
    rate_bp: int | None     # single rate in basis points; None in daily mode
    units: int              # exact penalty = units / DEN kopecks
    payment_index: int | None = None
    payment_ref: str | None = None
    allocation_rule: str | None = None

    @property
    def amount(self) -> Decimal:
        return from_kopecks(self.amount_kop)

    @property
    def rate_percent(self) -> Decimal | None:
        return None if self.rate_bp is None else Decimal(self.rate_bp).scaleb(-2).quantize(Decimal("0.01"))

    @property
    def penalty_exact(self) -> Fraction:
        """Unrounded penalty in rubles."""
        return Fraction(self.units, DEN * 100)

    @property
    def penalty(self) -> Decimal:
        """This portion's penalty rounded half-up to kopecks (display only; the total governs)."""
        return from_kopecks(round_half_up_div(self.units, DEN))


@dataclass(frozen=True, slots=True)
class PenaltyResult:
    """Rows ordered by period (paid portions in allocation order, then the unpaid remainder), allocation trace and total."""

    calc_date: date
    rows: tuple[PenaltyRow, ...]
    allocation: Allocation
    total_units: int
    #: years whose production calendar is provisional (no decree data) and that a due date or a limitation end
    #: of the allocation was looked up in: the result may move by a day once the decree is entered
    provisional_years: frozenset = frozenset()

    @property
    def total(self) -> Decimal:
        """Sum of unrounded portions, rounded half-up to kopecks (calc-contract §3.3 p.5)."""
        return from_kopecks(round_half_up_div(self.total_units, DEN))

    @property
    def total_exact(self) -> Fraction:
        return Fraction(self.total_units, DEN * 100)


def _merge(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple((s, e) for s, e in out)


def _free_days(lo: int, hi: int, morats) -> int:
    """Days in [lo, hi] outside the moratoria."""
    if hi < lo:
        return 0
    n = hi - lo + 1
    for s, e in morats:
        if e < lo or s > hi:
            continue
        n -= min(e, hi) - max(s, lo) + 1
    return n


def _kth_counted_day(due: int, k: int, morats) -> int:
    """Ordinal of the k-th day after `due` lying outside the moratoria (frozen counter, M2)."""
    day = due + k
    for s, e in morats:
        if e <= due:
            continue
        s2 = s if s > due else due + 1
        if s2 <= day:
            day += e - s2 + 1
        else:
            break
    return day


def penalty_tier_starts(due: date, morats: Sequence[tuple[date, date]] = (),
                        counter: MoratoriumCounter | str = MoratoriumCounter.CALENDAR) -> tuple[date, date]:
    """First day of the 1/300 tier (day 31) and of the 1/130 tier (day 91) per ЖК 155 ч.14; frozen counter skips moratorium days."""
    d = due.toordinal()
    m = _merge([(s.toordinal(), e.toordinal()) for s, e in morats])
    if counter == MoratoriumCounter.FROZEN:
        return (date.fromordinal(_kth_counted_day(d, FREE_DAYS + 1, m)),
                date.fromordinal(_kth_counted_day(d, TIER300_LAST + 1, m)))
    return date.fromordinal(d + FREE_DAYS + 1), date.fromordinal(d + TIER300_LAST + 1)


def _schedule_info(ch: Charge, due15: Period, shift: bool, calendar, memo: dict) -> tuple:
    """(effective due, last day to file under reading A, provisional years of the due-date look-up, raw end)."""
    key = ("pen_due", ch.period, ch.due_date, due15, shift)
    info = memo.get(key)
    if info is None:
        due = effective_due_cached(ch.period, ch.due_date, due15, shift, calendar)
        prov = frozenset()
        if shift:
            nominal = ch.due_date if ch.due_date is not None else nominal_due_date(ch.period, due15)
            prov = calendar.provisional_years(nominal, due)
        info = memo[key] = (due, last_day_to_file(due, calendar, Reading.A, shift), prov,
                            limitation_raw_end(due, Reading.A))
    return info


def schedule_charges(charges: Sequence[Charge], due15_from: Period, weekend_shift: bool,
                     calendar) -> list[ScheduledCharge]:
    """The charge schedule the allocation works on (calc-contract §2.1, §3.3): each charge with its effective due
    date (ЖК 155 ч.1, ГК 193) and its last day to file under reading A with no events (Пленум № 22 п.32)."""
    memo = getattr(calendar, "memo", None)
    if memo is None:
        memo = {}
    out = []
    for ch in charges:
        info = _schedule_info(ch, due15_from, weekend_shift, calendar, memo)
        out.append(ScheduledCharge(ch.period, to_kopecks(ch.amount), info[0], info[1]))
    return out


def allocate(charges: Sequence[Charge], payments: Sequence[Payment], as_of: date, policy: PenaltyPolicy,
             calendar) -> Allocation:
    """The allocation alone (ГК 319.1; Пленум № 22 п.32), exactly as `compute_penalty` makes it: for debts the
    penalty engine refuses (due before 2016) and for figures that need no penalty (overdue, limitation)."""
    return allocate_payments(schedule_charges(charges, policy.due15_from, policy.weekend_shift, calendar),
                             payments, as_of)


def compute_penalty(charges: Sequence[Charge], payments: Sequence[Payment], calc_date: date,
                    policy: PenaltyPolicy, rates: KeyRateTable, calendar,
                    moratoria: Sequence[Moratorium] = STATUTORY_MORATORIA) -> PenaltyResult:
    """Penalty per ЖК ст.155 ч.14: days 1–30 free, 31–90 at 1/300, from 91 at 1/130 of the rate on the portion's end date (capped per ПП 329), no accrual in moratoria."""
    shift = policy.weekend_shift
    scheduled: list[ScheduledCharge] = []
    memo = getattr(calendar, "memo", None)
    if memo is None:
        memo = {}
    due15 = policy.due15_from
    provisional: set[int] = set()
    for ch in charges:
        info = _schedule_info(ch, due15, shift, calendar, memo)
        due = info[0]
        if due < NEW_RULE_FROM:
            raise UnsupportedDebt(f"charge {ch.period}: due {due.isoformat()} is before 01.01.2016 "
                                  "(old ЖК 155 ч.14 rule is not implemented)")
        if info[2]:
            provisional |= info[2]
        if shift and info[3] <= calc_date:  # a payment after the raw end meets the ГК 193 shift of the end
            provisional |= calendar.provisional_years(info[3], info[1])
        scheduled.append(ScheduledCharge(ch.period, to_kopecks(ch.amount), due, info[1]))
    alloc = allocate_payments(scheduled, payments, calc_date)

    by_period: dict[Period, list] = {}
    for part in alloc.parts:
        by_period.setdefault(part.period, []).append(part)

    act = sorted(((m.max_period, m.start.toordinal(), m.end.toordinal())
                  for m in moratoria if policy.moratorium_enabled(m.code)), key=lambda t: t[1])
    frozen = policy.moratorium_counter == MoratoriumCounter.FROZEN
    daily = policy.rate_mode == RateMode.DAILY
    cap = str(policy.cap)
    exclude_payment_day = not policy.payment_day_inclusive
    calc_ord = calc_date.toordinal()
    rate_cache: dict[int, int] = {}
    free_days = _free_days
    parts_get = by_period.get
    open_kop = alloc.open_kop

    rows: list[PenaltyRow] = []
    append = rows.append
    total = 0
    for sc in sorted(scheduled, key=lambda c: c.period):
        period = sc.period
        due = sc.due
        d = due.toordinal()
        morats = [(ms, me) for mp, ms, me in act if mp is None or period <= mp]
        if len(morats) > 1:
            morats = _merge(morats)
        if frozen and morats:
            b300 = _kth_counted_day(d, FREE_DAYS + 1, morats)
            b130 = _kth_counted_day(d, TIER300_LAST + 1, morats)
        else:
            b300 = d + FREE_DAYS + 1
            b130 = d + TIER300_LAST + 1
        start = date.fromordinal(d + 1)

        portions = [(p.amount_kop, p.payment_date, True, p) for p in parts_get(period, ())]
        rest = open_kop[period]
        if rest > 0:
            portions.append((rest, calc_date, False, None))
        for amount_kop, end, paid, part in portions:
            e = calc_ord if end is calc_date else end.toordinal()
            hi = e - 1 if (paid and exclude_payment_day) else e
            hi300 = hi if hi < b130 else b130 - 1
            d300 = free_days(b300, hi300, morats)
            d130 = free_days(b130, hi, morats)
            if daily:
                bp = None
                units = 0
                if d300 or d130:
                    for s, se, sbp in rates.segments_ord(b300, hi, cap):
                        n3 = free_days(s if s > b300 else b300, se if se < hi300 else hi300, morats)
                        n1 = free_days(s if s > b130 else b130, se, morats)
                        if n3 or n1:
                            units += amount_kop * sbp * (13 * n3 + 30 * n1)
            else:
                bp = rate_cache.get(e)
                if bp is None:
                    bp = rate_cache[e] = rates.eff_bp_ord(e, cap)
                units = amount_kop * bp * (13 * d300 + 30 * d130)
            total += units
            if part is None:
                append(PenaltyRow(period, amount_kop, due, start, end, paid, d300, d130, bp, units))
            else:
                append(PenaltyRow(period, amount_kop, due, start, end, paid, d300, d130, bp, units,
                                  part.payment_index, part.payment_ref, part.rule))
    return PenaltyResult(calc_date, tuple(rows), alloc, total, frozenset(provisional))


__all__ = ["CapMode", "Charge", "Payment", "PenaltyPolicy", "PenaltyResult", "PenaltyRow", "RateMode",
           "compute_penalty", "penalty_tier_starts", "schedule_charges", "allocate", "DEN"]
