"""Payment allocation (ГК ст.319.1; Пленум ВС № 22 п.32): named period first, then the earliest due charge not time-barred."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Sequence

from .errors import InvalidInput
from .money import from_kopecks, to_kopecks
from .periods import Period


@dataclass(frozen=True, slots=True)
class Charge:
    """Principal charged for one billing period; `due_date` is the nominal date before the ГК 193 shift."""

    period: Period
    amount: Decimal
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment; `period` is the billing period the payer named (or None); `ref` identifies it for the trace."""

    date: date
    amount: Decimal
    period: Period | None = None
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class ScheduledCharge:
    """A charge ready for allocation: effective due date and (optional) last day to file under reading A."""

    period: Period
    amount_kop: int
    due: date
    last_day_to_file: date | None = None


NAMED = "named"
EARLIEST_DUE = "earliest_due"


@dataclass(frozen=True, slots=True)
class AllocationPart:
    """One traceable piece: which payment (index in input order, ref) paid how much of which period, and by which rule."""

    payment_index: int
    payment_ref: str | None
    payment_date: date
    period: Period
    amount_kop: int
    rule: str  # NAMED or EARLIEST_DUE

    @property
    def amount(self) -> Decimal:
        return from_kopecks(self.amount_kop)


@dataclass(frozen=True, slots=True)
class Overpayment:
    """The part of a payment that could not be placed on any open, non-barred charge."""

    payment_index: int
    payment_ref: str | None
    payment_date: date
    amount_kop: int

    @property
    def amount(self) -> Decimal:
        return from_kopecks(self.amount_kop)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Result of allocation: the ledger of parts in allocation order, overpayments, remaining open balances."""

    parts: tuple[AllocationPart, ...]
    overpayments: tuple[Overpayment, ...]
    open_kop: dict  # Period -> int kopecks still unpaid

    def parts_for(self, period: Period) -> list[AllocationPart]:
        return [p for p in self.parts if p.period == period]

    def open_balance(self, period: Period) -> Decimal:
        return from_kopecks(self.open_kop[period])


def allocate_payments(charges: Sequence[ScheduledCharge], payments: Sequence[Payment], as_of: date) -> Allocation:
    """Allocate payments dated ≤ as_of by date (ties: input order): named period first (ГК 319.1 п.1), the rest to the earliest-due open charge not time-barred on the payment day (Пленум № 22 п.32)."""
    open_kop: dict[Period, int] = {}
    for c in charges:
        if c.period in open_kop:
            raise InvalidInput(f"two charges for period {c.period}: aggregate services first")
        if c.amount_kop <= 0:
            raise InvalidInput(f"charge {c.period}: amount must be positive")
        open_kop[c.period] = c.amount_kop
    order = sorted(charges, key=lambda c: (c.due, c.period))
    n_order = len(order)
    first = 0
    parts: list[AllocationPart] = []
    over: list[Overpayment] = []
    indexed = sorted(((p.date, i, p) for i, p in enumerate(payments) if p.date <= as_of), key=lambda t: (t[0], t[1]))
    for pay_date, idx, pay in indexed:
        rest = to_kopecks(pay.amount)
        if rest <= 0:
            raise InvalidInput(f"payment {idx}: amount must be positive")
        if pay.period is not None:
            if pay.period not in open_kop:
                raise InvalidInput(f"payment {idx} names period {pay.period}, which has no charge")
            take = min(rest, open_kop[pay.period])
            if take > 0:
                open_kop[pay.period] -= take
                rest -= take
                parts.append(AllocationPart(idx, pay.ref, pay_date, pay.period, take, NAMED))
        if rest > 0:
            # `first` skips charges that are closed or already barred: payments come in date order,
            # so a charge barred on an earlier payment day stays barred for the later ones.
            while first < n_order and (open_kop[order[first].period] <= 0 or (
                    order[first].last_day_to_file is not None and pay_date > order[first].last_day_to_file)):
                first += 1
            for j in range(first, n_order):
                c = order[j]
                bal = open_kop[c.period]
                if bal <= 0:
                    continue
                if c.last_day_to_file is not None and pay_date > c.last_day_to_file:
                    continue  # time-barred on the payment day: Пленум № 22 п.32
                take = rest if rest < bal else bal
                open_kop[c.period] = bal - take
                rest -= take
                parts.append(AllocationPart(idx, pay.ref, pay_date, c.period, take, EARLIEST_DUE))
                if rest == 0:
                    break
        if rest > 0:
            over.append(Overpayment(idx, pay.ref, pay_date, rest))
    return Allocation(tuple(parts), tuple(over), open_kop)
