"""WAL volume and time of the figures refresh after a monthly import, on PostgreSQL: the refresh before issue 15
item 3 (every month of every touched account deleted and inserted again) next to the current one (from the import's
earliest month, upserting only changed rows), next to the raw limit (the bare driver COPYing just the new month's
rows into a table of account_months' shape).

    python bench/bench_refresh_wal.py [--accounts 100000] [--months 24] [--pg URL]

The database: N accounts with M months of charges and payments (written by SQL, not timed), figures refreshed once.
Then a monthly import's ledger rows are added for every account (the month after the last one), and each refresh
runs in its own transaction which is rolled back afterwards, so both start from the same state. WAL is read with
pg_current_wal_insert_lsn() around each run: it counts the whole server, so run the bench on an otherwise idle
server. "before" is the implementation of casework/accounts/services.py at commit BEFORE (loaded from git).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_import import make_app, scratch_pg  # noqa: E402

BEFORE = "a6d55d9"  # the last commit with the delete-and-insert refresh
SUMMARIES = "b2593d9"  # the last commit before the ledger summaries (account_balances deleted and inserted again)


def _old_services(commit: str = BEFORE):
    """casework.accounts.services as it was at `commit`, loaded as a module of the same package."""
    src = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:casework/accounts/services.py"],
                         check=True, capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader(f"casework.accounts._services_{commit}", loader=None)
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "casework.accounts"
    exec(compile(src, "services_before.py", "exec"), mod.__dict__)
    return mod


def _months(first: date, n: int) -> list[date]:
    out, d = [], first
    for _ in range(n):
        out.append(d)
        d = date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)
    return out


def build(conn, n: int, months: list[date]) -> None:
    """N accounts, one service, a charge every month and a payment in 80 % of months (paid on the 20th)."""
    from sqlalchemy import text

    svc = conn.execute(text("SELECT id FROM services WHERE code = 'heating'")).scalar()
    from sqlalchemy import insert

    from casework.accounts.models import Account

    conn.execute(insert(Account), [{"number": f"W{g}", "category": "population", "debtor_name": f"Должник {g}",
                                    "address": f"ул. Мира, д. {g // 40 + 1}", "search_text": f"w{g}"}
                                   for g in range(1, n + 1)])
    for i, m in enumerate(months):
        add_month(conn, svc, m, f"b{i}")


def add_month(conn, svc: int, m: date, tag: str) -> None:
    from sqlalchemy import text

    conn.execute(text("""INSERT INTO ledger_entries (account_id, service_id, period, kind, amount_kop, entry_key,
                                                     created_at)
                         SELECT a.id, :svc, :m, 'charge', 150000 + (a.id::bigint * 7919) % 450000, :tag || '-c-' || a.id, now()
                         FROM accounts a"""), {"svc": svc, "m": m, "tag": tag})
    conn.execute(text("""INSERT INTO ledger_entries (account_id, service_id, period, kind, amount_kop, paid_on, source,
                                                     entry_key, created_at)
                         SELECT a.id, :svc, :m, 'payment', 100000 + (a.id::bigint * 104729) % 500000, :paid, 'bank',
                                :tag || '-p-' || a.id, now()
                         FROM accounts a WHERE (a.id + :salt) % 5 <> 0"""),
                 {"svc": svc, "m": m, "paid": date(m.year, m.month, 20), "tag": tag, "salt": len(tag)})


def wal_and_time(conn, fn) -> tuple[int, float]:
    from sqlalchemy import text

    lsn0 = conn.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar()
    t0 = time.perf_counter()
    fn()
    conn.execute(text("SELECT 1")).scalar()
    dt = time.perf_counter() - t0
    wal = conn.execute(text("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :a)"), {"a": lsn0}).scalar()
    return int(wal), dt


def bare_limit(dsn: str, n: int, month: date) -> tuple[int, float]:
    """The bare driver: COPY one account_months-shaped row per account for the new month (what any refresh must
    at least write), WAL and time."""
    import psycopg

    with psycopg.connect(dsn) as con:
        con.execute("""CREATE TABLE bare_months (account_id BIGINT, month DATE, opening_kop BIGINT,
                       debt_start_kop BIGINT, charged_kop BIGINT, recalculated_kop BIGINT, paid_kop BIGINT,
                       paid_enforcement_kop BIGINT, debt_end_kop BIGINT, PRIMARY KEY (account_id, month))""")
        con.commit()
        lsn0 = con.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        t0 = time.perf_counter()
        with con.cursor() as cur:
            with cur.copy("COPY bare_months FROM STDIN") as cp:
                for i in range(1, n + 1):
                    cp.write_row((i, month, 0, 100, 50, 0, 30, 0, 120))
        con.commit()
        dt = time.perf_counter() - t0
        wal = con.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", (lsn0,)).fetchone()[0]
    return int(wal), dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = ap.parse_args()
    months = _months(date(2024, 1, 1), args.months + 1)
    history, new_month = months[:-1], months[-1]
    with tempfile.TemporaryDirectory() as inst:
        with scratch_pg(args.pg, "bench_wal") as (url, dsn):
            app = make_app(url, inst, DB_STATEMENT_TIMEOUT_MS=0)  # the refresh runs in the worker, as a job
            with app.app_context():
                from sqlalchemy import select, text

                from casework.accounts import services as now_services
                from casework.accounts.models import AccountMonth
                from casework.extensions import db

                before = _old_services()
                pre_summaries = _old_services(SUMMARIES)
                t0 = time.perf_counter()
                conn = db.session.connection()
                build(conn, args.accounts, history)
                now_services.refresh_account_figures(None, as_of=new_month)
                db.session.commit()
                print(f"set-up: {args.accounts} accounts × {args.months} months in {time.perf_counter() - t0:.0f} s")
                svc = db.session.execute(text("SELECT id FROM services WHERE code = 'heating'")).scalar()
                add_month(db.session.connection(), svc, new_month, "new")
                db.session.commit()
                ids = list(db.session.scalars(select(AccountMonth.account_id).distinct()))
                results = {}
                for label, fn in (
                        ("before: all months deleted and inserted",
                         lambda: before.refresh_account_figures(ids, as_of=new_month)),
                        (f"{SUMMARIES}: from the month, balances rewritten",
                         lambda: pre_summaries.refresh_account_figures(ids, as_of=new_month, since=new_month)),
                        ("now: + service summaries, balances upserted",
                         lambda: now_services.refresh_account_figures(ids, as_of=new_month, since=new_month))):
                    conn = db.session.connection()
                    results[label] = wal_and_time(conn, fn)
                    rows = db.session.execute(text("SELECT count(*) FROM account_months")).scalar()
                    db.session.rollback()
                    print(f"  {label:<42} WAL {results[label][0] / 2**20:8.1f} MiB  {results[label][1]:6.1f} s"
                          f"  ({rows} account_months rows after)")
                # the same refresh once more with nothing changed (a resumed job chunk, a file imported twice)
                now_services.refresh_account_figures(ids, as_of=new_month, since=new_month)
                db.session.commit()
                for label, fn in (
                        (f"again, nothing changed: {SUMMARIES}",
                         lambda: pre_summaries.refresh_account_figures(ids, as_of=new_month, since=new_month)),
                        ("again, nothing changed: now",
                         lambda: now_services.refresh_account_figures(ids, as_of=new_month, since=new_month))):
                    conn = db.session.connection()
                    wal_b, dt_b = wal_and_time(conn, fn)
                    db.session.rollback()
                    print(f"  {label:<42} WAL {wal_b / 2**20:8.1f} MiB  {dt_b:6.1f} s")
            wal, dt = bare_limit(dsn, args.accounts, new_month)
            print(f"  {'raw limit: bare COPY of the new month':<42} WAL {wal / 2**20:8.1f} MiB  {dt:6.1f} s")
            (b_wal, b_t), _pre, (n_wal, n_t) = results.values()
            print(f"WAL now / before: {n_wal / b_wal:.1%}; now / raw limit: {n_wal / wal:.1f}×; "
                  f"time now / before: {n_t / b_t:.1%}")


if __name__ == "__main__":
    main()
