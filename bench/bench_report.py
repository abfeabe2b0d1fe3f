"""Benchmark of the monthly form (Приложение № 4) at 100,000 accounts × 36 months, and the other reports.

    python bench/bench_report.py --engine both              # the shared cached dataset (bench/dataset.py
                                                            # cached_dataset: /tmp/cw-bench, database cw_bench_100k)
    python bench/bench_report.py --engine sqlite --fresh    # builds /tmp/bench_report.sqlite3 once
    python bench/bench_report.py --engine postgresql --fresh  # a fresh database casework_bench_report_<pid>

For one month it times, in the same run and on the same database:
  * the form (`casework.reports.queries.fetch_form_figures`, which reads `account_months`), and
  * one bare SQL aggregate over `ledger_entries` for the same month through the raw driver (sqlite3 / psycopg):
    the debt at the start, charged, paid and enforcement figures that the form would otherwise need;
  * the form of a month two months after the dataset's latest one (no file has reached it: every account's debt
    is carried forward from the latest month's rows).
Each is run 5 times; the median is printed. Target: the form ≤ 1 s on SQLite and faster than the ledger scan.
Then, on the same database: the measures report (16 measures, month and year to date, with territory columns),
the dashboard's cases-by-stage and receipts-by-stage (year to date), and the limitation report (one run).
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


def run(url: str, raw_dsn: str, engine: str, accounts: int, months: int, month: date | None,
        build: bool = True) -> None:
    from bench.dataset import build_dataset
    from casework import create_app
    from casework.extensions import db
    from casework.reports.queries import _form_figures, add_month, fetch_form_figures, last_day

    if not build or (engine == "sqlite" and Path(url.replace("sqlite:///", "")).exists()):
        print(f"[{engine}] reusing {url}")
    else:
        stats = build_dataset(url, accounts, months)
        print(f"[{engine}] dataset: {stats}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        n_ledger = db.session.execute(db.text("SELECT count(*) FROM ledger_entries")).scalar()
        n_months = db.session.execute(db.text("SELECT count(*) FROM account_months")).scalar()
        if month is None:  # the last complete month of the dataset
            latest = db.session.execute(db.text("SELECT max(month) FROM account_months")).scalar()
            latest = latest if isinstance(latest, date) else date.fromisoformat(str(latest))
            month = add_month(latest, -1)
        _form_figures(month, "fifo")  # warm the database's cache once, as a server would be
        form_s, form = _median(lambda: _form_figures(month, "fifo"))  # computed every time
        fetch_form_figures(month, "fifo")
        memo_s, _f = _median(lambda: fetch_form_figures(month, "fifo"))  # remembered under the figures version
        # a month no file has reached yet: every account's latest debt carried forward (the rows of the latest month)
        later = add_month(month, 3)
        carried_s, carried = _median(lambda: _form_figures(later, "fifo"))
        others = _other_reports(month)
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
    print(f"[{engine}] monthly form (account_months): {form_s * 1000:8.1f} ms (median of 5, computed each time)")
    print(f"[{engine}] monthly form, remembered (figures unchanged): {memo_s * 1000:8.1f} ms (median of 5)")
    print(f"[{engine}] monthly form of {later:%Y-%m}, after the latest month (debt carried forward): "
          f"{carried_s * 1000:8.1f} ms (median of 5, computed each time; "
          f"{carried.rows['total'].accounts:,} accounts)")
    print(f"[{engine}] bare ledger aggregate (raw driver): {bare_s * 1000:8.1f} ms (median of 5)")
    print(f"[{engine}] speed-up ×{bare_s / form_s:.1f}; figures agree with the ledger: {agree}")
    for label, seconds, note in others:
        print(f"[{engine}] {label}: {seconds * 1000:8.1f} ms{note}")


def _other_reports(month: date) -> list[tuple[str, float, str]]:
    """Time the measures report, the dashboard's stage charts and the limitation report on the same database."""
    from casework.reports.analysis import cases_by_stage, limitation_report, receipts_by_stage
    from casework.reports.measures import measures_report
    from casework.reports.queries import add_month

    out = []
    measures_report(month)
    t, rep = _median(lambda: measures_report(month), 3)
    filed = rep.line("court_filed")
    out.append(("measures report (16 measures, month + from January)", t,
                f" (median of 3; court applications {filed.month}/{filed.ytd}, "
                f"contacts {rep.line('contacts').ytd:,} from January)"))
    t, _r = _median(lambda: measures_report(month, group_by="territory"), 3)
    out.append(("measures report with territory columns", t, " (median of 3)"))
    t, stages = _median(cases_by_stage, 3)
    out.append(("dashboard: open cases by stage", t, f" (median of 3; {sum(n for _s, n in stages):,} cases)"))
    lo, hi = date(month.year, 1, 1), add_month(month, 1)
    t, receipts = _median(lambda: receipts_by_stage(lo, hi), 3)
    out.append(("dashboard: receipts by stage from January", t,
                f" (median of 3; {len(receipts)} stages, {sum(v for _s, v in receipts) / 100:,.2f} ₽)"))
    as_of = add_month(month, 1)
    t0 = time.perf_counter()
    lim = limitation_report(as_of)
    out.append(("limitation report", time.perf_counter() - t0,
                f" (one run; {lim['computed']:,} accounts calculated, "
                f"{'portfolio run of ' + str(lim['run'].as_of) if lim['run'] else 'no portfolio run'})"))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--accounts", type=int, default=100_000)
    p.add_argument("--months", type=int, default=36)
    p.add_argument("--month", default=None, help="YYYY-MM; default: the dataset's last complete month")
    p.add_argument("--fresh", action="store_true", help="build a dataset of our own instead of the shared cache")
    p.add_argument("--sqlite-path", default="/tmp/bench_report.sqlite3")
    p.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"))
    a = p.parse_args()
    month = date.fromisoformat(a.month + "-01") if a.month else None
    if not a.fresh:
        from bench.dataset import cached_dataset

        for engine in (("sqlite", "postgresql") if a.engine == "both" else (a.engine,)):
            url = cached_dataset(engine, a.accounts, a.months, pg_admin=a.pg)
            raw = url.replace("sqlite:///", "") if engine == "sqlite" else url.replace("+psycopg", "")
            run(url, raw, engine, a.accounts, a.months, month, build=False)
        return
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
