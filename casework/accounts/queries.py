"""Reads of accounts: the searchable, filtered, sorted list (page, totals, export rows) and the account page.

Search runs on `accounts.search_text`, a pre-normalised copy of number, name, address and phone digits
(`search_text_for`), because SQLite's lower() folds only ASCII: "ИВАНОВ" and "иванов" must match on both
engines. Every writer of accounts must fill it with `search_text_for(...)`.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Iterator

from sqlalchemy import Select, and_, exists, func, literal_column, select, table, true
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from ..domain.identifiers import normalize_identifier
from ..extensions import db
from ..pagination import Page
from .models import Account, AccountBalance, AccountMonth, AccountParty, LedgerEntry, Party, Service, Territory

A = Account.__table__
B = AccountBalance.__table__

# key → (min days, max days or None) of the oldest unpaid debt
AGING_BUCKETS: dict[str, tuple[int, int | None]] = {
    "0_30": (0, 30), "31_90": (31, 90), "91_180": (91, 180), "181_365": (181, 365),
    "1_3y": (366, 1095), "over_3y": (1096, None),
}
SORTS = ("number", "debtor", "balance", "overdue", "months", "oldest")
FIGURE_SORTS = frozenset({"balance", "overdue", "months", "oldest"})
MAX_TERMS = 8

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_PHONE_LIKE = re.compile(r"[\d\s()+\-.]+")
_PHONE_SPLIT = re.compile(r"[,;/]|\s{2,}")


def aging_bucket(days: int | None) -> str | None:
    """The aging bucket of a debt `days` old: 0–30, 31–90, 91–180, 181–365 days, 1–3 years, over 3 years (issue 2 §2)."""
    if days is None:
        return None
    for key, (low, high) in AGING_BUCKETS.items():
        if days >= low and (high is None or days <= high):
            return key
    return None


def normalize(text: str | None) -> str:
    """Lower-case (Unicode, so Cyrillic too), ё→е, punctuation to single spaces."""
    if not text:
        return ""
    return " ".join(_NON_WORD.sub(" ", text.lower().replace("ё", "е")).split())


def _digits(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


def search_text_for(number: str | None, name: str | None, address: str | None, phone: str | None) -> str:
    """The `accounts.search_text` value: number (as typed and digits only), name, address, each phone's digits."""
    phones = [_digits(p) for p in _PHONE_SPLIT.split(phone or "")]
    parts = [(number or "").lower(), _digits(number), normalize(name), normalize(address),
             " ".join(p for p in phones if p)]
    return " ".join(p for p in parts if p)


def search_terms(query: str | None) -> list[str]:
    """Split what the user typed into substrings that must all occur in `search_text`.

    A query made only of digits and phone punctuation is one digit string; an 11-digit Russian number
    loses its 7/8 trunk prefix so "+7 914 …" finds "8 914 …". The query is first put in the normal form of
    identifiers (NFKC, no zero-width or bidi-control characters), as imported numbers are.
    """
    query = normalize_identifier(query)
    if not query:
        return []
    if _PHONE_LIKE.fullmatch(query):
        digits = _digits(query)
        if len(digits) == 11 and digits[0] in "78":
            digits = digits[1:]
        return [digits] if digits else []
    terms: list[str] = []
    for token in normalize(query).split():
        if token not in terms:
            terms.append(token)
    return terms[:MAX_TERMS]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class AccountFilter:
    """What the user asked the list for; amounts in kopecks."""

    q: str = ""
    category: str | None = None
    territory_id: int | None = None
    tenure: str | None = None
    municipal: bool | None = None
    debt_min_kop: int | None = None
    debt_max_kop: int | None = None
    aging: str | None = None
    has_open_case: bool | None = None
    sort: str = "number"
    descending: bool = False

    @property
    def needs_figures(self) -> bool:
        return (self.sort in FIGURE_SORTS or self.debt_min_kop is not None or self.debt_max_kop is not None
                or self.aging is not None)

    @property
    def is_empty(self) -> bool:
        return not (self.q.strip() or self.category or self.territory_id or self.tenure or self.municipal is not None
                    or self.debt_min_kop is not None or self.debt_max_kop is not None or self.aging
                    or self.has_open_case is not None)


@dataclass
class Totals:
    count: int
    balance_kop: int


