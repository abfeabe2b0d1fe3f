"""The defendants of a court filing and what each owes: the account's persons by role and period → liability lines.

Rules (docs/court-documents.md, «Ответчики»):

* **Owners** (ЖК ст.153 ч.2 п.5, ст.158 ч.1, ст.30 ч.3; ГК ст.249; Пленум ВС РФ № 22 п.27) answer each for his
  share of each month's charges, for the days of the month he owned it (from the registration of the right to
  its end). Shares not recorded are equal (ГК ст.245 п.1) among the owners of that day whose share is unknown.
* **Minors** (under 18 on the first day of the month, ГК ст.21) never answer in person: their share of that month is
  claimed from their parents or legal representatives (ГК ст.26, 28; СК ст.61, 64; Пленум № 22 п.28), in equal
  parts between them. A minor with no representative leaves his share unassigned (the lawyer must name one).
* **Social tenancy** (ЖК ст.69 ч.2; ст.31 ч.3 is the same rule for an owner's family): the tenant and the
  adult (capable) members of his family living with him answer **jointly and severally** (солидарно) for the
  whole month; the group of a month is those on the account that month.
* Amounts are apportioned in kopecks exactly: the lines' principals add up to the claim's principal and their
  penalties to the claim's penalty (rounded once); a line's figure stays within one kopeck of its exact value.

Pure: persons, the claim's months and the rules' choices are arguments; no database, no clock.
"""
from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Hashable, Iterable, Sequence

from .money import round_half_up_div
from .penalty import DEN

OWNER, TENANT, REGISTERED, REPRESENTATIVE, HEIR = "owner", "tenant", "registered", "representative", "heir"
SHARE, TENANCY, MINOR_SHARE = "share", "tenancy", "minor_share"
ADULT_AGE = 18


@dataclass(frozen=True, slots=True)
class Person:
    """One person linked to the account: role, ownership share (None = not recorded), the dates of the link
    (inclusive; None = open), birth date (None = taken as an adult) and the lawyer's choices."""

    key: Hashable
    name: str
    role: str
    share: Fraction | None = None
    since: date | None = None
    until: date | None = None
    birth_date: date | None = None
    represents: tuple = ()  # keys of the minors this person represents (parent, guardian) — chosen by the lawyer
    excluded: bool = False  # left out by the lawyer (moved away, not a family member, already sued…)


@dataclass(frozen=True, slots=True)
class ClaimMonth:
    """One month of the claim: its unpaid principal and its exact penalty (units of 1/DEN kopeck, domain.penalty)."""

    period: date  # the first day of the billing month
    debt_kop: int
    penalty_units: int = 0


@dataclass(frozen=True, slots=True)
class Liability:
    """One line of the claim: who answers (one person, or several jointly and severally), on what ground, for
    which days, and how much."""

    debtors: tuple  # keys; more than one = солидарно
    basis: str  # SHARE | TENANCY | MINOR_SHARE
    share: Fraction | None  # the recorded share (of the minor for MINOR_SHARE, the debtor's part of it in `part`)
    minor: Hashable | None  # whose share a representative answers for
    part: Fraction | None  # for MINOR_SHARE: the representative's part of the minor's share (1/2 for two parents)
    spans: tuple  # ((first day, last day), ...) merged ranges of the days of debt the line covers (of penalty only,
    #               when no month of the line has principal left)
    months: tuple  # first days of the months the line covers
    debt_kop: int
    penalty_kop: int

    @property
    def jointly(self) -> bool:
        return len(self.debtors) > 1

    @property
    def total_kop(self) -> int:
        return self.debt_kop + self.penalty_kop


@dataclass(frozen=True, slots=True)
class Parties:
    """The lines of the claim, the defendants in order of first appearance, what nobody answers for and the
    problems a lawyer must look at (codes with the person's key)."""

    lines: tuple
    defendants: tuple
    debt_kop: int
    penalty_kop: int
    unassigned_debt_kop: int = 0
    unassigned_penalty_kop: int = 0
    unassigned_months: tuple = ()
    problems: tuple = ()  # (code, key): minor_without_representative, shares_over_whole, no_one_liable
    minors: tuple = ()  # keys of persons who were minors in a month of the claim and held a share

    def lines_of(self, key) -> list:
        return [ln for ln in self.lines if key in ln.debtors]


