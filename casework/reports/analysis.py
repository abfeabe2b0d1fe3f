"""Analysis: aging, limitation horizon, debt by territory and by service, staff activity, dashboard series."""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, literal, or_, select

from ..accounts.models import Account, AccountBalance, AccountMonth, LedgerEntry, Service, ServiceMonth, Territory
from ..extensions import db
from .queries import CATEGORIES, _charged_expr, add_month, collection_rate, figures_through, month_columns

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


LIMITATION_HORIZONS = (30, 60, 90)
LIMITATION_CHUNK = 900


def _limitation_candidates(as_of: date, max_accounts: int):
    """Accounts to compute, and where the list came from.

    With a portfolio run (`portfolio_results`, the legal area): every account whose nearest last day to file
    is within 90 days of `as_of` (or already past it) — the only ones that can have money becoming
    time-barred within the horizon; the others keep their stored time-barred amount. Without a run: the
    `max_accounts` largest debts of the latest month (account_months).
    """
    from ..legal.models import PortfolioResult
    from ..legal.portfolio import latest_run

    run = latest_run()
    if run is not None:
        from datetime import timedelta

        pr = PortfolioResult.__table__
        horizon = as_of + timedelta(days=max(LIMITATION_HORIZONS))
        rows = db.session.execute(
            select(pr.c.account_id, Account.category, Account.number, Account.debtor_name,
                   pr.c.next_bar_date, pr.c.time_barred_kop)
            .join(Account, Account.id == pr.c.account_id).where(pr.c.debt_kop > 0)).all()
        live = [(a, c, n, d) for a, c, n, d, nb, _tb in rows if nb is not None and nb <= horizon]
        stored = {}
        for a, c, _n, _d, nb, tb in rows:
            if (nb is None or nb > horizon) and tb:
                stored[c] = stored.get(c, 0) + int(tb)
        return live, stored, run, False
    month = db.session.scalar(select(func.max(AccountMonth.month)).where(AccountMonth.month <= as_of))
    if month is None:
        return [], {}, None, False
    accs = db.session.execute(
        select(AccountMonth.account_id, Account.category, Account.number, Account.debtor_name)
        .join(Account, Account.id == AccountMonth.account_id)
        .where(AccountMonth.month == month, AccountMonth.debt_end_kop > 0)
        .order_by(AccountMonth.debt_end_kop.desc()).limit(max_accounts + 1)).all()
    return [tuple(a) for a in accs[:max_accounts]], {}, None, len(accs) > max_accounts


def limitation_by_account(account_ids: list[int], as_of: date) -> dict[int, list]:
    """Per account, the limitation rows of its unpaid months as of `as_of`: the account's legal calculation
    (`casework.legal.services.calculation_from_entries` over the ledger read by `casework.legal.adapter`), the same
    figures as the account's calculation page.

    Rule: payments allocated to the named period, then to the earliest due month not time-barred (ГК 319.1;
    Пленум ВС № 22 п.32); each month bars three years after its due date (ГК 196, 200) unless the clock is
    stopped or restarted by a court application (ГК 204; Пленум № 43 п.17–18: after a cancelled order the
    rest is extended to six months) or an acknowledgment — a signed payment agreement (ГК 203, 206 п.2).
    """
    from ..legal.adapter import (
        contract_due_day,
        ledger_entries_by_account,
        limitation_events_by_account,
        limitation_policy,
        penalty_policy,
    )
    from ..legal.services import calculation_from_entries, current_reference

    pen, lim, ref = penalty_policy(), limitation_policy(), current_reference()
    contract_day = contract_due_day()
    out: dict[int, list] = {}
    for i in range(0, len(account_ids), LIMITATION_CHUNK):
        ids = account_ids[i:i + LIMITATION_CHUNK]
        entries = ledger_entries_by_account(ids, chunk=LIMITATION_CHUNK)
        events = limitation_events_by_account(ids)
        for acc in ids:
            calc = calculation_from_entries(acc, entries.get(acc, ()), events.get(acc, ()), as_of, ref=ref,
                                            policy=pen, limitation=lim, contract_day=contract_day,
                                            with_penalty=False)  # the penalty is not needed here (most of the cost)
            out[acc] = list(calc.limitation.rows)
    return out


