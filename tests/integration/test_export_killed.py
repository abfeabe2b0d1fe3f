"""A report job killed in the middle finishes exactly once with one file: a real runner process (`casework worker`
on PostgreSQL, `casework jobs resume` on SQLite) is SIGKILLed while it writes a 30 000-account export, a new one is
started, and the job ends done with one stored file — the whole file, equal to the immediate export's content."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import insert, text

from casework import storage
from casework.accounts.exports import filter_params
from casework.accounts.models import Account
from casework.accounts.queries import AccountFilter
from casework.extensions import db
from casework.jobs.exports import AREA, build, enqueue_export, stored_name, write
from casework.jobs.models import JobRun
from tests.integration.test_jobs_worker import _stop

ACCOUNTS = 30_000


def _runner(is_postgres: bool, env: dict) -> subprocess.Popen:
    cmd = ["worker", "--concurrency", "1"] if is_postgres else ["jobs", "resume"]
    return subprocess.Popen([sys.executable, "-c", "from casework.cli import main; main()", *cmd], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_until(predicate, seconds: float, proc, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError(f"the runner exited ({what}): {(proc.stderr.read() or '')[-3000:]}")
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting: {what}")


def _cells(data: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def test_export_job_killed_in_the_middle_finishes_once_with_one_file(queued, is_postgres, database_url,
                                                                      instance_dir, make_user, monkeypatch):
    reports = instance_dir / f"reports-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(queued.config, "REPORTS_DIR", str(reports))
    db.session.execute(insert(Account), [
        {"number": f"K{i:06d}", "category": "population", "debtor_name": f"Должник {i}",
         "address": f"г. Ленск, ул. Мира, д. {i % 40 + 1}, кв. {i}", "search_text": f"k{i:06d} должник {i}"}
        for i in range(ACCOUNTS)])
    db.session.commit()
    user = make_user("collector")
    params = filter_params(AccountFilter())
    run = enqueue_export("accounts", params, "xlsx", ["collector", "lawyer", "manager", "admin"], user,
                         filename="accounts.xlsx")
    db.session.commit()
    run_id = run.id
    env = dict(os.environ, DATABASE_URL=database_url, CASEWORK_INSTANCE_PATH=str(instance_dir),
               CASEWORK_DOCUMENTS_DIR=str(instance_dir / "documents"), CASEWORK_IMPORTS_DIR=str(instance_dir / "imports"),
               CASEWORK_REPORTS_DIR=str(reports), CASEWORK_EXPORT_JOB_PROGRESS_ROWS="500",
               CASEWORK_JOBS_WORKER_STALLED_SECONDS="3", CASEWORK_JOBS_STALE_SECONDS="0")
    env.pop("CASEWORK_PRODUCTION", None)

    first = _runner(is_postgres, env)
    try:
        _wait_until(lambda: (db.session.get(JobRun, run_id).done or 0) >= 2000, 120, first, "export under way")
        state = db.session.get(JobRun, run_id)
        assert state.state == "running" and state.done < ACCOUNTS, "the export finished before it could be killed"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL
    finally:
        _stop(first)
    assert list(storage.list(AREA)) == []  # nothing half-written is stored: the file is saved once, at the end
    if is_postgres:  # the killed worker's transaction and session lock end when the server notices
        deadline = time.monotonic() + 30
        with db.engine.connect() as conn:
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid() AND state NOT IN ('idle')")).scalar() and \
                    time.monotonic() < deadline:
                time.sleep(0.1)

    second = _runner(is_postgres, env)
    try:
        _wait_until(lambda: db.session.get(JobRun, run_id).state in ("done", "failed", "cancelled"), 180, second,
                    "export finished")
    finally:
        _stop(second)
    db.session.expire_all()
    done = db.session.get(JobRun, run_id)
    assert done.state == "done", done.error
    assert done.attempts == 2
    assert done.done == ACCOUNTS and done.checkpoint["rows"] == ACCOUNTS
    assert list(storage.list(AREA)) == [stored_name(run_id, "xlsx")]  # exactly one file
    got = _cells(storage.read(AREA, stored_name(run_id, "xlsx")))
    assert len(got) == 1 + ACCOUNTS + 1  # header, every account once, the total
    assert len({row[0] for row in got[1:-1]}) == ACCOUNTS
    expected = io.BytesIO()
    write(build("accounts", params, "collector"), "xlsx", expected)
    assert got == _cells(expected.getvalue())
    assert Path(reports, "exports").is_dir()
