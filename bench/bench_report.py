"""Benchmark of the monthly form (Приложение № 4) at 100,000 accounts × 36 months.

    python bench/bench_report.py --engine sqlite            # builds /tmp/bench_report.sqlite3 once
    python bench/bench_report.py --engine postgresql        # a fresh database casework_bench_report_<pid>
    python bench/bench_report.py --engine both --accounts 100000 --months 36

For one month it times, in the same run and on the same database:
  * the form (`casework.reports.queries.fetch_form_figures`, which reads `account_months`), and
  * one bare SQL aggregate over `ledger_entries` for the same month through the raw driver (sqlite3 / psycopg):
    the debt at the start, charged, paid and enforcement figures that the form would otherwise need.
Each is run 5 times; the median is printed. Target: the form ≤ 1 s on SQLite and faster than the ledger scan.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BARE_SQL = """
SELECT a.category,
  SUM(CASE WHEN e.kind <> 'payment' AND (e.period < {m} OR (e.kind = 'opening' AND e.period = {m})) THEN e.amount_kop
           WHEN e.kind = 'payment' AND e.paid_on < {m} THEN -e.amount_kop ELSE 0 END),
  SUM(CASE WHEN e.kind IN ('charge', 'recalculation') AND e.period = {m} THEN e.amount_kop ELSE 0 END),
  SUM(CASE WHEN e.kind = 'payment' AND e.paid_on >= {m} AND e.paid_on <= {end} THEN e.amount_kop ELSE 0 END),
  SUM(CASE WHEN e.kind = 'payment' AND e.source = 'enforcement' AND e.paid_on >= {m} AND e.paid_on <= {end}
           THEN e.amount_kop ELSE 0 END)
FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
GROUP BY a.category
"""


def _median(fn, n=5):
    times = []
    result = None
    for _ in range(n):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def run(url: str, raw_dsn: str, engine: str, accounts: int, months: int, month: date) -> None:
    from bench.dataset import build_dataset
    from casework import create_app
    from casework.extensions import db
    from casework.reports.queries import fetch_form_figures, last_day

    if engine == "sqlite" and Path(url.replace("sqlite:///", "")).exists():
        print(f"[{engine}] reusing {url}")
    else:
        stats = build_dataset(url, accounts, months)
        print(f"[{engine}] dataset: {stats}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        n_ledger = db.session.execute(db.text("SELECT count(*) FROM ledger_entries")).scalar()
        n_months = db.session.execute(db.text("SELECT count(*) FROM account_months")).scalar()
        fetch_form_figures(month, "fifo")  # warm the cache once, as a server would be
        form_s, form = _median(lambda: fetch_form_figures(month, "fifo"))
        db.session.remove()
    if engine == "sqlite":
        import sqlite3

        conn = sqlite3.connect(raw_dsn)
        sql = BARE_SQL.format(m=f"'{month.isoformat()}'", end=f"'{last_day(month).isoformat()}'")
    else:
        import psycopg

        conn = psycopg.connect(raw_dsn)
        sql = BARE_SQL.format(m=f"DATE '{month.isoformat()}'", end=f"DATE '{last_day(month).isoformat()}'")
    conn.execute(sql).fetchall()
    bare_s, bare = _median(lambda: conn.execute(sql).fetchall())
    conn.close()
    bare_by_cat = {row[0]: [int(v or 0) for v in row[1:]] for row in bare}
    agree = all([form.rows[c].debt_start_kop, form.rows[c].charged_kop, form.rows[c].paid_kop,
                 form.rows[c].enforcement_kop] == bare_by_cat.get(c, [0, 0, 0, 0]) for c in ("population", "other"))
    print(f"[{engine}] ledger_entries={n_ledger:,} account_months={n_months:,} month={month:%Y-%m}")
    print(f"[{engine}] monthly form (account_months): {form_s * 1000:8.1f} ms (median of 5)")
    print(f"[{engine}] bare ledger aggregate (raw driver): {bare_s * 1000:8.1f} ms (median of 5)")
    print(f"[{engine}] speed-up ×{bare_s / form_s:.1f}; figures agree with the ledger: {agree}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--accounts", type=int, default=100_000)
    p.add_argument("--months", type=int, default=36)
    p.add_argument("--month", default="2026-06")
    p.add_argument("--sqlite-path", default="/tmp/bench_report.sqlite3")
    p.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))
    a = p.parse_args()
    month = date.fromisoformat(a.month + "-01")
    if a.engine in ("sqlite", "both"):
        run("sqlite:///" + a.sqlite_path, a.sqlite_path, "sqlite", a.accounts, a.months, month)
    if a.engine in ("postgresql", "both"):
        import psycopg

        name = f"casework_bench_report_{os.getpid()}"
        with psycopg.connect(a.pg, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        base = a.pg.rsplit("/", 1)[0]
        try:
            run(f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://"), f"{base}/{name}", "postgresql",
                a.accounts, a.months, month)
        finally:
            with psycopg.connect(a.pg, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
