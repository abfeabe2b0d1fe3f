"""Derived ledger figures kept current after every import: `account_months` and `account_balances`.

Everything is recomputed set-based in SQL (aggregates and window functions, the same text on SQLite and
PostgreSQL), for a given set of accounts or for all of them; no Python loop per account.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import select, text

from ..domain.periods import Period, nominal_due_date
from ..extensions import db
from ..timeutil import today, utcnow

FIGURES_LOCK_KEY = 0x63617365666967  # PostgreSQL advisory lock held by a figures refresh until its transaction ends

# aging buckets by days past the due date of each unpaid remainder (not yet due counts as 0–30)
AGING_BUCKETS = (("aging_0_30_kop", None, 30), ("aging_31_90_kop", 31, 90), ("aging_91_180_kop", 91, 180),
                 ("aging_181_365_kop", 181, 365), ("aging_1_3y_kop", 366, 1095), ("aging_over_3y_kop", 1096, None))


def due_date_of(month: date) -> date:
    """Due date of a month's charge: the 10th of the next month, the 15th from the 2026-03 bill (ЖК ст.155 ч.1; 177-ФЗ)."""
    return nominal_due_date(Period(month.year, month.month))


def _months(first: date, last: date) -> list[date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d = date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)
    return out


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def refresh_account_figures(account_ids: Iterable[int] | None = None, as_of: date | None = None,
                            since: date | None = None) -> None:
    """Recompute account_months and account_balances for these accounts (None = all) as of a day, from the month
    `since` on (None = from each account's first month): the rows before it are kept as they are.

    account_months: dense rows from the account's first month to the latest month of all the figures, with
    debt_start = earlier (openings + charges + recalculations − payments) + this month's openings; charged and
    recalculated by billing period; paid (and paid via enforcement) by the month of paid_on;
    debt_end = debt_start + charged + recalculated − paid. Invariant (the monthly form relies on it): every
    account with ledger lines has a row for every month from its first one to MAX(account_months.month). When a
    refresh of some accounts reaches a later month (a bank registry of three payments dated in a new month),
    every other account's rows are carried forward to it with no movement (one INSERT … SELECT from the rows of
    the previous latest month). Months after the latest one are carried forward by the report's queries.

    `since` is the earliest month whose figures the caller changed (the earliest billing period or payment month of
    the rows an import wrote): the ledger is read from that month on, the running debt continues from the stored
    debt at the end of the month before, and the rows are upserted — a row whose figures did not change is not
    written again (no rewrite of the history a monthly import does not touch; issue 15 item 3, docs/performance.md).

    account_balances: balance; overdue debt and aging by a FIFO approximation: every month's openings and net
    charges are debit items (openings due on the 1st of their month, charges on the due date of ЖК ст.155 ч.1),
    all payments and net-negative months are credits applied oldest item first; a remainder is overdue when its
    due date is before `as_of`. The legal engine's allocation (payer-named periods, ГК ст.319.1) is finer and is
    used for claims; these figures serve lists, filters and queues.
    """
    session = db.session
    session.flush()
    conn = session.connection()
    ids = None if account_ids is None else sorted({int(i) for i in account_ids})
    if ids is not None and not ids:
        return
    run = _FiguresRun(conn, ids, as_of or today(), since)
    run.lock()
    run.prepare_scope()
    run.aggregate_ledger()
    run.month_calendar()
    run.write_months()
    run.write_service_months()
    run.carry_forward_others()
    run.write_balances()
    run.clear()
    from .models import AccountBalance, AccountMonth

    for obj in list(session.identity_map.values()):  # loaded figures are stale now
        if isinstance(obj, (AccountBalance, AccountMonth)):
            session.expire(obj)
    bump_figures_version()


_MONTH_COLUMNS = ("opening_kop", "debt_start_kop", "charged_kop", "recalculated_kop", "paid_kop",
                  "paid_enforcement_kop", "debt_end_kop")


