"""Accounts list XLSX at 100,000 accounts through the report job, next to a bare openpyxl write-only dump.

    python bench/bench_exports.py [--accounts 100000] [--months 12] [--db PATH] [--reuse] [--pg URL] [--no-sqlite]
                                  [--csv]

Builds the dataset with `bench/dataset.py` `build_dataset()` on SQLite (and on a fresh PostgreSQL database with
--pg); the export reads the accounts and their figures (`account_balances`), not the ledger, so 12 months are
enough. Then, in the same run:

- the bare dump: the raw driver (sqlite3 / a psycopg server-side cursor) runs the list's own SELECT (the accounts
  list query compiled by SQLAlchemy for the engine, the same rows in the same order) and openpyxl in write-only
  mode appends each row as it comes (`ws.append(row)`: no cell styles, no labels, no neutraliser) to a file;
- the job: `casework.jobs.exports.enqueue_export("accounts", …)` for a collector with the empty filter, committed,
  then `casework.jobs.services.execute(run_id)` — the one runner of the worker and of the in-process backend —
  which counts, streams the rows, writes the workbook through `casework.export.write_xlsx` (money as Decimal
  rubles with formats, dates, labels, the neutraliser, the total row), stores it in the `reports` area
  (local disk here) and commits its checkpoint.

Prints wall and CPU seconds of each, the rows and the file sizes, and the ratio job / bare.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _app(url: str):
    from casework import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "JOBS_BACKEND": "inline", "JOBS_INLINE_THREAD": False,
                       "REPORTS_DIR": tempfile.mkdtemp(prefix="bench-exports-")})


def list_sql(url: str) -> tuple[str, object]:
    """The accounts list's SELECT for the empty filter, compiled for the engine, with its parameters."""
    from casework.accounts.queries import AccountFilter, account_list_stmt
    from casework.extensions import db

    app = _app(url)
    with app.app_context():
        compiled = account_list_stmt(AccountFilter()).compile(dialect=db.engine.dialect)
        sql = str(compiled)
        params = ([compiled.params[k] for k in compiled.positiontup] if compiled.positiontup
                  else dict(compiled.params))
        db.engine.dispose()
    return sql, params


def bare_dump(url: str, fmt: str) -> tuple[float, float, int, int]:
    """Stream the list's rows with the raw driver into an openpyxl write-only sheet (or csv.writer)."""
    sql, params = list_sql(url)
    c, started = _cpu(), time.perf_counter()
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        cur = conn.execute(sql, params)
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        cur = conn.cursor(name="bare")
        cur.itersize = 2000
        cur.execute(sql, params)
    rows = 0
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as out:
        if fmt == "xlsx":
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("bare")
            for row in cur:
                ws.append(row)
                rows += 1
            wb.save(out.name)
        else:
            import csv
            import io

            with io.open(out.name, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, delimiter=";")
                for row in cur:
                    w.writerow(row)
                    rows += 1
        size = os.path.getsize(out.name)
    conn.close()
    return time.perf_counter() - started, _cpu() - c, rows, size


def job_export(url: str, fmt: str) -> tuple[float, float, int, int, str]:
    """The report job end to end: enqueue, run with the job runner, store; the stored file's size."""
    from casework import storage
    from casework.accounts.exports import filter_params
    from casework.accounts.queries import AccountFilter
    from casework.auth.services import create_user
    from casework.extensions import db
    from casework.jobs.exports import AREA, enqueue_export
    from casework.jobs.models import JobRun
    from casework.jobs.services import execute

    app = _app(url)
    with app.app_context():
        user = create_user(f"bench_{uuid.uuid4().hex[:6]}", "Bench collector", "collector", "Bench-pass-123456")
        db.session.commit()
        c, started = _cpu(), time.perf_counter()
        run = enqueue_export("accounts", filter_params(AccountFilter()), fmt,
                             ["collector", "lawyer", "manager", "admin"], user, filename=f"accounts.{fmt}")
        db.session.commit()
        state = execute(run.id)
        elapsed, cpu = time.perf_counter() - started, _cpu() - c
        run = db.session.get(JobRun, run.id)
        if state != "done":
            raise SystemExit(f"the job ended {state}: {run.error}")
        with storage.open(AREA, run.checkpoint["file"]) as fh:
            size = fh.size
        rows = run.checkpoint["rows"]
        db.session.remove()
        db.engine.dispose()
    return elapsed, cpu, rows, size, state


def bench(url: str, label: str, fmt: str) -> None:
    t, cpu, rows, size = bare_dump(url, fmt)
    how = "openpyxl write-only" if fmt == "xlsx" else "csv.writer"
    print(f"{label}: bare {fmt} dump (raw driver + {how})  {t:6.1f} s (cpu {cpu:5.1f} s)  "
          f"{rows:,} rows, {size / 1e6:.1f} MB; {_load()}", flush=True)
    t2, cpu2, rows2, size2, _state = job_export(url, fmt)
    print(f"{label}: accounts {fmt} through the report job          {t2:6.1f} s (cpu {cpu2:5.1f} s)  "
          f"{rows2:,} rows, {size2 / 1e6:.1f} MB; ×{t2 / t:.2f} the bare dump; {_load()}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--db", default=None, help="SQLite file (default: /tmp/bench_exports_<N>x<M>.sqlite3)")
    ap.add_argument("--reuse", action="store_true", help="reuse the SQLite file if it exists")
    ap.add_argument("--pg", default=None, help="PostgreSQL server URL (a fresh database is created and dropped)")
    ap.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL (with --pg)")
    ap.add_argument("--csv", action="store_true", help="also the CSV export")
    args = ap.parse_args()
    os.environ.setdefault("CASEWORK_INSTANCE_PATH", f"/tmp/cwi-bench-exports-{os.getpid()}")
    formats = ["xlsx"] + (["csv"] if args.csv else [])
    from bench.dataset import build_dataset

    if not args.no_sqlite:
        path = Path(args.db or f"/tmp/bench_exports_{args.accounts}x{args.months}.sqlite3")
        url = f"sqlite:///{path}"
        if not (args.reuse and path.exists()):
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            stats = build_dataset(url, args.accounts, args.months, log=lambda m: print(m, file=sys.stderr))
            print(f"dataset: {stats.accounts:,} accounts × {stats.months} months, {stats.ledger_rows:,} ledger rows "
                  f"(built in {stats.seconds:.0f} s)")
        for fmt in formats:
            bench(url, "SQLite", fmt)
    if args.pg:
        import psycopg

        name = f"casework_bench_exports_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = args.pg.rsplit("/", 1)[0]
        pg_url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")
        try:
            build_dataset(pg_url, args.accounts, args.months, log=lambda m: print(m, file=sys.stderr))
            for fmt in formats:
                bench(pg_url, "PostgreSQL", fmt)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
