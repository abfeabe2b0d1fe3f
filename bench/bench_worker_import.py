"""A monthly ledger import end to end through the job queue and a real `casework worker`, next to the same import
run directly in the process (PostgreSQL only).

    python bench/bench_worker_import.py --pg postgresql://postgres@127.0.0.1:5432/postgres [--accounts 100000]

Per run, on a fresh database: the accounts registry is imported directly; then the month's ledger file (one charge
per account and service, a payment on most accounts) is
1. committed directly with `commit_import` (the old web path, in a scratch copy of the database), timed;
2. stored as an upload and queued as an «imports.commit» job (what the confirm button does), with one
   `casework worker` process started; timed from the queueing to the job's `done`, with the worker's pickup
   latency (job started − queued) and the job's own run time (finished − started).
Reported: the three times and rows per second. The worker's start-up (interpreter, app, procrastinate schema check)
is included in the pickup latency, so a worker already running picks up faster.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_import import SERVICES, make_app, scratch_pg  # noqa: E402


def generate(n_accounts: int, n_services: int = 2) -> tuple[bytes, bytes]:
    import random

    rnd = random.Random(7)
    acc = ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт"]
    led = ["ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник"]
    for i in range(n_accounts):
        num = 100000 + i
        acc.append(f"{num};население;Должник {i};ул. Мира, д. {i // 40 + 1}, кв. {i % 40 + 1};г. Ленск")
        for s in SERVICES[:n_services]:
            amt = rnd.randint(50000, 400000)
            led.append(f"{num};2025-06;{s};charge;{amt // 100},{amt % 100:02d};;")
        if rnd.random() < 0.8:
            amt = rnd.randint(50000, 600000)
            led.append(f"{num};2025-06;{SERVICES[0]};payment;{amt // 100},{amt % 100:02d};2025-06-20;bank")
    return ("\n".join(acc) + "\n").encode(), ("\n".join(led) + "\n").encode()


def direct(url: str, instance: str, accounts: bytes, ledger: bytes) -> float:
    from casework.extensions import db
    from casework.imports.services import commit_import

    app = make_app(url, instance)
    with app.app_context():
        commit_import("accounts", accounts, "accounts.csv", None, via="cli")
        db.session.commit()
        t = time.perf_counter()
        batch = commit_import("ledger", ledger, "ledger.csv", None, via="cli")
        db.session.commit()
        elapsed = time.perf_counter() - t
        assert batch.status == "committed", batch.message
        db.session.remove()
        db.engine.dispose()
    return elapsed


def through_worker(url: str, instance: str, accounts: bytes, ledger: bytes) -> dict:
    from casework.extensions import db
    from casework.imports.jobs import enqueue_import
    from casework.imports.services import commit_import
    from casework.imports.uploads import store_upload
    from casework.jobs.models import JobRun
    from casework.jobs.queue import ensure_schema

    app = make_app(url, instance)
    app.config["JOBS_BACKEND"] = "procrastinate"
    with app.app_context():
        with db.engine.begin() as conn:
            ensure_schema(conn)
        commit_import("accounts", accounts, "accounts.csv", None, via="cli")
        db.session.commit()
        token = store_upload(ledger)
        t0 = time.perf_counter()
        run = enqueue_import(token, "ledger", "ledger.csv", False, None)
        db.session.commit()
        run_id = run.id
        env = dict(os.environ, DATABASE_URL=url, CASEWORK_INSTANCE_PATH=instance,
                   CASEWORK_IMPORTS_DIR=instance + "/imports")
        worker = subprocess.Popen([sys.executable, "-c", "from casework.cli import main; main()", "worker"], env=env)
        try:
            while True:
                db.session.rollback()
                run = db.session.get(JobRun, run_id)
                if run.finished:
                    break
                if worker.poll() is not None:
                    raise SystemExit("the worker stopped")
                time.sleep(0.05)
            total = time.perf_counter() - t0
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        assert run.state == "done", run.error
        out = {"end_to_end_s": total, "pickup_s": (run.started_at - run.created_at).total_seconds(),
               "job_s": (run.finished_at - run.started_at).total_seconds(), "rows": run.total}
        db.session.remove()
        db.engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--pg", required=True, help="a PostgreSQL server URL (scratch databases are created there)")
    args = ap.parse_args()
    accounts, ledger = generate(args.accounts)
    rows = ledger.count(b"\n") - 1
    print(f"{args.accounts} accounts, {rows} ledger rows")
    with tempfile.TemporaryDirectory() as inst:
        with scratch_pg(args.pg, "bench_direct") as (url, _bare):
            t = direct(url, inst + "/a", accounts, ledger)
            print(f"direct commit_import: {t:.1f} s ({rows / t:,.0f} rows/s)")
        with scratch_pg(args.pg, "bench_worker") as (url, _bare):
            r = through_worker(url, inst + "/b", accounts, ledger)
            print(f"through the worker: {r['end_to_end_s']:.1f} s end to end ({rows / r['end_to_end_s']:,.0f} rows/s); "
                  f"pickup {r['pickup_s']:.1f} s, job {r['job_s']:.1f} s")


if __name__ == "__main__":
    main()