LIST_COLUMNS = (A.c.id, A.c.number, A.c.debtor_name, A.c.address, A.c.category, A.c.tenure, A.c.is_municipal,
                A.c.territory_id, A.c.closed_on, B.c.balance_kop, B.c.overdue_kop, B.c.months_in_arrears,
                B.c.oldest_debt_days, B.c.last_payment_on)


def _open_case_exists():
    try:
        from ..cases.models import Case
    except ImportError:  # pragma: no cover - the cases area is always present in this build
        return None
    C = Case.__table__
    return exists().where(C.c.account_id == A.c.id, C.c.is_open == true())


# A term of ≥ 3 lower-case Latin/Cyrillic letters or digits: the trigram index's substring match of it is exactly
# LIKE '%term%' on the lower-case search_text (case folding is the identity on these characters), so the LIKE —
# which must read every candidate row — can be left out. Shorter or other terms keep their LIKE.
_FTS_EXACT = re.compile(r"[0-9a-z\u0430-\u044f]{3,}")


def fts_prefilter(terms: list[str]):
    """`accounts.id IN (rows of the trigram index holding every term)` on SQLite with the FTS table in place, else
    None. A pre-filter only: it finds a superset of the rows whose search_text contains each (lower-case) term,
    so callers keep their LIKE conditions, which decide; it spares them a scan of every account."""
    from . import search_index

    match = search_index.fts_match_expression(terms)
    if match is None or not search_index.fts_available(db.session):
        return None
    hits = select(literal_column("rowid")).select_from(table(search_index.FTS_TABLE)).where(
        literal_column(search_index.FTS_TABLE).op("MATCH")(match))
    return A.c.id.in_(hits)


def _where(f: AccountFilter) -> list:
    conds = []
    terms = search_terms(f.q)
    fts = fts_prefilter(terms) if terms else None
    if fts is not None:
        conds.append(fts)
    for term in terms:
        if fts is not None and _FTS_EXACT.fullmatch(term):
            continue  # the trigram index already decided this one exactly (see _FTS_EXACT)
        conds.append(A.c.search_text.like(_like_pattern(term), escape="\\"))
    if f.category:
        conds.append(A.c.category == f.category)
    if f.territory_id:
        conds.append(A.c.territory_id == f.territory_id)
    if f.tenure:
        conds.append(A.c.tenure == f.tenure)
    if f.municipal is not None:
        conds.append(A.c.is_municipal == bool(f.municipal))
    if f.debt_min_kop is not None:
        conds.append(B.c.balance_kop >= f.debt_min_kop)
    if f.debt_max_kop is not None:
        conds.append(B.c.balance_kop <= f.debt_max_kop)
    if f.aging in AGING_BUCKETS:
        low, high = AGING_BUCKETS[f.aging]
        conds.append(B.c.oldest_debt_days >= low)
        if high is not None:
            conds.append(B.c.oldest_debt_days <= high)
    if f.has_open_case is not None:
        case_exists = _open_case_exists()
        if case_exists is not None:
            conds.append(case_exists if f.has_open_case else ~case_exists)
    return conds


def _from(f: AccountFilter):
    # an inner join lets the database walk the balance indexes when sorting or filtering by figures;
    # refresh_account_figures keeps one account_balances row per account
    if f.needs_figures:
        return A.join(B, B.c.account_id == A.c.id)
    return A.outerjoin(B, B.c.account_id == A.c.id)


SORT_FIRST_BELOW = 20_000  # a filtered set this small is cheaper to sort than to find by walking the sort order


def _order(f: AccountFilter, filter_first: bool = False) -> list:
    key = {"number": A.c.number, "debtor": A.c.debtor_name, "balance": B.c.balance_kop, "overdue": B.c.overdue_kop,
           "months": B.c.months_in_arrears, "oldest": B.c.oldest_debt_days}.get(f.sort, A.c.number)
    # figure sorts join account_balances (inner), where account_id = accounts.id: breaking ties on the balance
    # table's own key lets the database walk one (figure, account_id) index instead of sorting every account
    tie = B.c.account_id if f.sort in FIGURE_SORTS else A.c.id
    if filter_first and db.session.get_bind().dialect.name == "sqlite":
        # `+column` (a no-op in SQLite) cannot use an index: the planner finds the rows through the filter's
        # index and sorts them, instead of walking the whole sort index probing every account
        key = UnaryExpression(key, operator=custom_op("+"))
    if f.descending:
        return [key.desc(), tie.desc()]
    return [key.asc(), tie.asc()]