def limitation_report(as_of: date, max_accounts: int = 2000) -> dict:
    """₽ becoming time-barred within 30/60/90 days of `as_of` and already barred, by category, with the events
    that stop or restart the clock applied (see limitation_by_account); months whose clock is stopped by a
    pending court application are at no risk and are not counted."""
    cands, stored_barred, run, truncated = _limitation_candidates(as_of, max_accounts)
    keys = ("barred", *LIMITATION_HORIZONS)
    rows = {c: {k: 0 for k in keys} for c in (*CATEGORIES, "total")}
    for cat, kop in stored_barred.items():
        rows[cat]["barred"] += kop
        rows["total"]["barred"] += kop
    computed = limitation_by_account([a[0] for a in cands], as_of)
    at_risk = []
    for acc, cat, number, name in cands:
        mine = {k: 0 for k in keys}
        for r in computed.get(acc, []):
            if r.time_barred:
                mine["barred"] += r.amount_kop
            elif r.pending or r.last_day_to_file is None:
                continue
            else:
                days = (r.last_day_to_file - as_of).days
                for h in LIMITATION_HORIZONS:
                    if days <= h:
                        mine[h] += r.amount_kop
        for k in keys:
            rows[cat][k] += mine[k]
            rows["total"][k] += mine[k]
        if mine[max(LIMITATION_HORIZONS)]:
            at_risk.append((acc, number, name, cat, *(mine[h] for h in LIMITATION_HORIZONS)))
    at_risk.sort(key=lambda r: -r[-1])
    return {"as_of": as_of, "rows": rows, "accounts": at_risk[:200], "truncated": truncated,
            "run": run, "computed": len(cands)}


def debt_by_territory(month: date) -> list[tuple]:
    """(territory, category, accounts, debt at the end, overdue) for the month, from account_months (a month after
    the latest one carries the latest debt forward, as the monthly form does)."""
    mc = month_columns(month)
    stmt = (select(func.coalesce(Territory.name, literal("—")), Account.category, func.count(),
                   func.coalesce(func.sum(mc.debt_end), 0),
                   func.coalesce(func.sum(mc.overdue), 0))
            .select_from(AccountMonth).join(Account, Account.id == AccountMonth.account_id)
            .outerjoin(Territory, Territory.id == Account.territory_id)
            .where(mc.where)
            .group_by(Territory.name, Account.category).order_by(Territory.name, Account.category))
    return [(t, c, int(n), int(d), int(o)) for t, c, n, d, o in db.session.execute(stmt)]


