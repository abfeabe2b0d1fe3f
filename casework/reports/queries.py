"""Reads for the monthly form (Приложение № 4): figures from `account_months`, exact kopecks, and drill-downs.

Definitions (defaults of issue 6; docs/reports.md explains them for users):

* debt at the start = opening balances + charges and recalculations of earlier periods − payments dated
  before the 1st (`account_months.debt_start_kop`, which also holds the month's own opening balances);
* charged = charges + recalculations of the reporting period (`charged_kop + recalculated_kop`);
* paid = payments dated in the month (`paid_kop`, reversals negative);
* received through enforcement = payments in the month whose source is `enforcement` (`paid_enforcement_kop`);
* collection rate = paid ÷ charged × 100, one decimal, half-up; none («—») when charged ≤ 0;
* overdue debt at the reporting date, method ``fifo`` (default, setting REPORT_OVERDUE_METHOD):
  per account max(0, debt_end − max(0, charged of the month)) — at the end of month M only period M is not
  yet due (its due date is the 10th/15th of M+1, ЖК 155 ч.1), and under oldest-first allocation the unpaid
  part of the debt is the newest charges. Method ``legal`` allocates each account's payments with the legal
  engine (`casework.domain.allocation`: the period the payer named first, then the earliest due charge not
  time-barred, ГК 319.1, Пленум ВС № 22 п.32) and sums the open balance of periods due by the month end.
  They differ only for accounts where a payment named the current (not yet due) period or where a payment
  skipped a time-barred month: there `legal` ≥ `fifo`.

Every account's debt reaches every month. `account_months` is dense for every account with ledger lines from its
first month up to the latest month of the figures (`figures_through()`; the figures refresh keeps it so, also
for accounts a later file did not touch). A month after that one has had no movement yet: its figures are the
latest month's debt at the end carried forward (debt at the start = debt at the end = that debt, nothing charged
or paid) — `month_columns()` gives every read the per-account values of a month either way.
"""
from __future__ import annotations

from collections import OrderedDict
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import BigInteger, and_, case, func, literal, literal_column, or_, select

from ..accounts.models import Account, AccountMonth, LedgerEntry, Territory
from ..accounts.services import figures_version
from ..domain.errors import DomainError
from ..domain.identifiers import normalize_identifier
from ..domain.money import round_half_up_div
from ..extensions import db
from ..i18n import _

CATEGORIES = ("population", "other")
FIGURES = ("debt_start", "charged", "paid", "collection_rate", "enforcement", "overdue")
OVERDUE_METHODS = ("fifo", "legal")


def report_settings() -> dict:
    """The disputed definitions as settings (instance config or CASEWORK_REPORT_* environment)."""
    cfg = current_app.config
    method = cfg["REPORT_OVERDUE_METHOD"]
    if method not in OVERDUE_METHODS:
        raise DomainError(_("Setting REPORT_OVERDUE_METHOD must be one of: %(v)s", v=", ".join(OVERDUE_METHODS)))
    return {
        "overdue_method": method,
        "court_target": int(cfg["REPORT_COURT_TARGET"]),
    }