def is_minor(birth_date: date | None, on: date) -> bool:
    """Under 18 on this day (ГК ст.21 п.1: full capacity from the 18th birthday); no birth date = an adult."""
    if birth_date is None:
        return False
    try:
        adult_on = birth_date.replace(year=birth_date.year + ADULT_AGE)
    except ValueError:  # 29 February
        adult_on = date(birth_date.year + ADULT_AGE, 3, 1)
    return on < adult_on


def _month_last(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _days_in(p: Person, first: date, last: date) -> tuple[date, date] | None:
    start = max(first, p.since) if p.since else first
    end = min(last, p.until) if p.until else last
    return (start, end) if start <= end else None


def _owner_weights(owners: Sequence[Person], first: date, last: date) -> tuple[dict, dict, list]:
    """Each owner's weight in the month: share × days owned / days of the month (exact), day by day so that
    unknown shares are split equally among the owners of that day: ({key: weight}, {key: (start, end)}, problems)."""
    ndays = (last - first).days + 1
    weights: dict = {}
    spans: dict = {}
    problems = []
    # days group into runs of the same owner set: iterate the change points only
    points = sorted({first, last + timedelta(days=1)}
                    | {p.since for p in owners if p.since and first < p.since <= last}
                    | {p.until + timedelta(days=1) for p in owners if p.until and first <= p.until < last})
    for a, b in zip(points, points[1:]):
        d = a
        present = [p for p in owners if (p.since is None or p.since <= d) and (p.until is None or p.until >= d)]
        if not present:
            continue
        known = sum((p.share for p in present if p.share is not None), Fraction(0))
        unknown = [p for p in present if p.share is None]
        if known > 1:
            problems.append(("shares_over_whole", None))
            scale = 1 / known
            shares = {p.key: p.share * scale for p in present if p.share is not None}
            shares.update({p.key: Fraction(0) for p in unknown})
        else:
            rest = (1 - known) / len(unknown) if unknown else Fraction(0)
            shares = {p.key: (p.share if p.share is not None else rest) for p in present}
        days = Fraction((b - a).days, ndays)
        for p in present:
            w = shares[p.key] * days
            if w:
                weights[p.key] = weights.get(p.key, Fraction(0)) + w
                s = spans.get(p.key)
                spans[p.key] = (s[0] if s else a, b - timedelta(days=1))
    return weights, spans, problems


def _merge(spans: Iterable[tuple[date, date]]) -> tuple:
    out: list[list[date]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + timedelta(days=1):
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def apportion(exact: Sequence[Fraction], total: int) -> list[int]:
    """Whole kopecks adding up to `total` exactly: each part rounded down, the rest to the largest remainders (ties
    to the earlier part); each part stays within one kopeck of its exact value when the exact parts sum to total."""
    base = [math.floor(x) for x in exact]
    rest = total - sum(base)
    if not 0 <= rest <= len(exact):
        raise ValueError(f"the parts cannot add up to {total} kopecks")
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return base


def build_parties(persons: Sequence[Person], months: Sequence[ClaimMonth], *, tenure: str = "owner",
                  opened_on: date | None = None, closed_on: date | None = None) -> Parties:
    """The defendants and their liability per line for the claim's months: owners by share and days owned (ЖК 153,
    158; Пленум № 22 п.27), minors' shares from their representatives in equal parts (ГК 21, 26, 28; Пленум № 22
    п.28), a social tenant with the adult members of his family jointly (ЖК 69 ч.2); kopecks apportioned exactly."""
    active = [p for p in persons if not p.excluded]
    reps_of: dict = {}
    for p in active:
        for m in p.represents:
            reps_of.setdefault(m, []).append(p)
    default_reps = [p for p in active if p.role == REPRESENTATIVE and not p.represents]
    problems: set = set()
    minors: list = []
    # group key -> {"months": {period: weight}, "spans": [...]}
    groups: dict = {}
    order: list = []
    unassigned: dict = {}

    def add(key, period, weight, span):
        g = groups.get(key)
        if g is None:
            g = groups[key] = {"w": {}, "spans": [], "debt_spans": []}
            order.append(key)
        g["w"][period] = g["w"].get(period, Fraction(0)) + weight
        g["spans"].append(span)
        if debt_months.get(period):
            g["debt_spans"].append(span)

    tenancy = tenure in ("social_tenancy", "commercial_tenancy")
    debt_months = {m.period.replace(day=1): m.debt_kop > 0 for m in months}
    for m in months:
        first = m.period.replace(day=1)
        last = _month_last(first)
        billed = (max(first, opened_on) if opened_on else first, min(last, closed_on) if closed_on else last)
        if billed[0] > billed[1]:
            billed = (first, last)  # a charge outside the account's dates: the whole month
        covered = Fraction(0)
        if tenancy:
            tenants = [p for p in active if p.role == TENANT and _days_in(p, first, last)]
            members = []
            if tenure == "social_tenancy":
                members = [p for p in active if p.role == REGISTERED and _days_in(p, first, last)
                           and not is_minor(p.birth_date, first)]
            group = [p for p in tenants + members if not is_minor(p.birth_date, first)]
            if group:
                span = (first, last)
                add((tuple(p.key for p in group), TENANCY, None, None, None), first, Fraction(1), span)
                covered = Fraction(1)
        else:
            owners = [p for p in active if p.role == OWNER]
            weights, spans, probs = _owner_weights(owners, *billed)
            problems.update(probs)
            by_key = {p.key: p for p in owners}
            for k, w in weights.items():
                p = by_key[k]
                if is_minor(p.birth_date, first):
                    if k not in minors:
                        minors.append(k)
                    reps = list({r.key: r for r in (reps_of.get(k) or default_reps) if r.key != k
                                 and not is_minor(r.birth_date, first)}.values())
                    if not reps:
                        problems.add(("minor_without_representative", k))
                        continue
                    part = Fraction(1, len(reps))
                    for r in reps:
                        add(((r.key,), MINOR_SHARE, p.share, k, part), first, w * part, spans[k])
                    covered += w
                else:
                    add(((k,), SHARE, p.share, None, None), first, w, spans[k])
                    covered += w
        if covered < 1:
            unassigned[first] = 1 - covered
            if covered == 0:
                problems.add(("no_one_liable", first))

    total_debt = sum(m.debt_kop for m in months)
    total_units = sum(m.penalty_units for m in months)
    total_pen = round_half_up_div(total_units, DEN)
    by_period = {m.period.replace(day=1): m for m in months}
    exact_debt, exact_pen = [], []
    for key in order:
        w = groups[key]["w"]
        exact_debt.append(sum((by_period[p].debt_kop * x for p, x in w.items()), Fraction(0)))
        exact_pen.append(sum((Fraction(by_period[p].penalty_units, DEN) * x for p, x in w.items()), Fraction(0)))
    un_debt = sum((by_period[p].debt_kop * x for p, x in unassigned.items()), Fraction(0))
    un_pen = sum((Fraction(by_period[p].penalty_units, DEN) * x for p, x in unassigned.items()), Fraction(0))
    debts = apportion(exact_debt + [un_debt], total_debt)
    pens = apportion(exact_pen + [un_pen], total_pen)
    lines = []
    defendants: list = []
    for i, key in enumerate(order):
        debtors, basis, share, minor, part = key
        g = groups[key]
        lines.append(Liability(debtors, basis, share, minor, part, _merge(g["debt_spans"] or g["spans"]),
                               tuple(sorted(g["w"])),
                               debts[i], pens[i]))
        for d in debtors:
            if d not in defendants:
                defendants.append(d)
    return Parties(tuple(lines), tuple(defendants), total_debt, total_pen, debts[-1], pens[-1],
                   tuple(sorted(p for p, x in unassigned.items() if x)), tuple(sorted(problems, key=str)),
                   tuple(minors))
