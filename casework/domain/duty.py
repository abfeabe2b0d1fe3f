"""State duty on property claims (НК ст.333.19 п.1, 333.21 п.1; 221-ФЗ and 259-ФЗ scales as data tables; НК ст.52 п.6 rounding)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Iterable, Mapping, Sequence

from .errors import DomainError, InvalidAmount, InvalidInput
from .money import round_rubles, to_money
from .policy import DutyPolicy, DutyRounding

_HUNDRED = Decimal(100)


class Court(StrEnum):
    GENERAL = "general"      # мировой судья / district court, НК 333.19
    ARBITRAZH = "arbitrazh"  # НК 333.21


class ApplicationKind(StrEnum):
    COURT_ORDER = "court_order"
    CLAIM = "claim"


@dataclass(frozen=True, slots=True)
class DutyBand:
    """Band 'claim > threshold': duty = base + percent % of (claim − threshold), then the band's min/max if any."""

    threshold: Decimal
    base: Decimal
    percent: Decimal
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True, slots=True)
class DutyScale:
    """One duty scale of one court type, valid for applications sent in [valid_from, valid_to]."""

    code: str
    court: Court
    scale: str                    # "old" | "new"
    valid_from: date
    valid_to: date | None
    bands: tuple[DutyBand, ...]   # ascending thresholds, first threshold 0
    order_share: Decimal          # court order duty = share × claim duty
    order_minimum: Decimal | None = None
    source: str = ""

    def claim_duty(self, claim: Decimal) -> Decimal:
        """Exact (unrounded) duty on a property claim per this scale."""
        band = self.bands[0]
        for b in self.bands:
            if claim > b.threshold:
                band = b
        duty = band.base + (claim - band.threshold) * band.percent / _HUNDRED
        if band.minimum is not None and duty < band.minimum:
            duty = band.minimum
        if band.maximum is not None and duty > band.maximum:
            duty = band.maximum
        return duty

    def order_duty(self, claim_duty_exact: Decimal) -> Decimal:
        """Exact court-order duty: share of the exact claim duty (НК 333.19 п.1 пп.2; 333.21), at least the minimum."""
        duty = claim_duty_exact * self.order_share
        if self.order_minimum is not None and duty < self.order_minimum:
            duty = self.order_minimum
        return duty

    def covers(self, sent: date) -> bool:
        return self.valid_from <= sent and (self.valid_to is None or sent <= self.valid_to)


def _dec(v, where: str) -> Decimal | None:
    if v is None:
        return None
    if isinstance(v, float):
        raise DomainError(f"{where}: floats are not accepted")
    return Decimal(str(v))


def duty_scales_from_rows(rows: Iterable[Mapping]) -> tuple[DutyScale, ...]:
    """Build duty scales from plain dicts (the shape of casework/data/duty_scales.json 'scales')."""
    out = []
    for r in rows:
        code = r["code"]
        bands = tuple(DutyBand(_dec(b["threshold"], code), _dec(b["base"], code), _dec(b["percent"], code),
                               _dec(b.get("min"), code), _dec(b.get("max"), code)) for b in r["bands"])
        if not bands or bands[0].threshold != 0:
            raise DomainError(f"duty scale {code}: the first band must start at threshold 0")
        if any(bands[i].threshold >= bands[i + 1].threshold for i in range(len(bands) - 1)):
            raise DomainError(f"duty scale {code}: thresholds must ascend")
        vt = r.get("valid_to")
        out.append(DutyScale(code, Court(r["court"]), r["scale"], date.fromisoformat(r["valid_from"]),
                             date.fromisoformat(vt) if vt else None, bands, _dec(r["order_share"], code),
                             _dec(r.get("order_min"), code), r.get("source", "")))
    return tuple(out)


def select_scale(scales: Sequence[DutyScale], court: Court | str, sent: date) -> DutyScale:
    """Pick the scale by court and sending date (259-ФЗ: new scale for applications sent from 09.09.2024)."""
    court = Court(court)
    for s in scales:
        if s.court == court and s.covers(sent):
            return s
    raise InvalidInput(f"no {court} duty scale for an application sent {sent.isoformat()} "
                       "(scales before 01.01.2015 are not implemented)")


@dataclass(frozen=True, slots=True)
class DutyResult:
    """Exact and rounded duties and the amount to pay after the credit."""

    scale: str
    claim_duty_exact: Decimal     # unrounded
    court_order_duty_exact: Decimal
    claim_duty_kopecks: Decimal   # half-up to kopecks
    court_order_duty_kopecks: Decimal
    claim_duty: Decimal           # exact value half-up to whole rubles (НК 52 п.6)
    court_order_duty: Decimal
    to_pay: Decimal


def compute_duty(claim: Decimal, court: Court | str, kind: ApplicationKind | str, application_sent: date,
                 scales: Sequence[DutyScale], credit: Decimal = Decimal("0"),
                 policy: DutyPolicy = DutyPolicy()) -> DutyResult:
    """State duty (НК 333.19/333.21): band formula with min/max, order = 50 % of the exact claim duty, rubles per НК 52 п.6, minus credit (НК 333.20 п.1 пп.13)."""
    if claim <= 0:
        raise InvalidAmount("claim must be positive")
    if credit < 0:
        raise InvalidAmount("credit must not be negative")
    kind = ApplicationKind(kind)
    sc = select_scale(scales, court, application_sent)
    cd = sc.claim_duty(claim)
    od = sc.order_duty(cd)
    payable = od if kind == ApplicationKind.COURT_ORDER else cd
    payable = round_rubles(payable) if policy.rounding == DutyRounding.RUBLES else to_money(payable)
    to_pay = payable - credit
    if to_pay < 0:
        to_pay = Decimal("0")
    return DutyResult(sc.scale, cd, od, to_money(cd), to_money(od), round_rubles(cd), round_rubles(od), to_money(to_pay))