def parse_month(text: str) -> date:
    """'YYYY-MM' → the first day of that month; DomainError in the user's words otherwise."""
    try:
        y, m = str(text).split("-")
        if len(y) != 4 or len(m) != 2:
            raise ValueError
        return date(int(y), int(m), 1)
    except (ValueError, TypeError):
        raise DomainError(_("«%(v)s» is not a month; write it as YYYY-MM, e.g. 2026-01.", v=text)) from None


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def add_month(month: date, n: int) -> date:
    i = month.year * 12 + month.month - 1 + n
    return date(i // 12, i % 12 + 1, 1)


def last_day(month: date) -> date:
    from datetime import timedelta

    return add_month(month, 1) - timedelta(days=1)


def collection_rate(paid_kop: int, charged_kop: int) -> Decimal | None:
    """Collection rate = paid ÷ charged × 100, one decimal, half-up; None when charged ≤ 0 (issue 6)."""
    if charged_kop <= 0:
        return None
    tenths = round_half_up_div(paid_kop * 1000, charged_kop)
    return Decimal(tenths).scaleb(-1)


def thousands(kop: int) -> Decimal:
    """Kopecks → thousands of rubles with one decimal, half-up (the form's unit; display only)."""
    return Decimal(round_half_up_div(int(kop), 10000)).scaleb(-1)


@dataclass
class FormRow:
    """One row of the form in exact kopecks."""

    category: str  # population | other | total
    debt_start_kop: int = 0
    charged_kop: int = 0
    paid_kop: int = 0
    enforcement_kop: int = 0
    overdue_kop: int = 0
    debt_end_kop: int = 0
    accounts: int = 0

    @property
    def collection_rate(self) -> Decimal | None:
        return collection_rate(self.paid_kop, self.charged_kop)

    def add(self, other: "FormRow") -> None:
        for name in ("debt_start_kop", "charged_kop", "paid_kop", "enforcement_kop", "overdue_kop",
                     "debt_end_kop", "accounts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_snapshot(self) -> dict:
        return {k: int(getattr(self, k)) for k in ("debt_start_kop", "charged_kop", "paid_kop", "enforcement_kop",
                                                     "overdue_kop", "debt_end_kop", "accounts")}

    @classmethod
    def from_snapshot(cls, category: str, data: dict) -> "FormRow":
        return cls(category, **{k: int(v) for k, v in data.items()})


@dataclass
class FormFigures:
    month: date
    rows: dict[str, FormRow] = field(default_factory=dict)  # population, other, total
    overdue_method: str = "fifo"


def figures_through() -> date | None:
    """The latest month in `account_months` (the index's end): every account with ledger lines has a row for
    every month from its first one up to this one."""
    return db.session.scalar(select(func.max(AccountMonth.month)))


@dataclass(frozen=True)
class MonthColumns:
    """The per-account figures of one month as column expressions over `account_months` rows selected by `where`.

    For a month up to `figures_through()` they are that month's rows. For a later month (no file has reached it
    yet) they are the rows of the latest month carried forward: debt at the start and at the end = the latest
    debt at the end; nothing opened, charged, recalculated or paid."""

    month: date
    source_month: date
    carried: bool
    where: object
    debt_start: object
    charged: object  # charges + recalculations of the month
    paid: object
    enforcement: object
    debt_end: object

    @property
    def overdue(self):
        """`fifo` overdue per account: max(0, debt_end − max(0, charged of the month))."""
        not_due = case((self.charged > 0, self.charged), else_=literal(0))
        diff = self.debt_end - not_due
        return case((diff > 0, diff), else_=literal(0))


def month_columns(month: date) -> MonthColumns:
    """Where the figures of `month` come from (see `MonthColumns`); one index lookup."""
    latest = figures_through()
    if latest is None or month <= latest:
        return MonthColumns(month, month, False, AccountMonth.month == month, AccountMonth.debt_start_kop,
                            _charged_expr(), AccountMonth.paid_kop, AccountMonth.paid_enforcement_kop,
                            AccountMonth.debt_end_kop)
    zero = literal_column("0", BigInteger)  # inline: a bound parameter inside SUM() has no type on PostgreSQL
    return MonthColumns(month, latest, True, AccountMonth.month == latest, AccountMonth.debt_end_kop, zero, zero,
                        zero, AccountMonth.debt_end_kop)


def _charged_expr():
    return AccountMonth.charged_kop + AccountMonth.recalculated_kop


_AGGREGATES: "OrderedDict[tuple, object]" = OrderedDict()  # (database, figures version, what, month) → result
_AGGREGATES_MAX = 256


def _memo(what: str, month: date, compute):
    """The result of an aggregate over the derived figures, remembered per process under the figures' version
    token (casework.accounts.services.figures_version): every refresh or import gives a new token, so a result is
    reused only while the rows it summed are unchanged. Without a token (no refresh yet) nothing is kept."""
    token = figures_version()
    if token is None:
        return compute()
    key = (str(db.engine.url), token, what, month)
    if key in _AGGREGATES:
        _AGGREGATES.move_to_end(key)
        return deepcopy(_AGGREGATES[key])
    value = compute()
    _AGGREGATES[key] = deepcopy(value)
    while len(_AGGREGATES) > _AGGREGATES_MAX:
        _AGGREGATES.popitem(last=False)
    return value


def fetch_form_figures(month: date, overdue_method: str | None = None) -> FormFigures:
    """The form's figures for a month from `account_months` (one grouped aggregate), exact kopecks; remembered
    while the figures are unchanged (the `legal` method reads the ledger and reference data: never remembered)."""
    method = overdue_method or report_settings()["overdue_method"]
    if method == "legal":
        return _form_figures(month, method)
    return _memo(f"form:{method}", month, lambda: _form_figures(month, method))


def _form_figures(month: date, method: str) -> FormFigures:
    mc = month_columns(month)
    stmt = (
        select(Account.category,
               func.coalesce(func.sum(mc.debt_start), 0),
               func.coalesce(func.sum(mc.charged), 0),
               func.coalesce(func.sum(mc.paid), 0),
               func.coalesce(func.sum(mc.enforcement), 0),
               func.coalesce(func.sum(mc.overdue), 0),
               func.coalesce(func.sum(mc.debt_end), 0),
               func.count())
        .select_from(AccountMonth)
        .join(Account, Account.id == AccountMonth.account_id)
        .where(mc.where)
        .group_by(Account.category)
    )
    figures = FormFigures(month, overdue_method=method)
    for cat in CATEGORIES:
        figures.rows[cat] = FormRow(cat)
    for cat, ds, ch, pd, enf, od, de, n in db.session.execute(stmt):
        figures.rows[cat] = FormRow(cat, int(ds), int(ch), int(pd), int(enf), int(od), int(de), int(n))
    if method == "legal":
        legal = legal_overdue_by_category(month)
        for cat in CATEGORIES:
            figures.rows[cat].overdue_kop = legal.get(cat, 0)
    total = FormRow("total")
    for cat in CATEGORIES:
        total.add(figures.rows[cat])
    figures.rows["total"] = total
    return figures


def debt_start_by_category(month: date) -> dict[str, int]:
    """Live debt at the start of a month per category (used for the corrections line); remembered while the
    figures are unchanged."""
    return _memo("debt_start", month, lambda: _debt_start_by_category(month))


def _debt_start_by_category(month: date) -> dict[str, int]:
    mc = month_columns(month)
    stmt = (select(Account.category, func.coalesce(func.sum(mc.debt_start), 0))
            .select_from(AccountMonth).join(Account, Account.id == AccountMonth.account_id)
            .where(mc.where).group_by(Account.category))
    out = {c: 0 for c in CATEGORIES}
    for cat, v in db.session.execute(stmt):
        out[cat] = int(v)
    return out


# ---------------------------------------------------------------- exact (legal engine) overdue

def legal_overdue_for_accounts(account_ids: list[int], month: date) -> dict[int, int]:
    """Overdue kopecks per account at the end of `month`, with payments allocated by the legal engine.

    The ledger goes through the legal area's adapter (`casework.legal.adapter`: reversals, recalculations, named
    periods, the contract payment day, the policies from the settings) and the domain's allocation
    (`casework.domain.penalty.allocate`: named period first, then the earliest due charge not time-barred on the
    payment day, ГК 319.1; Пленум ВС № 22 п.32) — the same allocation as the account's legal calculation. Every
    service counts here, capital repair included (the form reports the whole debt); overdue = open balance of
    periods whose effective due date (ЖК 155 ч.1, ГК 193) is on or before the last day of the month.
    """
    from ..domain.allocation import allocate_payments
    from ..domain.penalty import schedule_charges
    from ..legal.adapter import contract_due_day, ledger_entries_by_account, ledger_inputs, penalty_policy
    from ..legal.services import current_reference

    if not account_ids:
        return {}
    policy, calendar = penalty_policy(), current_reference().calendar
    contract_day = contract_due_day()
    end = last_day(month)
    entries = ledger_entries_by_account(account_ids, all_services=True)
    out: dict[int, int] = {}
    for acc in account_ids:
        charges, payments = ledger_inputs(entries.get(acc, ()), end, contract_day=contract_day,
                                          due15_from=policy.due15_from)
        if not charges:
            out[acc] = 0
            continue
        scheduled = schedule_charges(charges, policy.due15_from, policy.weekend_shift, calendar)
        open_kop = allocate_payments(scheduled, payments, end).open_kop  # = domain.penalty.allocate
        out[acc] = sum(open_kop[c.period] for c in scheduled if c.due <= end)
    return out


def legal_overdue_by_category(month: date) -> dict[str, int]:
    mc = month_columns(month)
    ids_by_cat = db.session.execute(
        select(AccountMonth.account_id, Account.category).join(Account, Account.id == AccountMonth.account_id)
        .where(mc.where, mc.debt_end > 0)).all()
    per_acc = legal_overdue_for_accounts([a for a, _c in ids_by_cat], month)
    out = {c: 0 for c in CATEGORIES}
    for acc, cat in ids_by_cat:
        out[cat] += per_acc.get(acc, 0)
    return out


# ---------------------------------------------------------------- drill-down

def figure_expr(figure: str, mc: MonthColumns):
    """The per-account value behind a figure of the form (kopecks) in the month of `mc`."""
    if figure == "debt_start":
        return mc.debt_start
    if figure == "debt_end":
        return mc.debt_end
    if figure in ("charged", "collection_rate"):
        return mc.charged
    if figure == "paid":
        return mc.paid
    if figure == "enforcement":
        return mc.enforcement
    if figure == "overdue":
        return mc.overdue
    raise DomainError(_("Unknown figure: %(v)s", v=figure))


def drilldown_stmt(month: date, figure: str, category: str | None, q: str | None = None,
                   territory_id: int | None = None):
    """Accounts behind one figure: every account whose own value of the figure is not zero, largest first."""
    mc = month_columns(month)
    value = figure_expr(figure, mc).label("value_kop")
    stmt = (select(Account.id, Account.number, Account.debtor_name, Account.address, Account.category,
                   Territory.name.label("territory"), value,
                   mc.paid.label("paid_kop"), mc.charged.label("charged_kop"))
            .select_from(AccountMonth)
            .join(Account, Account.id == AccountMonth.account_id)
            .outerjoin(Territory, Territory.id == Account.territory_id)
            .where(mc.where, figure_expr(figure, mc) != 0))
    if figure == "collection_rate":
        stmt = stmt.where(or_(mc.paid != 0, mc.charged != 0))
    if category in CATEGORIES:
        stmt = stmt.where(Account.category == category)
    if territory_id:
        stmt = stmt.where(Account.territory_id == territory_id)
    q = normalize_identifier(q)  # a number pasted with invisible characters finds the account
    if q:
        stmt = stmt.where(Account.search_text.contains(q.lower(), autoescape=True))
    return stmt.order_by(value.desc(), Account.number)


def drilldown_total(month: date, figure: str, category: str | None) -> int:
    mc = month_columns(month)
    stmt = (select(func.coalesce(func.sum(figure_expr(figure, mc)), 0)).select_from(AccountMonth)
            .join(Account, Account.id == AccountMonth.account_id).where(mc.where))
    if category in CATEGORIES:
        stmt = stmt.where(Account.category == category)
    return int(db.session.scalar(stmt))


def corrections_after_close(month: date, closed_at, limit: int | None = None):
    """Ledger lines imported after `closed_at` that are dated in `month` or earlier (they change the closed figures)."""
    le = LedgerEntry.__table__
    end = last_day(month)
    stmt = (select(le.c.id, le.c.account_id, Account.number, Account.category, le.c.kind, le.c.period,
                   le.c.paid_on, le.c.amount_kop, le.c.source, le.c.created_at)
            .join(Account, Account.id == le.c.account_id)
            .where(le.c.created_at > closed_at)
            .where(or_(and_(le.c.kind != "payment", le.c.period <= month),
                       and_(le.c.kind == "payment", le.c.paid_on <= end)))
            .order_by(le.c.created_at, le.c.id))
    if limit:
        stmt = stmt.limit(limit)
    return db.session.execute(stmt).all()


def months_with_data(limit: int = 36, through: date | None = None) -> list[date]:
    """The latest months that have figures, newest first (min/max use the month index); with `through` (the
    current month for the form's month list), also the later months up to it, whose debt is carried forward."""
    # two statements: a min() and a max() in one SELECT make SQLite scan every row instead of the index ends
    lo = db.session.scalar(select(func.min(AccountMonth.month)))
    hi = db.session.scalar(select(func.max(AccountMonth.month)))
    if hi is None:
        return []
    if through is not None and through > hi:
        hi = through
    out, m = [], hi
    while m >= lo and len(out) < limit:
        out.append(m)
        m = add_month(m, -1)
    return out


def signatory() -> tuple[str, str]:
    """Who signs the reports: the enterprise's signatory name and position (the position defaults to the director)."""
    from ..enterprise.models import find_enterprise

    ent = find_enterprise()
    if ent is None:
        return "", "Директор предприятия"
    return ent.signatory_name or "", ent.signatory_position or "Директор предприятия"
