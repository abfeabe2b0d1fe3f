"""Jobs survive a killed worker: a real worker process is killed with SIGKILL in the middle of a 200-letter bulk batch
and of a ledger import, a new one is started, and each job finishes exactly once — gap-free numbers, no letter
issued twice, no ledger row written twice. Two `casework daily` at once open each case once.

On PostgreSQL the worker is the real `casework worker` (procrastinate; the dead worker's job is found by its stopped
heartbeat and retried). On SQLite (jobs run in-process there) the runner killed and restarted is
`casework jobs resume`, the same runner with the same resume rules.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text

from casework.accounts.models import Account, LedgerEntry
from casework.cases.models import Case
from casework.documents import bulk
from casework.documents.models import Document, DocumentBatch
from casework.extensions import db
from casework.imports import services as imports
from casework.imports import uploads
from casework.imports.models import ImportBatch
from casework.jobs.models import JobRun

LETTERS = 200


def _env(database_url: str, instance: Path, **extra) -> dict:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url
    env["CASEWORK_INSTANCE_PATH"] = str(instance)
    env["CASEWORK_DOCUMENTS_DIR"] = str(instance / "documents")
    env["CASEWORK_IMPORTS_DIR"] = str(instance / "imports")
    env["CASEWORK_JOBS_WORKER_STALLED_SECONDS"] = "3"
    env["CASEWORK_JOBS_STALE_SECONDS"] = "0"
    env.pop("CASEWORK_PRODUCTION", None)
    env.update(extra)
    return env


def _runner(is_postgres: bool) -> list[str]:
    cmd = ["worker", "--concurrency", "1"] if is_postgres else ["jobs", "resume"]
    return [sys.executable, "-c", "from casework.cli import main; main()", *cmd]


def _start(is_postgres, env):
    return subprocess.Popen(_runner(is_postgres), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)


def _kill(proc) -> None:
    assert proc.poll() is None, "the runner stopped before it could be killed: " + (proc.stderr.read() or "")[-2000:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def _stop(proc) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr and not proc.stderr.closed:
        proc.stderr.close()


def _wait_dead_backends(is_postgres: bool) -> None:
    """PostgreSQL rolls back a killed client's transaction once it notices the closed socket."""
    if not is_postgres:
        return
    deadline = time.monotonic() + 30
    with db.engine.connect() as conn:
        while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND pid <> pg_backend_pid() AND state NOT IN ('idle')")).scalar() and \
                time.monotonic() < deadline:
            time.sleep(0.1)


