"""Portfolio run speed: `run_portfolio` next to a bare loop that only streams and sums the same ledger rows.

    python bench/bench_portfolio.py [--accounts 100000] [--months 36] [--workers 1,2] [--db PATH] [--reuse]
                                    [--pg URL]

Builds the dataset with `bench/dataset.py` `build_dataset()` (N accounts × M months: heating and hot-water
charges, payments by payer profile, openings; ~85 ledger rows per account for 36 months) on SQLite (and on a
fresh PostgreSQL database with --pg), then in the same run times:

- the bare loop: the raw driver (sqlite3 / psycopg server-side cursor) running the portfolio's ledger query
  (same columns, same filter, same ORDER BY account_id) and summing the amounts per account;
- `casework.legal.portfolio.run_portfolio(as_of, workers=w)` for each w — the real path: streaming, penalty,
  allocation and limitation per account, bulk write of portfolio_results — committed.

Target (issue 3): 100,000 accounts × 36 months within 60 s on the 2-core box.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

AS_OF = date(2026, 11, 20)
QUERY = ("SELECT account_id, kind, period, amount_kop, paid_on, paid_period, id, reverses_id FROM ledger_entries "
         "WHERE service_id NOT IN (SELECT id FROM services WHERE is_capital_repair) ORDER BY account_id")


def bare_loop(url: str) -> tuple[float, int, int]:
    """Stream the ledger with the raw driver in the portfolio's order and sum it per account."""
    started = time.perf_counter()
    rows = accounts = 0
    sums: dict[int, int] = {}
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        cur = conn.execute(QUERY)
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        cur = conn.cursor(name="bare")  # server-side cursor, like stream_results
        cur.itersize = 10000
        cur.execute(QUERY)
    current, total = None, 0
    for acc, kind, _period, amount, *_rest in cur:
        rows += 1
        if acc != current:
            if current is not None:
                sums[current] = total
                accounts += 1
            current, total = acc, 0
        total += -amount if kind == "payment" else amount
    if current is not None:
        sums[current] = total
        accounts += 1
    conn.close()
    return time.perf_counter() - started, rows, accounts


def portfolio(url: str, workers: int):
    from casework import create_app
    from casework.extensions import db
    from casework.legal.portfolio import run_portfolio

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        started = time.perf_counter()
        run = run_portfolio(AS_OF, workers=workers)
        db.session.commit()
        elapsed = time.perf_counter() - started
        out = (elapsed, run.accounts_scanned, run.accounts_with_debt, run.penalty_kop, run.time_barred_kop,
               run.claimable_kop, run.errors)
        db.session.remove()
        db.engine.dispose()
    return out


def _kop(k: int) -> str:
    return f"{k // 100:,}.{k % 100:02d}".replace(",", " ")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the pool's workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench(url: str, label: str, workers: list[int]) -> None:
    c = _cpu()
    t, rows, accounts = bare_loop(url)
    print(f"{label}: bare loop (raw driver, stream + sum)   {t:7.1f} s   (cpu {_cpu() - c:6.1f} s)  {rows:,} rows, "
          f"{accounts:,} accounts; {_load()}", flush=True)
    for w in workers:
        c = _cpu()
        t2, scanned, debt, pen, barred, claim, errors = portfolio(url, w)
        print(f"{label}: portfolio run, {w} worker(s)           {t2:7.1f} s   (cpu {_cpu() - c:6.1f} s)  "
              f"{scanned:,} accounts read, {debt:,} with debt; penalty {_kop(pen)}, time-barred {_kop(barred)}, "
              f"claimable {_kop(claim)}, {errors} errors; ×{t2 / t:.1f} the bare loop; {_load()}", flush=True)
    sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--db", default=None, help="SQLite file (default: /tmp/bench_portfolio_<N>x<M>.sqlite3)")
    ap.add_argument("--reuse", action="store_true", help="reuse the SQLite file if it exists")
    ap.add_argument("--pg", default=None, help="PostgreSQL server URL (a fresh database is created and dropped)")
    ap.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL (with --pg)")
    args = ap.parse_args()
    os.environ.setdefault("CASEWORK_INSTANCE_PATH", f"/tmp/cwi-bench-portfolio-{os.getpid()}")
    workers = [int(w) for w in args.workers.split(",") if w]
    from bench.dataset import build_dataset

    path = Path(args.db or f"/tmp/bench_portfolio_{args.accounts}x{args.months}.sqlite3")
    url = f"sqlite:///{path}"
    if args.no_sqlite:
        pass
    elif not (args.reuse and path.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        stats = build_dataset(url, args.accounts, args.months, log=lambda m: print(m, file=sys.stderr))
        print(f"dataset: {stats.accounts:,} accounts × {stats.months} months, {stats.ledger_rows:,} ledger rows "
              f"(built in {stats.seconds:.0f} s)")
    if not args.no_sqlite:
        bench(url, "SQLite", workers)
    if args.pg:
        import psycopg

        name = f"casework_bench_portfolio_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = args.pg.rsplit("/", 1)[0]
        pg_url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")
        try:
            stats = build_dataset(pg_url, args.accounts, args.months, log=lambda m: print(m, file=sys.stderr))
            bench(pg_url, "PostgreSQL", workers)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