def account_list_stmt(f: AccountFilter, filter_first: bool = False) -> Select:
    """The SELECT of the list rows (LIST_COLUMNS) for a filter, sorted, without paging.

    `filter_first`: the filter is known to leave few rows (see SORT_FIRST_BELOW) — on SQLite, whose planner does
    not see parameter values, the rows are then found through the filter and sorted (same result, other plan)."""
    stmt = select(*LIST_COLUMNS).select_from(_from(f))
    conds = _where(f)
    if conds:
        stmt = stmt.where(and_(*conds))
    return stmt.order_by(*_order(f, filter_first))


def search_accounts(f: AccountFilter, page: int = 1, per_page: int = 50, with_totals: bool = True) -> tuple[Page, Totals | None]:
    """One page of the filtered list (rows of LIST_COLUMNS) and the totals of the whole filtered set."""
    page = max(1, int(page or 1))
    totals = account_totals(f) if with_totals else None  # first: its count decides the plan of the page query
    filter_first = totals is not None and not f.is_empty and totals.count <= SORT_FIRST_BELOW
    stmt = account_list_stmt(f, filter_first).limit(per_page + 1).offset((page - 1) * per_page)
    rows = db.session.execute(stmt).all()
    result = Page(rows[:per_page], page, per_page, totals.count if totals else None, len(rows) > per_page)
    return result, totals


def account_totals(f: AccountFilter) -> Totals:
    """Number of accounts and sum of their balances over the filtered set (not just the page)."""
    conds = _where(f)
    if not conds:  # the whole register: no join needed
        count = db.session.scalar(select(func.count()).select_from(A)) or 0
        total = db.session.scalar(select(func.coalesce(func.sum(B.c.balance_kop), 0))) or 0
        return Totals(int(count), int(total))
    only_figures = not (search_terms(f.q) or f.category or f.territory_id or f.tenure or f.municipal is not None
                        or f.has_open_case is not None)
    # a filter on figures alone is answered from account_balances' indexes: each of its rows belongs to exactly
    # one account (its key is a foreign key to accounts), so the join to accounts would not change the count
    source = B if only_figures else _from(f)
    stmt = select(func.count(), func.coalesce(func.sum(B.c.balance_kop), 0)).select_from(source).where(and_(*conds))
    count, total = db.session.execute(stmt).one()
    return Totals(int(count), int(total))


def iter_account_rows(f: AccountFilter, batch: int = 2000) -> Iterator:
    """Every row of the filtered list, streamed from the database in batches (for exports)."""
    stmt = account_list_stmt(f).execution_options(stream_results=True, yield_per=batch)
    result = db.session.execute(stmt)
    try:
        yield from result
    finally:
        result.close()


def territory_names() -> dict[int, str]:
    return dict(db.session.execute(select(Territory.id, Territory.name).order_by(Territory.name)).all())


def address_with_settlement(address: str, territory: str | None) -> str:
    """The address from the settlement on: «п. Витим, ул. Лесная, д. 13» — the settlement put first when the
    address does not name it (so that the same street in two settlements reads differently), the postcode,
    region and district before it dropped when it does."""
    address = (address or "").strip()
    if not territory or not territory.strip():
        return address
    i = address.lower().find(territory.strip().lower())
    if i < 0:
        return f"{territory.strip()}, {address}"
    return address[i:]


def building_label(address: str, territory: str | None) -> str:
    """A building as people name it, with its settlement (`address_with_settlement`)."""
    return address_with_settlement(address, territory)


def building_choices(territory_id: int | None = None, limit: int = 5000) -> list[tuple[int, str]]:
    """(id, label) of the buildings for a picker, by settlement and address; the label names the settlement
    (`building_label`), and two buildings that would still read the same get their id appended."""
    from .models import Building

    stmt = (select(Building.id, Building.address, Territory.name)
            .select_from(Building).outerjoin(Territory, Territory.id == Building.territory_id)
            .order_by(Territory.name.is_(None), Territory.name, Building.address, Building.id).limit(limit))
    if territory_id:
        stmt = stmt.where(Building.territory_id == territory_id)
    rows = [(bid, building_label(address, tname)) for bid, address, tname in db.session.execute(stmt)]
    seen: dict[str, int] = defaultdict(int)
    for _bid, label in rows:
        seen[label] += 1
    return [(bid, f"{label} (№ {bid})" if seen[label] > 1 else label) for bid, label in rows]


