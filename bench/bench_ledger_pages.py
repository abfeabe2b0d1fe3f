"""The pages that used to scan the whole ledger, before and after (issue 15 item 3), next to the bare driver.

    python -m bench.bench_ledger_pages                         # PostgreSQL, the cached 100,000-account dataset
    python -m bench.bench_ledger_pages --engines sqlite,postgresql --repeat 5

On the cached benchmark database of `bench.dataset.cached_dataset` (100,000 accounts × 36 months, 8.2 M ledger
lines; the summaries `account_service_months` / `service_months` are filled once from the ledger, as the migration
does) it times, median of `--repeat` runs, each query the way it was (copied here from the code before the change,
on the same database; for an index, the same query with the index dropped inside a transaction that is rolled
back) and the way the application runs it now, and checks that both answer the same:

  * the breakdown by service (`reports.analysis.debt_by_service`): ledger → `service_months`;
  * the dashboard's receipts by stage from January (`receipts_by_stage`): every payment of the year joined to the
    stage intervals, plus a second pass for the total → the total from `service_months`, each stage interval's
    payments through `ix_ledger_payments_by_account`;
  * the bulk-document filter (`documents.bulk.accounts_for_filter`, a territory, debt ≥ 1 000 ₽) and the building's
    debtors (`documents.context.load_building_source`): a grouped sum over the ledger → `account_balances`;
  * the closed month's «lines imported after closing» (`reports.queries.corrections_after_close`, the monthly
    page's check and the list), after a correction batch of 20,000 lines appended in the transaction: a scan of the
    ledger → the BRIN index on created_at (PostgreSQL only);

and the bare driver's aggregate over the whole ledger (psycopg / sqlite3: SUM and COUNT by kind), the floor of any
page that reads the ledger.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, datetime, timedelta


def _median(fn, n: int):
    fn()  # warm the cache once, as a server would be
    times, result = [], None
    for _ in range(n):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, result


# ----------------------------------------------------------------------------- the queries as they were

def old_debt_by_service(month: date) -> list[tuple]:
    from sqlalchemy import and_, case, func, literal, or_, select

    from casework.accounts.models import LedgerEntry, Service
    from casework.extensions import db
    from casework.reports.queries import last_day

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


def old_receipts_total(lo: date, hi: date) -> int:
    """The second pass of the old receipts_by_stage: every payment of the period summed from the ledger."""
    from sqlalchemy import func, select

    from casework.accounts.models import LedgerEntry
    from casework.extensions import db

    le = LedgerEntry.__table__
    return int(db.session.scalar(select(func.coalesce(func.sum(le.c.amount_kop), 0))
                                 .where(le.c.kind == "payment", le.c.paid_on >= lo, le.c.paid_on < hi)))


def old_accounts_for_filter(building_id=None, territory_id=None, min_debt_kop=1, limit=20000) -> list[int]:
    from sqlalchemy import case, func, select

    from casework.accounts.models import Account, LedgerEntry
    from casework.extensions import db

    signed = case((LedgerEntry.kind == "payment", -LedgerEntry.amount_kop), else_=LedgerEntry.amount_kop)
    stmt = (select(Account.id).join(LedgerEntry, LedgerEntry.account_id == Account.id)
            .where(Account.closed_on.is_(None)).group_by(Account.id)
            .having(func.sum(signed) >= max(min_debt_kop, 1)).order_by(Account.id).limit(limit))
    if building_id:
        stmt = stmt.where(Account.building_id == building_id)
    if territory_id:
        stmt = stmt.where(Account.territory_id == territory_id)
    return list(db.session.scalars(stmt))


def old_building_debts(building_id: int) -> list[tuple]:
    from sqlalchemy import case, func, select

    from casework.accounts.models import Account, LedgerEntry
    from casework.extensions import db

    signed = case((LedgerEntry.kind == "payment", -LedgerEntry.amount_kop), else_=LedgerEntry.amount_kop)
    q = (select(Account.number, func.sum(signed)).join(LedgerEntry, LedgerEntry.account_id == Account.id)
         .where(Account.building_id == building_id, Account.closed_on.is_(None))
         .group_by(Account.id, Account.apartment, Account.number))
    return sorted((n, int(d)) for n, d in db.session.execute(q) if d and d >= 1)


# ----------------------------------------------------------------------------- the run

def run(engine: str, repeat: int, log=print) -> list[tuple]:
    from sqlalchemy import func, select, text

    from bench.dataset import cached_dataset
    from casework import create_app
    from casework.accounts.models import Account, Building, Territory
    from casework.documents.bulk import accounts_for_filter
    from casework.documents.context import load_building_source
    from casework.extensions import db
    from casework.reports.analysis import debt_by_service, receipts_by_stage
    from casework.reports.queries import add_month, corrections_after_close

    url = cached_dataset(engine, log=log)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    out = []

    def row(name, before, after, agree, note=""):
        out.append((engine, name, before, after, agree, note))
        b = f"{before:9.1f}" if before is not None else "        —"
        log(f"[{engine}] {name:<52} before {b} ms   after {after:8.1f} ms   agree: {agree}{note}")

    with app.app_context():
        n_ledger = db.session.scalar(text("SELECT count(*) FROM ledger_entries"))
        latest = db.session.scalar(text("SELECT max(month) FROM account_months"))
        latest = latest if isinstance(latest, date) else date.fromisoformat(str(latest))
        month = add_month(latest, -1)
        log(f"[{engine}] ledger_entries={n_ledger:,}; month {month:%Y-%m}; load average {os.getloadavg()}")

        before, old = _median(lambda: old_debt_by_service(month), repeat)
        after, new = _median(lambda: debt_by_service(month), repeat)
        row("breakdown by service", before, after, sorted(old) == sorted(new))

        lo, hi = date(month.year, 1, 1), add_month(month, 1)
        after, new = _median(lambda: receipts_by_stage(lo, hi), repeat)
        db.session.rollback()  # the index dropped for the old query, put back by the rollback
        db.session.execute(text("DROP INDEX ix_ledger_payments_by_account"))
        before, old = _median(lambda: (receipts_by_stage(lo, hi), old_receipts_total(lo, hi)), repeat)
        db.session.rollback()
        staged_old = {s: v for s, v in old[0] if s}
        agree = staged_old == {s: v for s, v in new if s} and old[1] == sum(v for _s, v in new)
        row("dashboard: receipts by stage from January", before, after, agree)

        territory = db.session.scalar(select(Territory.id).where(Territory.name == "п. Витим"))
        before, old = _median(lambda: old_accounts_for_filter(territory_id=territory, min_debt_kop=100_000), repeat)
        after, new = _median(lambda: accounts_for_filter(territory_id=territory, min_debt_kop=100_000), repeat)
        row("bulk-document filter (п. Витим, debt ≥ 1 000 ₽)", before, after, old == new, f"; {len(new):,} accounts")
        building = db.session.scalar(select(Account.building_id).where(Account.building_id.is_not(None))
                                     .group_by(Account.building_id).order_by(func.count().desc()).limit(1))
        before, old = _median(lambda: old_building_debts(building), repeat)
        after, new = _median(lambda: sorted((r["account"], r["debt_kop"])
                                            for r in load_building_source(building, None).rows), repeat)
        flats = db.session.get(Building, building).address
        row("building's debtors (bulk letters by building)", before, after, old == new, f"; {flats}, {len(new)} flats")

        # a correction batch imported after the month was closed: 20,000 lines appended, in a transaction
        closed_at = db.session.scalar(text("SELECT max(created_at) FROM ledger_entries"))
        closed_at = closed_at if isinstance(closed_at, datetime) else datetime.fromisoformat(str(closed_at))
        closed_at += timedelta(days=1)
        db.session.rollback()
        db.session.execute(text(
            "INSERT INTO ledger_entries (account_id, service_id, period, kind, amount_kop, reference, entry_key,"
            " created_at) SELECT account_id, service_id, period, 'recalculation', -100, 'bench', "
            " 'bench-late-' || CAST(id AS VARCHAR(20)), :at FROM ledger_entries WHERE kind = 'charge' AND"
            " period = :m ORDER BY id LIMIT 20000"),
            {"at": closed_at + timedelta(days=3), "m": month if engine == "postgresql" else month.isoformat()})
        if engine == "postgresql":
            db.session.execute(text("ANALYZE ledger_entries"))
        check = lambda: corrections_after_close(month, closed_at, limit=1)  # noqa: E731
        listing = lambda: corrections_after_close(month, closed_at, limit=2000)  # noqa: E731
        after_check, new_check = _median(check, repeat)
        after_list, new_list = _median(listing, repeat)
        before_check = before_list = None
        if engine == "postgresql":
            db.session.execute(text("DROP INDEX ix_ledger_created_brin"))
            before_check, old_check = _median(check, repeat)
            before_list, old_list = _median(listing, repeat)
        else:
            old_check, old_list = new_check, new_list
        db.session.rollback()  # the appended lines gone, the index back
        row("closed month: a line imported after closing? (LIMIT 1)", before_check, after_check,
            [tuple(r) for r in old_check] == [tuple(r) for r in new_check])
        row("closed month: the corrections list (2 000 lines)", before_list, after_list,
            [tuple(r) for r in old_list] == [tuple(r) for r in new_list], f"; {len(new_list):,} lines")
        db.session.remove()

    bare = "SELECT kind, COUNT(*), SUM(amount_kop) FROM ledger_entries GROUP BY kind"
    if engine == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.replace("sqlite:///", ""))
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    bare_ms, _r = _median(lambda: conn.execute(bare).fetchall(), repeat)
    conn.close()
    out.append((engine, "bare driver: SUM/COUNT over the whole ledger", None, bare_ms, True, ""))
    log(f"[{engine}] {'bare driver: SUM/COUNT by kind over the whole ledger':<52}                 {bare_ms:8.1f} ms")
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", default="postgresql")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    print(f"=== ledger pages {datetime.now():%H:%M:%S}", flush=True)
    for engine in args.engines.split(","):
        run(engine.strip(), args.repeat, log=lambda s: print(s, flush=True))


if __name__ == "__main__":
    main()