def debt_by_service(month: date) -> list[tuple]:
    """(service, charged in the month, paid in the month, balance at the end of the month) from `service_months`
    (the ledger summed per month and service by the figures refresh): charges and recalculations of the month's
    billing period, payments dated in the month, and every line up to the month's end."""
    sm = ServiceMonth.__table__
    this = sm.c.month == month
    stmt = (select(Service.name,
                   func.coalesce(func.sum(case((this, sm.c.charged_kop + sm.c.recalculated_kop), else_=literal(0))), 0),
                   func.coalesce(func.sum(case((this, sm.c.paid_kop), else_=literal(0))), 0),
                   func.coalesce(func.sum(sm.c.opening_kop + sm.c.charged_kop + sm.c.recalculated_kop
                                          - sm.c.paid_kop), 0))
            .select_from(sm).join(Service, Service.id == sm.c.service_id)
            .where(sm.c.month <= month)
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
    latest = figures_through()
    if latest is not None and last_month > latest:  # later months: the latest debt carried forward, no movement
        carried = {c: (v[0], 0, 0) for c, v in data.get(latest, {}).items()} if latest >= first else {
            cat: (int(debt), 0, 0) for cat, debt in db.session.execute(
                select(Account.category, func.coalesce(func.sum(AccountMonth.debt_end_kop), 0))
                .join(Account, Account.id == AccountMonth.account_id)
                .where(AccountMonth.month == latest).group_by(Account.category))}
        m = max(first, add_month(latest, 1))
        while m <= last_month:
            data[m] = carried
            m = add_month(m, 1)
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
    """Open cases per stage (`cases.stage`, `is_open`), in the order of the stages (the funnel)."""
    from ..cases.models import Case

    rows = db.session.execute(select(Case.stage, func.count()).where(Case.is_open.is_(True)).group_by(Case.stage))
    order = _stage_order()
    return sorted(((s, int(n)) for s, n in rows), key=lambda r: (order.get(r[0], 99), r[0]))


def _stage_order() -> dict[str, int]:
    from ..domain.stages import Stage

    return {s.value: i for i, s in enumerate(Stage)}


def receipts_by_stage(lo: date, hi: date) -> list[tuple[str, int]]:
    """Payments dated in [lo, hi) by the stage of the account's case on the payment day, from the case's moves
    (`case_stage_changes`): the stage entered by the latest move on or before that day; a move out of collection
    (paid, closed) is a consequence of the payment, so a payment on the day of such a move counts for the stage
    before it. Payments of accounts without a case at the time count as «no case» (stage ""): the total of whole
    months comes from `service_months`, a stage interval's payments from the ledger's index of an account's payments
    by date (ix_ledger_payments_by_account), so the page never reads every payment of the year."""
    from ..cases.models import Case, StageChange
    from ..domain.stages import EXITS

    le = LedgerEntry.__table__
    moves, cases = StageChange.__table__, Case.__table__
    exits = tuple(s.value for s in EXITS)
    window = {"partition_by": moves.c.case_id, "order_by": (moves.c.changed_on, moves.c.id)}
    iv = (select(cases.c.account_id, moves.c.to_stage.label("stage"), moves.c.changed_on.label("start_on"),
                 func.lead(moves.c.changed_on).over(**window).label("end_on"),
                 func.lead(moves.c.to_stage).over(**window).label("next_stage"))
          .select_from(moves.join(cases, cases.c.id == moves.c.case_id))
          .where(moves.c.changed_on < hi).subquery())
    paid = (le.c.kind == "payment", le.c.paid_on >= lo, le.c.paid_on < hi)
    match = and_(iv.c.account_id == le.c.account_id, le.c.paid_on >= iv.c.start_on,
                 or_(iv.c.end_on.is_(None), le.c.paid_on < iv.c.end_on,
                     and_(iv.c.next_stage.in_(exits), le.c.paid_on == iv.c.end_on)))
    rows = db.session.execute(
        select(iv.c.stage, func.sum(le.c.amount_kop)).select_from(le.join(iv, match))
        .where(*paid, iv.c.stage.not_in(exits), or_(iv.c.end_on.is_(None), iv.c.end_on >= lo))
        .group_by(iv.c.stage)).all()
    out = [(s, int(v)) for s, v in rows if v]
    if lo.day == 1 and hi.day == 1:  # whole months: the total is in service_months (kept by the figures refresh)
        sm = ServiceMonth.__table__
        total = int(db.session.scalar(select(func.coalesce(func.sum(sm.c.paid_kop), 0))
                                      .where(sm.c.month >= lo, sm.c.month < hi)))
    else:
        total = int(db.session.scalar(select(func.coalesce(func.sum(le.c.amount_kop), 0)).where(*paid)))
    no_case = total - sum(v for _s, v in out)
    if no_case:
        out.append(("", no_case))
    return sorted(out, key=lambda r: -r[1])


def debts_and_overpayments(month: date) -> tuple[int, int]:
    """(debts, overpayments) at the end of the month, from account_months: the sum of the accounts' positive
    balances (what debtors owe, gross) and of their negative ones as a positive amount (advances and overpayments).
    The balance at the end of the month (net) is debts − overpayments; the overdue debt is a part of the debts."""
    bal = AccountMonth.debt_end_kop
    row = db.session.execute(
        select(func.coalesce(func.sum(case((bal > 0, bal), else_=literal(0))), 0),
               func.coalesce(func.sum(case((bal < 0, -bal), else_=literal(0))), 0))
        .where(AccountMonth.month == month)).one()
    return int(row[0]), int(row[1])


def key_numbers(month: date) -> dict:
    from .queries import fetch_form_figures

    rows = fetch_form_figures(month, "fifo").rows
    t = rows["total"]
    debts, overpaid = debts_and_overpayments(month)
    return {"debt_end": t.debt_end_kop, "debts": debts, "overpaid": overpaid, "overdue": t.overdue_kop,
            "paid": t.paid_kop, "rate": t.collection_rate, "enforcement": t.enforcement_kop, "accounts": t.accounts}


__all__ = ["aging_report", "limitation_report", "debt_by_territory", "debt_by_service", "staff_activity",
           "debt_series", "cases_by_stage", "receipts_by_stage", "key_numbers", "debts_and_overpayments", "limitation_by_account",
           "LIMITATION_HORIZONS", "AGING_BUCKETS"]