class _FiguresRun:
    """One refresh of the derived figures, step by step (the steps of refresh_account_figures)."""

    def __init__(self, conn, ids: list[int] | None, as_of: date, since: date | None):
        self.conn, self.ids, self.as_of = conn, ids, as_of
        self.pg = conn.dialect.name == "postgresql"
        self.since = date(since.year, since.month, 1) if since is not None else None
        self.ex = conn.exec_driver_sql
        self.lo = self.hi = self.carry_from = None

    def d(self, value: date):
        return value if self.pg else value.isoformat()

    def lock(self) -> None:
        """One refresh at a time (until commit): two imports reaching a new month would both carry every other
        account forward into it; the second one now sees the first one's rows (SQLite serialises writers anyway)."""
        if self.pg:
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FIGURES_LOCK_KEY})

    def prepare_scope(self) -> None:
        """The temporary tables, and the scope's accounts; a `since` later than the month after the latest stored
        month starts at that month (the rows in between must be carried forward too)."""
        ex = self.ex
        ex("CREATE TEMP TABLE IF NOT EXISTS tmp_fig_ids (account_id BIGINT PRIMARY KEY)")
        ex("CREATE TEMP TABLE IF NOT EXISTS tmp_fig_agg (account_id BIGINT, month DATE, opening BIGINT,"
           " charged BIGINT, recalc BIGINT, paid BIGINT, paid_enf BIGINT, last_paid DATE, has_charge INTEGER)")
        ex("CREATE TEMP TABLE IF NOT EXISTS tmp_fig_svc (account_id BIGINT, month DATE, service_id BIGINT,"
           " opening BIGINT, charged BIGINT, recalc BIGINT, paid BIGINT, paid_enf BIGINT, last_paid DATE,"
           " has_charge INTEGER, PRIMARY KEY (account_id, month, service_id))")
        ex("CREATE TEMP TABLE IF NOT EXISTS tmp_fig_svc_delta (month DATE, service_id BIGINT, opening BIGINT,"
           " charged BIGINT, recalc BIGINT, paid BIGINT, paid_enf BIGINT)")
        ex("CREATE TEMP TABLE IF NOT EXISTS tmp_fig_months (month DATE PRIMARY KEY, due_days INTEGER,"
           " open_days INTEGER)")
        ex("CREATE TEMP TABLE IF NOT EXISTS tmp_fig_rows (account_id BIGINT, month DATE, opening_kop BIGINT,"
           " debt_start_kop BIGINT, charged_kop BIGINT, recalculated_kop BIGINT, paid_kop BIGINT,"
           " paid_enforcement_kop BIGINT, debt_end_kop BIGINT, PRIMARY KEY (account_id, month))")
        self.clear()
        if self.ids is not None:
            self.conn.execute(text("INSERT INTO tmp_fig_ids (account_id) VALUES (:a)"), [{"a": i} for i in self.ids])
            self.scope = " AND l.account_id IN (SELECT account_id FROM tmp_fig_ids)"
            self.scope_am = " WHERE account_id IN (SELECT account_id FROM tmp_fig_ids)"
            self.scope_acc = " WHERE a.id IN (SELECT account_id FROM tmp_fig_ids)"
        else:
            self.scope = self.scope_am = self.scope_acc = ""
        self.stored_hi = _as_date(self.conn.execute(text("SELECT MAX(month) FROM account_months")).scalar())
        if self.since is not None and (self.stored_hi is None or self.since > _next_month(self.stored_hi)):
            self.since = _next_month(self.stored_hi) if self.stored_hi is not None else None

    def aggregate_ledger(self) -> None:
        """One aggregate pass over the scope's ledger (from `since` on): per account and month, openings,
        charges and recalculations by billing period, payments by the month they were paid."""
        pay_month = "CAST(date_trunc('month', l.paid_on) AS DATE)" if self.pg else "substr(l.paid_on, 1, 8) || '01'"
        since_charge = since_paid = ""
        params = {}
        if self.since is not None:
            since_charge, since_paid = " AND l.period >= :since", " AND l.paid_on >= :since"
            params = {"since": self.d(self.since)}
        self.conn.execute(text(f"""
            INSERT INTO tmp_fig_svc (account_id, month, service_id, opening, charged, recalc, paid, paid_enf,
                                     last_paid, has_charge)
            SELECT account_id, month, service_id, SUM(opening), SUM(charged), SUM(recalc), SUM(paid), SUM(paid_enf),
                   MAX(last_paid), MAX(has_charge)
            FROM (
              SELECT l.account_id, l.period AS month, l.service_id,
                     CASE WHEN l.kind = 'opening' THEN l.amount_kop ELSE 0 END AS opening,
                     CASE WHEN l.kind = 'charge' THEN l.amount_kop ELSE 0 END AS charged,
                     CASE WHEN l.kind = 'recalculation' THEN l.amount_kop ELSE 0 END AS recalc,
                     0 AS paid, 0 AS paid_enf, NULL AS last_paid, 1 AS has_charge
              FROM ledger_entries l WHERE l.kind <> 'payment'{self.scope}{since_charge}
              UNION ALL
              SELECT l.account_id, {pay_month} AS month, l.service_id, 0, 0, 0, l.amount_kop,
                     CASE WHEN l.source = 'enforcement' THEN l.amount_kop ELSE 0 END,
                     CASE WHEN l.amount_kop > 0 THEN l.paid_on END, 0
              FROM ledger_entries l WHERE l.kind = 'payment'{self.scope}{since_paid}
            ) x GROUP BY account_id, month, service_id"""), params)
        self.ex("""
            INSERT INTO tmp_fig_agg (account_id, month, opening, charged, recalc, paid, paid_enf, last_paid,
                                     has_charge)
            SELECT account_id, month, SUM(opening), SUM(charged), SUM(recalc), SUM(paid), SUM(paid_enf),
                   MAX(last_paid), MAX(has_charge)
            FROM tmp_fig_svc GROUP BY account_id, month""")
        if self.pg:
            self.ex("ANALYZE tmp_fig_agg")
        lo, hi = self.conn.execute(text("SELECT MIN(month), MAX(month) FROM tmp_fig_agg")).one()
        self.lo, self.hi = _as_date(lo), _as_date(hi)
        if self.since is not None:  # the scope's stored rows from `since` on are recomputed even with no new lines
            self.lo = self.since if self.lo is None else min(self.lo, self.since)
        other_hi = None  # the latest month every other account's rows reach (they are dense up to it)
        if self.ids is not None:
            other_hi = self.stored_hi
            if other_hi and (self.hi is None or other_hi > self.hi):
                self.hi = other_hi
        elif self.since is not None and self.stored_hi and (self.hi is None or self.stored_hi > self.hi):
            self.hi = self.stored_hi
        # the accounts outside the scope are carried forward to a later month that this scope's ledger reaches
        self.carry_from = other_hi if (other_hi is not None and self.hi is not None and self.hi > other_hi) else None

    def month_calendar(self) -> None:
        """The months of the refresh with days past due as of the day asked (no date arithmetic in SQL)."""
        if self.lo is None or self.hi is None:
            return
        first = min(self.lo, self.carry_from) if self.carry_from is not None else self.lo
        rows = [{"m": self.d(m), "dd": (self.as_of - due_date_of(m)).days, "od": (self.as_of - m).days}
                for m in _months(first, self.hi)]
        self.conn.execute(text("INSERT INTO tmp_fig_months (month, due_days, open_days) VALUES (:m, :dd, :od)"),
                          rows)

    def write_months(self) -> None:
        """Dense monthly rows with the running debt, upserted: only the rows whose figures changed are written,
        the scope's rows from `since` on that no longer have a reason to exist are deleted."""
        if self.since is None:
            starts = "SELECT account_id, MIN(month) AS first, 0 AS base FROM tmp_fig_agg GROUP BY account_id"
            params = {}
        else:  # accounts with new lines, and accounts whose stored rows reach `since`; the debt carried in
            starts = f"""
                SELECT s.account_id, MIN(s.first) AS first, SUM(s.base) AS base FROM (
                  SELECT account_id, MIN(month) AS first, 0 AS base FROM tmp_fig_agg GROUP BY account_id
                  UNION ALL
                  SELECT account_id, :since, debt_end_kop FROM account_months
                   WHERE month = :before{self.scope_am.replace(' WHERE ', ' AND ')}
                ) s GROUP BY s.account_id"""
            params = {"since": self.d(self.since), "before": self.d(_previous_month(self.since))}
        self.conn.execute(text(f"""
            INSERT INTO tmp_fig_rows (account_id, month, opening_kop, debt_start_kop, charged_kop, recalculated_kop,
                                      paid_kop, paid_enforcement_kop, debt_end_kop)
            SELECT account_id, month, op, de - (ch + rc - pd), ch, rc, pd, pe, de FROM (
              SELECT f.account_id, m.month,
                     COALESCE(a.opening, 0) AS op, COALESCE(a.charged, 0) AS ch, COALESCE(a.recalc, 0) AS rc,
                     COALESCE(a.paid, 0) AS pd, COALESCE(a.paid_enf, 0) AS pe,
                     f.base + SUM(COALESCE(a.opening, 0) + COALESCE(a.charged, 0) + COALESCE(a.recalc, 0)
                                  - COALESCE(a.paid, 0))
                       OVER (PARTITION BY f.account_id ORDER BY m.month ROWS UNBOUNDED PRECEDING) AS de
              FROM ({starts}) f
              JOIN tmp_fig_months m ON m.month >= f.first
              LEFT JOIN tmp_fig_agg a ON a.account_id = f.account_id AND a.month = m.month
            ) x"""), params)
        since_cond, params = "", {}
        if self.since is not None:
            since_cond, params = " AND month >= :since", {"since": self.d(self.since)}
        self.conn.execute(text(f"""
            DELETE FROM account_months WHERE true{self.scope_am.replace(" WHERE ", " AND ")}{since_cond}
               AND NOT EXISTS (SELECT 1 FROM tmp_fig_rows r WHERE r.account_id = account_months.account_id
                               AND r.month = account_months.month)"""), params)
        columns = ", ".join(_MONTH_COLUMNS)
        changed = " OR ".join(f"account_months.{c} <> excluded.{c}" for c in _MONTH_COLUMNS)
        self.ex(f"""
            INSERT INTO account_months (account_id, month, {columns})
            SELECT account_id, month, {columns} FROM tmp_fig_rows WHERE true
            ON CONFLICT (account_id, month) DO UPDATE SET
              {", ".join(f"{c} = excluded.{c}" for c in _MONTH_COLUMNS)}
            WHERE {changed}""")

    def write_service_months(self) -> None:
        """account_service_months of the scope from `since` on, upserted like account_months (a row only where the
        ledger has lines); service_months gets the difference: the scope's new rows minus its old ones."""
        ex = self.ex
        scope_since, params = self.scope_am.replace(" WHERE ", " AND "), {}
        if self.since is not None:
            scope_since, params = scope_since + " AND month >= :since", {"since": self.d(self.since)}
        self.conn.execute(text(f"""
            INSERT INTO tmp_fig_svc_delta (month, service_id, opening, charged, recalc, paid, paid_enf)
            SELECT month, service_id, -SUM(opening_kop), -SUM(charged_kop), -SUM(recalculated_kop), -SUM(paid_kop),
                   -SUM(paid_enforcement_kop)
            FROM account_service_months WHERE true{scope_since} GROUP BY month, service_id"""), params)
        ex("""INSERT INTO tmp_fig_svc_delta (month, service_id, opening, charged, recalc, paid, paid_enf)
              SELECT month, service_id, SUM(opening), SUM(charged), SUM(recalc), SUM(paid), SUM(paid_enf)
              FROM tmp_fig_svc GROUP BY month, service_id""")
        self.conn.execute(text(f"""
            DELETE FROM account_service_months WHERE true{scope_since}
               AND NOT EXISTS (SELECT 1 FROM tmp_fig_svc r WHERE r.account_id = account_service_months.account_id
                               AND r.month = account_service_months.month
                               AND r.service_id = account_service_months.service_id)"""), params)
        pairs = (("opening_kop", "opening"), ("charged_kop", "charged"), ("recalculated_kop", "recalc"),
                 ("paid_kop", "paid"), ("paid_enforcement_kop", "paid_enf"))
        cols = ", ".join(c for c, _t in pairs)
        ex(f"""
            INSERT INTO account_service_months (account_id, month, service_id, {cols})
            SELECT account_id, month, service_id, {", ".join(t for _c, t in pairs)} FROM tmp_fig_svc WHERE true
            ON CONFLICT (account_id, month, service_id) DO UPDATE SET
              {", ".join(f"{c} = excluded.{c}" for c, _t in pairs)}
            WHERE {" OR ".join(f"account_service_months.{c} <> excluded.{c}" for c, _t in pairs)}""")
        ex(f"""
            INSERT INTO service_months (month, service_id, {cols})
            SELECT month, service_id, SUM(opening), SUM(charged), SUM(recalc), SUM(paid), SUM(paid_enf)
            FROM tmp_fig_svc_delta WHERE true GROUP BY month, service_id
            HAVING SUM(opening) <> 0 OR SUM(charged) <> 0 OR SUM(recalc) <> 0 OR SUM(paid) <> 0 OR SUM(paid_enf) <> 0
            ON CONFLICT (month, service_id) DO UPDATE SET
              {", ".join(f"{c} = service_months.{c} + excluded.{c}" for c, _t in pairs)}""")

    def carry_forward_others(self) -> None:
        """Every other account (closed, moved out, or simply absent from this file) keeps its debt: its rows,
        dense up to carry_from, continue with no movement up to the new latest month. An anti-join (NOT EXISTS),
        never NOT IN: PostgreSQL runs a NOT IN over a scope larger than work_mem as a loop over the whole list for
        every row (100,000 accounts: minutes)."""
        if self.carry_from is None:
            return
        self.conn.execute(text("""
            INSERT INTO account_months (account_id, month, opening_kop, debt_start_kop, charged_kop,
                                        recalculated_kop, paid_kop, paid_enforcement_kop, debt_end_kop)
            SELECT am.account_id, m.month, 0, am.debt_end_kop, 0, 0, 0, 0, am.debt_end_kop
            FROM account_months am JOIN tmp_fig_months m ON m.month > am.month
            WHERE am.month = :carry_from
              AND NOT EXISTS (SELECT 1 FROM tmp_fig_ids i WHERE i.account_id = am.account_id)"""),
            {"carry_from": self.d(self.carry_from)})

    def write_balances(self) -> None:
        """Balances, FIFO remainders and aging of the scope's accounts, from all their monthly rows; upserted: a
        row whose figures (and as_of) are the same is not written again (no dead tuples, no WAL for it)."""
        hi = self.hi
        avg_from = date(hi.year - 1, hi.month, 1) if hi is not None else None  # 12 months ending with hi
        buckets = []
        for _name, low, high in AGING_BUCKETS:
            cond = []
            if low is not None:
                cond.append(f"days >= {low}")
            if high is not None:
                cond.append(f"days <= {high}")
            buckets.append(f"SUM(CASE WHEN {' AND '.join(cond)} THEN r ELSE 0 END)")
        if self.since is None:  # the aggregate pass saw the whole ledger of the scope
            last = ("SELECT account_id, MAX(last_paid) AS last_paid,"
                    " MAX(CASE WHEN has_charge = 1 THEN month END) AS last_period FROM tmp_fig_agg GROUP BY account_id")
        else:  # it saw only the months from `since`: the last payment and period come from the ledger's indexes
            last = f"""SELECT l.account_id, MAX(CASE WHEN l.kind = 'payment' AND l.amount_kop > 0 THEN l.paid_on END)
                              AS last_paid, MAX(CASE WHEN l.kind <> 'payment' THEN l.period END) AS last_period
                       FROM ledger_entries l WHERE true{self.scope} GROUP BY l.account_id"""
        # the months calendar may start at `since`: earlier remainders are aged from the ledger's own months
        self._extend_calendar_back()
        cols = ("as_of", "balance_kop", "overdue_kop", "months_in_arrears", "avg_monthly_charge_kop",
                "oldest_debt_days", "aging_0_30_kop", "aging_31_90_kop", "aging_91_180_kop", "aging_181_365_kop",
                "aging_1_3y_kop", "aging_over_3y_kop", "last_payment_on", "last_period", "has_open_case")
        if self.pg:
            changed = (f"({', '.join(f'account_balances.{c}' for c in cols)}) IS DISTINCT FROM "
                       f"({', '.join(f'excluded.{c}' for c in cols)})")
        else:  # SQLite's IS NOT is the null-safe inequality
            changed = " OR ".join(f"account_balances.{c} IS NOT excluded.{c}" for c in cols)
        self.conn.execute(text(f"""
            WITH am AS (SELECT * FROM account_months{self.scope_am}),
            items AS (
              SELECT account_id, month, 0 AS ord, opening_kop AS amt FROM am WHERE opening_kop <> 0
              UNION ALL
              SELECT account_id, month, 1 AS ord, charged_kop + recalculated_kop AS amt FROM am
               WHERE charged_kop + recalculated_kop <> 0
            ),
            credit AS (
              SELECT account_id, SUM(c) AS cr FROM (
                SELECT account_id, paid_kop AS c FROM am WHERE paid_kop <> 0
                UNION ALL SELECT account_id, -amt FROM items WHERE amt < 0
              ) c0 GROUP BY account_id
            ),
            pos AS (
              SELECT account_id, month, ord, amt,
                     SUM(amt) OVER (PARTITION BY account_id ORDER BY month, ord ROWS UNBOUNDED PRECEDING) AS cum
              FROM items WHERE amt > 0
            ),
            rem AS (
              SELECT p.account_id, p.month, p.ord,
                     CASE WHEN p.cum - COALESCE(c.cr, 0) <= 0 THEN 0
                          WHEN p.cum - p.amt >= COALESCE(c.cr, 0) THEN p.amt
                          ELSE p.cum - COALESCE(c.cr, 0) END AS r
              FROM pos p LEFT JOIN credit c ON c.account_id = p.account_id
            ),
            aged AS (
              SELECT rem.account_id, rem.month, rem.r,
                     CASE WHEN rem.ord = 0 THEN m.open_days ELSE m.due_days END AS days
              FROM rem JOIN tmp_fig_months m ON m.month = rem.month WHERE rem.r > 0
            ),
            ag AS (
              SELECT account_id,
                     SUM(CASE WHEN days > 0 THEN r ELSE 0 END) AS overdue,
                     COUNT(DISTINCT CASE WHEN days > 0 THEN month END) AS months_arrears,
                     MAX(days) AS oldest,
                     {', '.join(f'{b} AS b{i}' for i, b in enumerate(buckets))}
              FROM aged GROUP BY account_id
            ),
            bal AS (
              SELECT account_id,
                     SUM(opening_kop + charged_kop + recalculated_kop - paid_kop) AS balance,
                     CAST(SUM(CASE WHEN month > :avg_from THEN charged_kop + recalculated_kop ELSE 0 END) AS BIGINT)
                       AS s12,
                     CAST(SUM(CASE WHEN month > :avg_from THEN 1 ELSE 0 END) AS BIGINT) AS n12
              FROM am GROUP BY account_id
            ),
            lp AS ({last})
            INSERT INTO account_balances (account_id, as_of, balance_kop, overdue_kop, months_in_arrears,
                   avg_monthly_charge_kop, oldest_debt_days, aging_0_30_kop, aging_31_90_kop, aging_91_180_kop,
                   aging_181_365_kop, aging_1_3y_kop, aging_over_3y_kop, last_payment_on, last_period, has_open_case)
            SELECT a.id, :as_of, COALESCE(bal.balance, 0), COALESCE(ag.overdue, 0), COALESCE(ag.months_arrears, 0),
                   CASE WHEN COALESCE(bal.n12, 0) > 0 THEN (2 * bal.s12 + bal.n12) / (2 * bal.n12) ELSE 0 END,
                   CASE WHEN ag.oldest IS NULL THEN NULL WHEN ag.oldest < 0 THEN 0 ELSE ag.oldest END,
                   COALESCE(ag.b0, 0), COALESCE(ag.b1, 0), COALESCE(ag.b2, 0), COALESCE(ag.b3, 0), COALESCE(ag.b4, 0),
                   COALESCE(ag.b5, 0), lp.last_paid, lp.last_period,
                   EXISTS (SELECT 1 FROM cases c WHERE c.account_id = a.id AND c.is_open = :true)
            FROM accounts a
            LEFT JOIN bal ON bal.account_id = a.id
            LEFT JOIN ag ON ag.account_id = a.id
            LEFT JOIN lp ON lp.account_id = a.id
            WHERE true{self.scope_acc.replace(" WHERE ", " AND ")}
            ON CONFLICT (account_id) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in cols)}
            WHERE {changed}
        """), {"as_of": self.d(self.as_of), "avg_from": self.d(avg_from or date(1900, 1, 1)), "true": True})

    def _extend_calendar_back(self) -> None:
        """With `since`, the calendar holds the months from `since`: add the scope's earlier months (remainders
        of old debts are aged from them too)."""
        if self.since is None:
            return
        first = _as_date(self.conn.execute(text(f"SELECT MIN(month) FROM account_months{self.scope_am}")).scalar())
        have = _as_date(self.conn.execute(text("SELECT MIN(month) FROM tmp_fig_months")).scalar())
        if first is None:
            return
        end = _previous_month(have) if have is not None else self.hi
        if end is None or first > end:
            return
        rows = [{"m": self.d(m), "dd": (self.as_of - due_date_of(m)).days, "od": (self.as_of - m).days}
                for m in _months(first, end)]
        self.conn.execute(text("INSERT INTO tmp_fig_months (month, due_days, open_days) VALUES (:m, :dd, :od)"),
                          rows)

    def clear(self) -> None:
        for t in ("tmp_fig_ids", "tmp_fig_agg", "tmp_fig_svc", "tmp_fig_svc_delta", "tmp_fig_months", "tmp_fig_rows"):
            self.ex(f"DELETE FROM {t}")


def _next_month(m: date) -> date:
    return date(m.year + 1, 1, 1) if m.month == 12 else date(m.year, m.month + 1, 1)


def _previous_month(m: date) -> date:
    return date(m.year - 1, 12, 1) if m.month == 1 else date(m.year, m.month - 1, 1)


def bump_figures_version() -> str:
    """Give the derived figures a new version token (after any change to account_months, account_balances or an
    account's category): every cache of an aggregate over them is keyed by it, so none is served stale."""
    import uuid

    from .models import FiguresVersion

    token = uuid.uuid4().hex
    row = db.session.get(FiguresVersion, 1)
    if row is None:
        db.session.add(FiguresVersion(id=1, token=token))
    else:
        row.token = token
        row.changed_at = utcnow()
    db.session.flush()
    return token


def figures_version() -> str | None:
    """The current version token of the derived figures (None before the first refresh)."""
    from .models import FiguresVersion

    return db.session.scalar(select(FiguresVersion.token).where(FiguresVersion.id == 1))