def _wait_until(predicate, seconds: float, proc=None, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the runner exited ({what}): {(proc.stderr.read() or '')[-3000:]}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting: {what}")


def _accounts_and_ledger(n: int, months: int) -> tuple[bytes, bytes]:
    acc = ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности;Телефон;Площадь"]
    led = ["ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа"]
    for i in range(n):
        acc.append(f"J{i:06d};Население;Должник {i};г. Ленск, ул. Мира, д. {i % 40 + 1};г. Ленск;{i};собственник;;50")
        for m in range(months):
            led.append(f"J{i:06d};2025-{m + 1:02d};heating;начисление;{3000 + i % 700},00;;;")
    return ("\n".join(acc) + "\n").encode(), ("\n".join(led) + "\n").encode()


def test_bulk_batch_killed_in_the_middle_finishes_exactly_once(queued, is_postgres, database_url, instance_dir):
    accounts, ledger = _accounts_and_ledger(LETTERS, 6)
    for kind, data in (("accounts", accounts), ("ledger", ledger)):
        assert imports.commit_import(kind, data, f"{kind}.csv", None, via="cli").status == "committed"
    db.session.commit()
    ids = list(db.session.scalars(select(Account.id).order_by(Account.id)))
    assert len(ids) == LETTERS
    batch = bulk.create_batch("notice_debt", ids, "zip", "all")
    run = bulk.enqueue_batch(batch, ids, {})  # the job, in the batch's transaction
    db.session.commit()
    batch_id, run_id = batch.id, run.id
    env = _env(database_url, instance_dir, CASEWORK_DOCUMENTS_BULK_CHUNK="10")

    first = _start(is_postgres, env)
    try:
        _wait_until(lambda: (db.session.get(DocumentBatch, batch_id).done or 0) >= 40, 120, first, "40 letters")
        _kill(first)
    finally:
        _stop(first)
    _wait_dead_backends(is_postgres)
    db.session.expire_all()
    half = db.session.get(DocumentBatch, batch_id)
    assert 40 <= half.done < LETTERS and half.status == "running"
    issued = db.session.scalar(select(func.count()).select_from(Document).where(Document.batch_id == batch_id))
    assert issued == half.done  # the checkpoint and the letters were committed together

    second = _start(is_postgres, env)
    try:
        _wait_until(lambda: db.session.get(JobRun, run_id).finished, 180, second, "the batch to finish")
    finally:
        _stop(second)
    db.session.expire_all()
    run = db.session.get(JobRun, run_id)
    assert run.state == "done", run.error
    assert run.attempts == 2
    batch = db.session.get(DocumentBatch, batch_id)
    assert batch.status == "done" and batch.done == LETTERS and batch.file_path
    docs = db.session.execute(select(Document.seq, Document.account_id).where(Document.batch_id == batch_id)
                              .order_by(Document.seq)).all()
    seqs = [s for s, _a in docs]
    assert len(docs) == LETTERS  # every account got its letter …
    assert len({a for _s, a in docs}) == LETTERS  # … once
    assert seqs == list(range(seqs[0], seqs[0] + LETTERS))  # gap-free numbers
    assert db.session.scalar(select(func.count()).select_from(Document)) == LETTERS  # no stray letter elsewhere
    from casework.contacts.models import Contact

    # issuing logs no contact (dispatch is logged when the register is issued, issue 14.6): none, even after the kill
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_ledger_import_killed_in_the_middle_is_imported_exactly_once(queued, is_postgres, database_url,
                                                                     instance_dir):
    from casework.imports.jobs import enqueue_import
    from tests.integration.test_import_killed import ACCOUNTS, _accounts_csv, _ledger_file

    assert imports.commit_import("accounts", _accounts_csv(), "accounts.csv", None, via="cli").rows_inserted == ACCOUNTS
    db.session.commit()
    big = instance_dir / "ledger-job.csv"
    total = _ledger_file(big)
    data = big.read_bytes()
    token = uploads.store_upload(data)
    run = enqueue_import(token, "ledger", "ledger.csv", False, None)
    db.session.commit()
    run_id = run.id
    env = _env(database_url, instance_dir)

    first = _start(is_postgres, env)
    try:
        if is_postgres:  # the import reports its rows through a connection of its own while it writes
            _wait_until(lambda: (db.session.get(JobRun, run_id).done or 0) > 0, 120, first, "rows being written")
        else:  # SQLite: the job is running (its heartbeat) and the import's transaction holds the write lock
            _wait_until(lambda: db.session.get(JobRun, run_id).state == "running", 120, first, "running")
            time.sleep(1.0)
        _kill(first)
    finally:
        _stop(first)
    _wait_dead_backends(is_postgres)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    assert db.session.scalars(select(ImportBatch.kind)).all() == ["accounts"]
    assert db.session.get(JobRun, run_id).state == "running"

    second = _start(is_postgres, env)
    try:
        _wait_until(lambda: db.session.get(JobRun, run_id).finished, 600, second, "the import to finish")
    finally:
        _stop(second)
    db.session.expire_all()
    run = db.session.get(JobRun, run_id)
    assert run.state == "done", run.error
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == total
    ledgers = db.session.scalars(select(ImportBatch).where(ImportBatch.kind == "ledger")).all()
    assert len(ledgers) == 1 and ledgers[0].status == "committed" and ledgers[0].rows_inserted == total
    assert run.checkpoint == {"import_batch_id": ledgers[0].id}


def test_two_daily_runs_at_once_open_each_case_once(app, database_url, instance_dir):
    accounts, ledger = _accounts_and_ledger(300, 12)  # 12 × ≥3 000 ₽: above the 5 000 ₽ threshold
    for kind, data in (("accounts", accounts), ("ledger", ledger)):
        assert imports.commit_import(kind, data, f"{kind}.csv", None, via="cli").status == "committed"
    db.session.commit()
    db.session.remove()
    env = _env(database_url, instance_dir)
    cmd = [sys.executable, "-c", "from casework.cli import main; main()", "daily", "--today", "2026-02-10"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _err in outs]
    opened = sum(r.get("cases_opened", 0) for r in results)
    assert opened == 300, results
    per_account = db.session.execute(select(Case.account_id, func.count()).where(Case.is_open.is_(True))
                                     .group_by(Case.account_id)).all()
    assert len(per_account) == 300 and {n for _a, n in per_account} == {1}


def test_the_database_refuses_a_second_open_case(app):
    from sqlalchemy.exc import IntegrityError

    accounts, _ledger = _accounts_and_ledger(1, 1)
    imports.commit_import("accounts", accounts, "a.csv", None, via="cli")
    db.session.commit()
    acc = db.session.scalar(select(Account.id))
    day = date(2026, 1, 1)
    row = {"account_id": acc, "stage": "debt_detected", "stage_since": day, "is_open": True, "opened_on": day,
           "debt_at_open_kop": 1, "version_id": 1}
    db.session.execute(insert(Case.__table__), [row])
    db.session.commit()
    closed = dict(row, is_open=False)
    db.session.execute(insert(Case.__table__), [closed])  # closed cases of the account may be many
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Case.__table__), [row])
        db.session.flush()
    db.session.rollback()


