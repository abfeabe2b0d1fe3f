"""Analysis: aging, limitation horizon, debt by territory and by service, staff activity, dashboard series."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, literal, or_, select

from ..accounts.models import Account, AccountBalance, AccountMonth, LedgerEntry, Service, Territory
from ..extensions import db
from .queries import CATEGORIES, _charged_expr, _fifo_overdue_expr, add_month, collection_rate, last_day

AGING_BUCKETS = ("aging_0_30_kop", "aging_31_90_kop", "aging_91_180_kop", "aging_181_365_kop", "aging_1_3y_kop",
                 "aging_over_3y_kop")


def aging_report() -> dict:
    """Debt by age bucket and category, from the current account balances (kept by the imports area)."""
    cols = [func.coalesce(func.sum(getattr(AccountBalance, b)), 0) for b in AGING_BUCKETS]
    stmt = (select(Account.category, *cols, func.coalesce(func.sum(AccountBalance.balance_kop), 0), func.count())
            .join(Account, Account.id == AccountBalance.account_id)
            .where(AccountBalance.balance_kop > 0).group_by(Account.category))
    out = {c: {"buckets": [0] * len(AGING_BUCKETS), "balance": 0, "accounts": 0} for c in (*CATEGORIES, "total")}
    for row in db.session.execute(stmt):
        cat = row[0]
        for i in range(len(AGING_BUCKETS)):
            out[cat]["buckets"][i] = int(row[1 + i])
            out["total"]["buckets"][i] += int(row[1 + i])
        out[cat]["balance"] = int(row[-2])
        out[cat]["accounts"] = int(row[-1])
        out["total"]["balance"] += int(row[-2])
        out["total"]["accounts"] += int(row[-1])
    as_of = db.session.scalar(select(func.max(AccountBalance.as_of)))
    return {"rows": out, "as_of": as_of}


def open_charges(account_ids: list[int], as_of: date) -> dict[int, list[tuple]]:
    """Per account, the still open part of each month's charge at `as_of` after legal allocation.

    Rule: payments go to the period the payer named, then to the earliest due month not time-barred
    (ГК 319.1; Пленум ВС № 22 п.32); each row is (period, due date, last day to file, open kopecks)
    with the last day computed without interrupting events (ГК 196, 200; see casework.domain.limitation).
    """
    from decimal import Decimal

    from ..domain.allocation import Payment, ScheduledCharge, allocate_payments
    from ..domain.limitation import last_day_to_file
    from ..domain.periods import Period, effective_due_cached
    from .queries import _legal_tools

    policy, calendar = _legal_tools()
    le = LedgerEntry.__table__
    per_period: dict[int, dict] = {}
    pays: dict[int, list] = {}
    month = as_of.replace(day=1)
    for i in range(0, len(account_ids), 900):
        ids = account_ids[i:i + 900]
        rows = db.session.execute(
            select(le.c.account_id, le.c.kind, le.c.period, le.c.paid_period,
                   func.sum(le.c.amount_kop), le.c.paid_on)
            .where(le.c.account_id.in_(ids))
            .where(or_(and_(le.c.kind != "payment", le.c.period <= month),
                       and_(le.c.kind == "payment", le.c.paid_on <= as_of)))
            .group_by(le.c.account_id, le.c.kind, le.c.period, le.c.paid_period, le.c.paid_on))
        for acc, kind, period, paid_period, amount, paid_on in rows:
            amount = int(amount)
            if kind == "payment":
                if amount > 0:
                    named = Period(paid_period.year, paid_period.month) if paid_period else None
                    pays.setdefault(acc, []).append((paid_on, amount, named))
                continue
            p = Period(period.year, period.month)
            d = per_period.setdefault(acc, {})
            d[p] = d.get(p, 0) + amount
    out: dict[int, list[tuple]] = {}
    for acc in account_ids:
        charges, payments = [], []
        for p, kop in sorted(per_period.get(acc, {}).items()):
            if kop > 0:
                due = effective_due_cached(p, None, policy.due15_from, policy.weekend_shift, calendar)
                charges.append(ScheduledCharge(p, kop, due, last_day_to_file(due, calendar, policy.reading,
                                                                            policy.weekend_shift)))
            elif kop < 0:
                payments.append(Payment(p.first_day(), Decimal(-kop).scaleb(-2)))
        periods = {c.period for c in charges}
        for paid_on, kop, named in pays.get(acc, []):
            payments.append(Payment(paid_on, Decimal(kop).scaleb(-2), named if named in periods else None))
        alloc = allocate_payments(charges, payments, as_of)
        out[acc] = [(c.period, c.due, c.last_day_to_file, alloc.open_kop[c.period]) for c in charges
                    if alloc.open_kop[c.period] > 0]
    return out


LIMITATION_HORIZONS = (30, 60, 90)


def limitation_report(as_of: date, max_accounts: int = 20000) -> dict:
    """₽ becoming time-barred within 30/60/90 days of `as_of` (and already barred), by category.

    Interrupting events (court orders filed, acknowledgments) are not applied here: the amounts are the
    ones at risk unless the case file shows a court application — the worklist of the lawyers.
    """
    month = db.session.scalar(select(func.max(AccountMonth.month)).where(AccountMonth.month <= as_of))
    if month is None:
        return {"as_of": as_of, "rows": {}, "accounts": [], "truncated": False}
    accs = db.session.execute(
        select(AccountMonth.account_id, Account.category, Account.number, Account.debtor_name)
        .join(Account, Account.id == AccountMonth.account_id)
        .where(AccountMonth.month == month, AccountMonth.debt_end_kop > 0)
        .order_by(AccountMonth.debt_end_kop.desc()).limit(max_accounts + 1)).all()
    truncated = len(accs) > max_accounts
    accs = accs[:max_accounts]
    opened = open_charges([a[0] for a in accs], as_of)
    keys = ("barred", *LIMITATION_HORIZONS)
    rows = {c: {k: 0 for k in keys} for c in (*CATEGORIES, "total")}
    at_risk = []
    for acc, cat, number, name in accs:
        mine = {k: 0 for k in keys}
        for _p, _due, last, kop in opened.get(acc, []):
            if last is None:
                continue
            days = (last - as_of).days
            if days < 0:
                mine["barred"] += kop
            else:
                for h in LIMITATION_HORIZONS:
                    if days <= h:
                        mine[h] += kop
        for k in keys:
            rows[cat][k] += mine[k]
            rows["total"][k] += mine[k]
        if mine[90]:
            at_risk.append((number, name, cat, mine[30], mine[60], mine[90]))
    at_risk.sort(key=lambda r: -r[5])
    return {"as_of": as_of, "rows": rows, "accounts": at_risk[:200], "truncated": truncated}


def debt_by_territory(month: date) -> list[tuple]:
    """(territory, category, accounts, debt at the end, overdue) for the month, from account_months."""
    stmt = (select(func.coalesce(Territory.name, literal("—")), Account.category, func.count(),
                   func.coalesce(func.sum(AccountMonth.debt_end_kop), 0),
                   func.coalesce(func.sum(_fifo_overdue_expr()), 0))
            .select_from(AccountMonth).join(Account, Account.id == AccountMonth.account_id)
            .outerjoin(Territory, Territory.id == Account.territory_id)
            .where(AccountMonth.month == month)
            .group_by(Territory.name, Account.category).order_by(Territory.name, Account.category))
    return [(t, c, int(n), int(d), int(o)) for t, c, n, d, o in db.session.execute(stmt)]


def debt_by_service(month: date) -> list[tuple]:
    """(service, charged in the month, paid in the month, balance at the end of the month) straight from the ledger."""
    le = LedgerEntry.__table__
    end = last_day(month)
    signed = case((le.c.kind == "payment", -le.c.amount_kop), else_=le.c.amount_kop)
    charged = case((and_(le.c.kind.in_(("charge", "recalculation")), le.c.period == month), le.c.amount_kop),
                   else_=literal(0))
    paid = case((and_(le.c.kind == "payment", le.c.paid_on >= month, le.c.paid_on <= end), le.c.amount_kop),
                else_=literal(0))
    stmt = (select(Service.name, func.coalesce(func.sum(charged), 0), func.coalesce(func.sum(paid), 0),
                   func.coalesce(func.sum(signed), 0))
            .select_from(le).join(Service, Service.id == le.c.service_id)
            .where(or_(and_(le.c.kind != "payment", le.c.period <= month),
                       and_(le.c.kind == "payment", le.c.paid_on <= end)))
            .group_by(Service.name, Service.sort_order).order_by(Service.sort_order))
    return [(s, int(c), int(p), int(b)) for s, c, p, b in db.session.execute(stmt)]


def staff_activity(lo: date, hi: date) -> list[dict]:
    """Per user: contacts logged, documents issued, stage moves, court applications filed, open cases assigned."""
    from ..auth.models import User

    tables = db.metadata.tables
    sources = [("contacts", "contacts", "author_id", "contacted_at"),
               ("documents", "documents", "issued_by_id", "issued_on"),
               ("stage_moves", "case_stage_changes", "user_id", "changed_on")]
    users = {u.id: {"user": u, "contacts": None, "documents": None, "stage_moves": None, "open_cases": None}
             for u in db.session.scalars(select(User).where(User.role.in_(("collector", "lawyer", "manager"))))}
    for key, tname, ucol, dcol in sources:
        t = tables.get(tname)
        if t is None or ucol not in t.c or dcol not in t.c:
            continue
        for u in users.values():
            u[key] = 0
        for uid, n in db.session.execute(select(t.c[ucol], func.count()).where(t.c[dcol] >= lo, t.c[dcol] < hi)
                                         .group_by(t.c[ucol])):
            if uid in users:
                users[uid][key] = int(n)
    cases = tables.get("cases")
    if cases is not None:
        for u in users.values():
            u["open_cases"] = 0
        for uid, n in db.session.execute(select(cases.c.assignee_id, func.count()).where(cases.c.is_open.is_(True))
                                         .group_by(cases.c.assignee_id)):
            if uid in users:
                users[uid]["open_cases"] = int(n)
    return sorted(users.values(), key=lambda u: (u["user"].role, u["user"].full_name))


# ------------------------------------------------------------------ dashboard series

def debt_series(last_month: date, months: int = 24) -> list[dict]:
    """Per month: debt at the end and collection rate by category, for the last `months` months."""
    first = add_month(last_month, -(months - 1))
    stmt = (select(AccountMonth.month, Account.category, func.coalesce(func.sum(AccountMonth.debt_end_kop), 0),
                   func.coalesce(func.sum(_charged_expr()), 0), func.coalesce(func.sum(AccountMonth.paid_kop), 0))
            .join(Account, Account.id == AccountMonth.account_id)
            .where(AccountMonth.month >= first, AccountMonth.month <= last_month)
            .group_by(AccountMonth.month, Account.category))
    data = {}
    for m, cat, debt, charged, paid in db.session.execute(stmt):
        data.setdefault(m, {})[cat] = (int(debt), int(charged), int(paid))
    out = []
    m = first
    while m <= last_month:
        d = data.get(m, {})
        row = {"month": m}
        tc = tp = 0
        for cat in CATEGORIES:
            debt, charged, paid = d.get(cat, (0, 0, 0))
            row[f"debt_{cat}"] = debt
            row[f"rate_{cat}"] = collection_rate(paid, charged)
            tc += charged
            tp += paid
        row["rate_total"] = collection_rate(tp, tc)
        out.append(row)
        m = add_month(m, 1)
    return out


def cases_by_stage() -> list[tuple[str, int]]:
    cases = db.metadata.tables.get("cases")
    if cases is None:
        return []
    rows = db.session.execute(select(cases.c.stage, func.count()).where(cases.c.is_open.is_(True))
                              .group_by(cases.c.stage))
    order = _stage_order()
    return sorted(((s, int(n)) for s, n in rows), key=lambda r: (order.get(r[0], 99), r[0]))


def _stage_order() -> dict[str, int]:
    try:
        from ..domain import stages  # the cases area's stage list, when present
        seq = [getattr(s, "value", s) for s in getattr(stages, "Stage")]
        return {s: i for i, s in enumerate(seq)}
    except Exception:
        return {}


def receipts_by_stage(lo: date, hi: date) -> list[tuple[str, int]]:
    """Payments dated in [lo, hi) split by the stage of the account's case at the time (the latest move on or
    before the payment day); payments of accounts without a case count as «no case»."""
    le = LedgerEntry.__table__
    moves = db.metadata.tables.get("case_stage_changes")
    cases = db.metadata.tables.get("cases")
    base = (le.c.kind == "payment", le.c.paid_on >= lo, le.c.paid_on < hi)
    if moves is None or cases is None:
        total = db.session.scalar(select(func.coalesce(func.sum(le.c.amount_kop), 0)).where(*base))
        return [("", int(total))] if total else []
    latest = (select(func.max(moves.c.changed_on)).select_from(moves.join(cases, cases.c.id == moves.c.case_id))
              .where(cases.c.account_id == le.c.account_id, moves.c.changed_on <= le.c.paid_on)
              .scalar_subquery())
    stage = (select(moves.c.to_stage).select_from(moves.join(cases, cases.c.id == moves.c.case_id))
             .where(cases.c.account_id == le.c.account_id, moves.c.changed_on == latest)
             .order_by(moves.c.id.desc()).limit(1).scalar_subquery())
    stmt = select(stage.label("stage"), le.c.amount_kop).where(*base).subquery()
    rows = db.session.execute(select(stmt.c.stage, func.sum(stmt.c.amount_kop)).group_by(stmt.c.stage))
    return sorted(((s or "", int(v)) for s, v in rows), key=lambda r: -r[1])


def key_numbers(month: date) -> dict:
    from .queries import fetch_form_figures

    rows = fetch_form_figures(month, "fifo").rows
    t = rows["total"]
    return {"debt_end": t.debt_end_kop, "overdue": t.overdue_kop, "paid": t.paid_kop,
            "rate": t.collection_rate, "enforcement": t.enforcement_kop, "accounts": t.accounts}


__all__ = ["aging_report", "limitation_report", "debt_by_territory", "debt_by_service", "staff_activity",
           "debt_series", "cases_by_stage", "receipts_by_stage", "key_numbers", "open_charges",
           "LIMITATION_HORIZONS", "AGING_BUCKETS"]