# ---------------------------------------------------------------------------------------------- account page

@dataclass
class ServiceMonth:
    service_id: int
    service_name: str
    opening_kop: int = 0
    charged_kop: int = 0
    recalculated_kop: int = 0
    paid_kop: int = 0


@dataclass
class PaymentRow:
    id: int
    paid_on: date
    period: date
    service_name: str
    amount_kop: int
    source: str | None
    paid_period: date | None
    reference: str | None
    reverses_id: int | None
    reversed_by: list[int] = field(default_factory=list)


def parties_for(account_id: int) -> list[tuple[AccountParty, Party]]:
    """The account's parties with their link (role, share), owners first."""
    stmt = (select(AccountParty, Party).join(Party, Party.id == AccountParty.party_id)
            .where(AccountParty.account_id == account_id).order_by(AccountParty.id))
    return [(link, party) for link, party in db.session.execute(stmt).all()]


def balance_for(account_id: int) -> AccountBalance | None:
    return db.session.get(AccountBalance, account_id)


def months_for(account_id: int) -> list:
    """The account's monthly figures, latest month first."""
    return list(db.session.scalars(select(AccountMonth).where(AccountMonth.account_id == account_id)
                                   .order_by(AccountMonth.month.desc())))


def _services() -> dict[int, tuple[str, int]]:
    return {sid: (name, order) for sid, name, order in db.session.execute(
        select(Service.id, Service.name, Service.sort_order))}


def ledger_by_month_and_service(account_id: int) -> dict[date, list[ServiceMonth]]:
    """Per month and service: openings and charges/recalculations by billing period, payments by the
    month of their payment date (the same attribution as `account_months`)."""
    L = LedgerEntry.__table__
    stmt = (select(L.c.service_id, L.c.kind, L.c.period, L.c.paid_on, func.sum(L.c.amount_kop))
            .where(L.c.account_id == account_id)
            .group_by(L.c.service_id, L.c.kind, L.c.period, L.c.paid_on))
    services = _services()
    cells: dict[tuple[date, int], ServiceMonth] = {}
    for service_id, kind, period, paid_on, amount in db.session.execute(stmt):
        month = paid_on.replace(day=1) if kind == "payment" and paid_on else period
        key = (month, service_id)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = ServiceMonth(service_id, services.get(service_id, ("?", 0))[0])
        amount = int(amount or 0)
        if kind == "opening":
            cell.opening_kop += amount
        elif kind == "charge":
            cell.charged_kop += amount
        elif kind == "recalculation":
            cell.recalculated_kop += amount
        elif kind == "payment":
            cell.paid_kop += amount
    by_month: dict[date, list[ServiceMonth]] = defaultdict(list)
    for (month, service_id), cell in cells.items():
        by_month[month].append(cell)
    for month in by_month:
        by_month[month].sort(key=lambda c: (services.get(c.service_id, ("", 0))[1], c.service_name))
    return dict(sorted(by_month.items(), reverse=True))


def payments_for(account_id: int, limit: int = 1000) -> list[PaymentRow]:
    """The account's individual payments, latest first, each with what it reverses or is reversed by."""
    L = LedgerEntry.__table__
    stmt = (select(L.c.id, L.c.paid_on, L.c.period, Service.name, L.c.amount_kop, L.c.source, L.c.paid_period,
                   L.c.reference, L.c.reverses_id)
            .join(Service, Service.id == L.c.service_id)
            .where(L.c.account_id == account_id, L.c.kind == "payment")
            .order_by(L.c.paid_on.desc(), L.c.id.desc()).limit(limit))
    rows = [PaymentRow(*r) for r in db.session.execute(stmt)]
    by_id = {r.id: r for r in rows}
    for r in rows:
        if r.reverses_id and r.reverses_id in by_id:
            by_id[r.reverses_id].reversed_by.append(r.id)
    return rows


def account_or_none(account_id: int) -> Account | None:
    return db.session.get(Account, account_id)


def related_counts(account_id: int) -> dict[str, int]:
    """Counts for the tabs of later areas (cases for now); missing tables count as zero."""
    out = {}
    try:
        from ..cases.models import Case
    except ImportError:  # pragma: no cover
        return out
    out["cases"] = db.session.scalar(select(func.count()).select_from(Case).where(Case.account_id == account_id)) or 0
    out["open_cases"] = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.account_id == account_id, Case.is_open == true())) or 0
    return out

