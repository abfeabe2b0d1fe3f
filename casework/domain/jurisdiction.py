"""Which court hears a debt: general courts (ГПК) for citizens, the arbitrazh court (АПК) for organisations and
individual entrepreneurs; the arbitrazh pre-claim and objection terms (pure: no I/O, dates are arguments).

See docs/legal-engine.md, «Organisation debtors: arbitrazh».
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .calendar import weekends_only_calendar

ARBITRAZH_ORDER_LIMIT_KOP = 500_000_00  # АПК ст.229.2: a court order for contract claims up to 500,000 ₽
PRETRIAL_CLAIM_DAYS = 30                # АПК ст.4 ч.5: a claim 30 calendar days after the pre-claim letter was sent
OBJECTION_WORKING_DAYS = 10             # АПК ст.229.5 ч.3: 10 days from receipt to object; ст.114 ч.3: working days
OGRNIP_LENGTH = 15                      # ОГРНИП has 15 digits, an organisation's ОГРН 13 (129-ФЗ, ПП 2014 № 1221)
_ENTREPRENEUR_PREFIXES = ("ип ", "индивидуальный предприниматель")


class DebtorKind(StrEnum):
    PERSON = "person"              # a citizen
    ENTREPRENEUR = "entrepreneur"  # a citizen registered as an individual entrepreneur (ИП)
    ORGANIZATION = "organization"  # a legal entity (including a municipality as the owner of vacant flats)


class CourtTrack(StrEnum):
    GENERAL = "general"      # мировой судья (order, ГПК ст.121–122) / district court (claim), НК 333.19
    ARBITRAZH = "arbitrazh"  # арбитражный суд субъекта РФ (order АПК ст.229.2, claim), НК 333.21


def debtor_kind(party_kind: str | None, ogrn: str | None = None, full_name: str | None = None, *,
                account_category: str = "population") -> DebtorKind:
    """The debtor's legal form: a party of kind 'organization' is an organisation; a citizen with an ОГРНИП (15
    digits) or named «ИП …» is an entrepreneur; with no party recorded a non-population account counts as one."""
    if party_kind is None:
        return DebtorKind.ORGANIZATION if account_category == "other" else DebtorKind.PERSON
    name = (full_name or "").strip().lower()
    if party_kind == "organization":
        return DebtorKind.ENTREPRENEUR if name.startswith(_ENTREPRENEUR_PREFIXES) else DebtorKind.ORGANIZATION
    digits = "".join(ch for ch in (ogrn or "") if ch.isdigit())
    if len(digits) == OGRNIP_LENGTH or name.startswith(_ENTREPRENEUR_PREFIXES):
        return DebtorKind.ENTREPRENEUR
    return DebtorKind.PERSON


def court_track(kind: DebtorKind | str, *, business_premises: bool) -> CourtTrack:
    """Arbitrazh court for an organisation, and for an entrepreneur's debt for business (non-population) premises
    (АПК ст.27, 28; order АПК ст.229.2); a citizen's — or an ИП's own home's — debt goes to the magistrate / district
    court (ГПК ст.22, 23, 121)."""
    kind = DebtorKind(kind)
    if kind == DebtorKind.ORGANIZATION:
        return CourtTrack.ARBITRAZH
    if kind == DebtorKind.ENTREPRENEUR and business_premises:
        return CourtTrack.ARBITRAZH
    return CourtTrack.GENERAL


def pretrial_claim_term_end(sent_on: date, calendar=None) -> date:
    """Last day of the 30-day pre-claim term: 30 calendar days from the day after sending (АПК ст.4 ч.5, ГК 191),
    moved off a non-working day (ГК 193) when a production calendar is given."""
    end = sent_on + timedelta(days=PRETRIAL_CLAIM_DAYS)
    return calendar.next_working_day(end) if calendar is not None else end


def arbitrazh_claim_may_be_filed_on(sent_on: date, calendar=None) -> date:
    """First day an arbitrazh claim may be filed: the day after the 30-day pre-claim term ends (АПК ст.4 ч.5)."""
    return pretrial_claim_term_end(sent_on, calendar) + timedelta(days=1)


def arbitrazh_objection_term_end(received_on: date, calendar=None) -> date:
    """Last day to object to an arbitrazh court order: the 10th working day after receipt of its copy (АПК ст.229.5
    ч.3; ст.113 ч.3 — from the next day; ст.114 ч.3 — non-working days not counted), by the production calendar."""
    return (calendar or weekends_only_calendar()).add_working_days(received_on, OBJECTION_WORKING_DAYS)


# ------------------------------------------------------------------------------- general courts: which level
class CourtLevel(StrEnum):
    """The kind of court (as the court directory names it) that hears a filing."""

    MAGISTRATE = "magistrate"  # мировой судья: court orders (ГПК 23 ч.1 п.1), property claims up to the ceiling (п.5)
    DISTRICT = "district"      # районный суд: every other claim (ГПК 24)
    ARBITRAZH = "arbitrazh"    # арбитражный суд субъекта РФ (АПК 27, 28, 35)


@dataclass(frozen=True, slots=True)
class DatedLimit:
    """A limit in kopecks in force for filings made on or after `valid_from` (None: from before the table starts)."""

    valid_from: date | None
    limit_kop: int
    source: str


#: ГПК ст.23 ч.1 п.5: property claims up to this price go to the magistrate, above it to the district court (ГПК 24).
#: Dated reference values, newest first; the filing date picks the row (a court keeps a case it accepted, ГПК 33).
MAGISTRATE_CLAIM_CEILINGS: tuple[DatedLimit, ...] = (
    DatedLimit(date(2019, 10, 1), 100_000_00,
               "ГПК РФ ст.23 ч.1 п.5 в ред. Федерального закона от 28.11.2018 № 451-ФЗ (с 01.10.2019): 100 000 руб. — "
               "legal-rules.md §5.1 [K]"),
    DatedLimit(None, 50_000_00,
               "ГПК РФ ст.23 ч.1 п.5 в ред. до 01.10.2019: 50 000 руб. [K; the start of that wording is not in the "
               "reference]"),
)


def magistrate_claim_ceiling(on: date, table: tuple[DatedLimit, ...] = MAGISTRATE_CLAIM_CEILINGS) -> DatedLimit:
    """The ГПК 23 ч.1 п.5 ceiling in force for a claim filed on `on` (the newest row that has started)."""
    for row in table:
        if row.valid_from is None or row.valid_from <= on:
            return row
    return table[-1]


def court_level(track: CourtTrack | str, kind: str, claim_kop: int, on: date) -> CourtLevel | None:
    """Which court hears a filing of `kind` ('order' | 'claim' | 'eviction') on `on`: the arbitrazh court on its
    track; a court order — the magistrate (ГПК 23 ч.1 п.1, 121); a property claim — the magistrate up to the dated
    ceiling of ГПК 23 ч.1 п.5 (цена иска = principal + penalty, ГПК 91), the district court above it (ГПК 24).
    None for an eviction (not decided here: the court of the building)."""
    if CourtTrack(track) == CourtTrack.ARBITRAZH:
        return CourtLevel.ARBITRAZH
    if kind == "order":
        return CourtLevel.MAGISTRATE
    if kind == "claim":
        return CourtLevel.MAGISTRATE if claim_kop <= magistrate_claim_ceiling(on).limit_kop else CourtLevel.DISTRICT
    return None
