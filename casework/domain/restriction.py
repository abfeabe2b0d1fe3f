"""Restriction and suspension of a utility for debt (ПП РФ от 06.05.2011 № 354, раздел XI, пп.114–122)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Mapping

from .errors import DomainError, InvalidAmount
from .money import from_kopecks, to_kopecks

WARNING_TERM_DAYS = 20      # п.119 "а": 20 days from delivery of the warning
SUSPENSION_AFTER_DAYS = 10  # п.119 "в": 10 days after the restriction
RESUMPTION_DAYS = 2         # п.120: within 2 calendar days after repayment or an agreement
THRESHOLD_MONTHS = 2        # п.118: debt above 2 monthly charges at the norm
PP424_FREEZE = (date(2020, 4, 6), date(2020, 12, 31))  # ПП 424: no restriction or suspension


class InvalidTermReading(DomainError):
    """The RESTRICTION_TERM_READING setting names no known reading."""


class Service(StrEnum):
    HEATING = "heating"
    COLD_WATER = "cold_water"
    HOT_WATER = "hot_water"
    SEWAGE = "sewage"            # водоотведение
    ELECTRICITY = "electricity"
    GAS = "gas"                  # household gas follows ПП 549, not ПП 354


class AgreementStatus(StrEnum):
    NONE = "none"
    PERFORMED = "performed"  # an agreement being performed blocks restriction (п.118)
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class ServiceDebt:
    """Debt for one utility and its monthly charge computed from the norm and the tariff in force on the day (п.118)."""

    service: Service
    debt: Decimal
    monthly_norm_charge: Decimal


@dataclass(frozen=True, slots=True)
class RestrictionAssessment:
    """Whether a service may be restricted / suspended now, with the threshold and every reason found."""

    service: Service
    debt: Decimal
    threshold: Decimal
    over_threshold: bool
    may_restrict: bool
    may_suspend: bool
    lawyer_approval_required: bool
    reasons: tuple[str, ...]


def restriction_threshold(monthly_norm_charge: Decimal) -> Decimal:
    """Threshold per ПП 354 п.118: two monthly charges for the utility at the consumption norm and current tariff."""
    if monthly_norm_charge <= 0:
        raise InvalidAmount("the monthly charge at the norm must be positive")
    return monthly_norm_charge * THRESHOLD_MONTHS


def is_never_suspendable(service: Service | str, apartment_building: bool) -> bool:
    """ПП 354 п.119 "в": heating may never be suspended, nor cold water in an apartment building."""
    service = Service(service)
    return service == Service.HEATING or (service == Service.COLD_WATER and apartment_building)


def assess_restriction(item: ServiceDebt, *, apartment_building: bool,
                       agreement: AgreementStatus | str = AgreementStatus.NONE,
                       on: date) -> RestrictionAssessment:
    """Eligibility per ПП 354 пп.117–122: debt over 2 norm-months (п.118), no performed agreement, no ПП 424 freeze, heating / MKD cold water never suspended."""
    service = Service(item.service)
    agreement = AgreementStatus(agreement)
    threshold = restriction_threshold(item.monthly_norm_charge)
    over = item.debt > threshold
    reasons: list[str] = []
    lawyer = False
    allowed = True
    if not over:
        allowed = False
        reasons.append(f"debt {item.debt} does not exceed 2 monthly charges at the norm ({threshold}) — ПП 354 п.118")
    if agreement == AgreementStatus.PERFORMED:
        allowed = False
        reasons.append("a payment agreement is being performed — ПП 354 п.118")
    if PP424_FREEZE[0] <= on <= PP424_FREEZE[1]:
        allowed = False
        reasons.append("restriction and suspension were frozen 06.04.2020–31.12.2020 — ПП 424")
    if service == Service.GAS:
        allowed = False
        reasons.append("household gas follows ПП 549, not the ПП 354 workflow")
    may_restrict = allowed and service != Service.HEATING
    if service == Service.HEATING:
        reasons.append("heating may not be restricted or suspended — ПП 354 п.119 \"в\", п.122")
    if apartment_building and service in (Service.COLD_WATER, Service.SEWAGE) and may_restrict:
        lawyer = True
        reasons.append("restricting cold water or sewage in an apartment building is disputed (п.122) — "
                       "lawyer approval required")
    may_suspend = may_restrict and not is_never_suspendable(service, apartment_building)
    if may_restrict and not may_suspend:
        reasons.append("cold water in an apartment building may not be suspended — ПП 354 п.119 \"в\"")
    return RestrictionAssessment(service, item.debt, threshold, over, may_restrict, may_suspend, lawyer,
                                 tuple(reasons))


class TermReading(StrEnum):
    """How the 20-day warning and 10-day restriction terms are read (setting RESTRICTION_TERM_READING)."""

    FULL_DAYS = "full_days"  # ГК 191: the term runs from the day after delivery; the debtor has all N days,
    #                          the measure is possible from day N + 1 after delivery (default)
    ELAPSED = "elapsed"      # "N days have elapsed": the delivery day counts as day 1, the measure is possible on
    #                          day N after delivery (the reading of some suppliers; one day less for the debtor)


DEFAULT_TERM_READING = TermReading.FULL_DAYS


def term_reading(value: "TermReading | str | None") -> TermReading:
    """The reading named by a setting; None means the default (full days, ГК 191)."""
    if value is None or value == "":
        return DEFAULT_TERM_READING
    try:
        return TermReading(value)
    except ValueError:
        allowed = ", ".join(r.value for r in TermReading)
        raise InvalidTermReading(f"RESTRICTION_TERM_READING: {value!r} is not one of {allowed}") from None


def _term_end(start: date, days: int, calendar, reading) -> date:
    """Last day of a term of `days` days counted from `start` (ГК 191; moved off a non-working day by ГК 193)."""
    reading = term_reading(reading)
    end = start + timedelta(days=days if reading == TermReading.FULL_DAYS else days - 1)
    return calendar.next_working_day(end) if calendar is not None else end


def warning_term_end(delivered_on: date, calendar=None, reading: TermReading | str | None = None) -> date:
    """Last day of the 20-day term after delivery of the warning (п.119 "а"; ГК 191, and ГК 193 if a calendar is given)."""
    return _term_end(delivered_on, WARNING_TERM_DAYS, calendar, reading)


def earliest_restriction_date(delivered_on: date, calendar=None, reading: TermReading | str | None = None) -> date:
    """First day the service may be restricted: the day after the 20-day warning term ends (п.119 "б"):
    day 21 after delivery under the default reading (ГК 191), day 20 under the "elapsed" reading."""
    return warning_term_end(delivered_on, calendar, reading) + timedelta(days=1)


def suspension_term_end(restricted_on: date, calendar=None, reading: TermReading | str | None = None) -> date:
    """Last day of the 10-day term after restriction (п.119 "в"; ГК 191, ГК 193 if a calendar is given)."""
    return _term_end(restricted_on, SUSPENSION_AFTER_DAYS, calendar, reading)


def earliest_suspension_date(restricted_on: date, calendar=None, reading: TermReading | str | None = None) -> date:
    """First day the service may be suspended: the day after the 10-day term following restriction (п.119 "в"):
    day 11 after restriction under the default reading, day 10 under the "elapsed" reading."""
    return suspension_term_end(restricted_on, calendar, reading) + timedelta(days=1)


def resumption_due(repaid_on: date) -> date:
    """Resume the service within 2 calendar days after full repayment or a signed agreement (п.120)."""
    return repaid_on + timedelta(days=RESUMPTION_DAYS)


def split_payment_by_service(amount: Decimal, charges: Mapping[Service, Decimal]) -> dict[Service, Decimal]:
    """Split an unassigned partial payment across services in proportion to their charges (п.118), to the kopeck (largest remainder)."""
    total_kop = to_kopecks(amount)
    weights = {s: to_kopecks(v) for s, v in charges.items()}
    base = sum(weights.values())
    if base <= 0:
        raise InvalidAmount("charges to split across must be positive")
    shares = {}
    rems = []
    for s, w in weights.items():
        q, r = divmod(total_kop * w, base)
        shares[s] = q
        rems.append((-r, list(weights).index(s), s))
    left = total_kop - sum(shares.values())
    for _, _, s in sorted(rems)[:left]:
        shares[s] += 1
    return {s: from_kopecks(k) for s, k in shares.items()}


#: months of charges the derived norm charge averages (docs/legal-engine.md, «Monthly charge at the norm»)
DERIVED_NORM_MONTHS = 3


def derived_norm_kop(monthly_charges_kop, months: int = DERIVED_NORM_MONTHS) -> int | None:
    """The monthly charge at the norm derived from the charges when none is set (ПП 354 п.118 needs it to compare the
    debt with two months of it): the mean of the last `months` full monthly charges of the service, newest first in
    `monthly_charges_kop` (kopecks, months before the current one, each > 0), rounded half up to the kopeck; None with
    fewer such months. A documented fallback of this application, not a rule of the decree: the lawyer sets the
    account's norm charge where the meter readings make the charges differ from the norm."""
    rows = [int(k) for k in monthly_charges_kop if k and int(k) > 0][:months]
    if months <= 0 or len(rows) < months:
        return None
    total = sum(rows)
    return (2 * total + months) // (2 * months)