def test_the_workers_run_the_daily_job_once_across_hosts(queued, is_postgres, database_url, instance_dir):
    """Two workers with the daily job scheduled every two seconds: one «daily» run for the day does the work, each
    account gets one case (procrastinate's periodic dedup and queueing lock, the advisory lock, the unique index)."""
    if not is_postgres:
        pytest.skip("the periodic daily job runs on the PostgreSQL worker; SQLite has `casework daily` from cron")
    accounts, ledger = _accounts_and_ledger(50, 12)
    for kind, data in (("accounts", accounts), ("ledger", ledger)):
        assert imports.commit_import(kind, data, f"{kind}.csv", None, via="cli").status == "committed"
    db.session.commit()
    env = _env(database_url, instance_dir, CASEWORK_JOBS_DAILY_CRON="* * * * * */2")
    workers = [_start(True, env) for _ in range(2)]
    try:
        _wait_until(lambda: db.session.scalar(select(func.count()).select_from(JobRun).where(
            JobRun.kind == "daily", JobRun.state == "done")), 120, workers[0], "a daily run")
        time.sleep(5)  # more ticks of the schedule on both workers
    finally:
        for w in workers:
            _stop(w)
    db.session.expire_all()
    runs = db.session.scalars(select(JobRun).where(JobRun.kind == "daily", JobRun.state == "done")).all()
    worked = [r for r in runs if r.checkpoint]  # a run that met another one at its lock skips and records nothing
    assert len(worked) == 1 and len({r.subject for r in runs}) == 1, [(r.subject, r.message) for r in runs]
    per_account = db.session.execute(select(Case.account_id, func.count()).group_by(Case.account_id)).all()
    assert len(per_account) == 50 and {n for _a, n in per_account} == {1}


def test_a_bulk_batch_cancelled_while_running_stops_after_its_chunk(queued, is_postgres, database_url, instance_dir):
    from casework.jobs.services import request_cancel

    accounts, ledger = _accounts_and_ledger(LETTERS, 6)
    for kind, data in (("accounts", accounts), ("ledger", ledger)):
        assert imports.commit_import(kind, data, f"{kind}.csv", None, via="cli").status == "committed"
    db.session.commit()
    ids = list(db.session.scalars(select(Account.id).order_by(Account.id)))
    batch = bulk.create_batch("notice_debt", ids, "zip", "all")
    run = bulk.enqueue_batch(batch, ids, {})
    db.session.commit()
    batch_id, run_id = batch.id, run.id
    proc = _start(is_postgres, _env(database_url, instance_dir, CASEWORK_DOCUMENTS_BULK_CHUNK="10"))
    try:
        _wait_until(lambda: (db.session.get(DocumentBatch, batch_id).done or 0) >= 20, 120, proc, "20 letters")
        assert request_cancel(db.session.get(JobRun, run_id))
        db.session.commit()
        _wait_until(lambda: db.session.get(JobRun, run_id).finished, 120, proc, "the job to stop")
    finally:
        _stop(proc)
    db.session.expire_all()
    run, batch = db.session.get(JobRun, run_id), db.session.get(DocumentBatch, batch_id)
    assert run.state == "cancelled" and batch.status == "cancelled"
    seqs = db.session.scalars(select(Document.seq).where(Document.batch_id == batch_id).order_by(Document.seq)).all()
    assert 20 <= len(seqs) == batch.done < LETTERS  # what was committed stays, nothing after the cancel
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_a_bulk_batch_cancelled_before_it_starts_issues_nothing(queued):
    from casework.jobs.services import execute, request_cancel

    accounts, ledger = _accounts_and_ledger(3, 6)
    for kind, data in (("accounts", accounts), ("ledger", ledger)):
        imports.commit_import(kind, data, f"{kind}.csv", None, via="cli")
    db.session.commit()
    ids = list(db.session.scalars(select(Account.id)))
    batch = bulk.create_batch("notice_debt", ids, "zip", "all")
    run = bulk.enqueue_batch(batch, ids, {})
    db.session.commit()
    assert request_cancel(run)
    db.session.commit()
    assert execute(run.id) == "cancelled"
    db.session.expire_all()
    assert db.session.get(DocumentBatch, batch.id).status == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0
