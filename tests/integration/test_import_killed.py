"""An import killed half-way (SIGKILL, no chance to clean up) leaves nothing behind; the next run succeeds.

Runs on SQLite and on PostgreSQL: `casework import ledger BIGFILE` in a subprocess against the test database.
"Half-way" is observed, not guessed: the subprocess is the real console entry point with one addition — the
import's own per-chunk hook (`imports.ledger.after_chunk`) prints a line — and on PostgreSQL the test also waits
until the bulk `INSERT INTO ledger_entries` is running in pg_stat_activity. The process is alive when killed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

from casework.accounts.models import AccountMonth, LedgerEntry
from casework.extensions import db
from casework.imports import services
from casework.imports.models import ImportBatch

ACCOUNTS = 1500
MONTHS = 24
SERVICES = ("heating", "hot_water", "cold_water", "sewage")  # 1500 × 24 × 4 = 144,000 ledger rows

RUNNER = ("import sys, casework.imports.ledger as s\n"
          "s.after_chunk = lambda n: print('CHUNK', n, flush=True)\n"
          "from casework.cli import main\n"
          "sys.argv = ['casework', 'import', 'ledger', sys.argv[1]]\n"
          "main()\n")


def _accounts_csv() -> bytes:
    lines = ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности;Телефон;Площадь"]
    for i in range(ACCOUNTS):
        lines.append(f"K{i:06d};Население;Должник {i};г. Ленск, ул. Ленина, д. {i % 90 + 1};г. Ленск;{i};собственник;;50")
    return ("\n".join(lines) + "\n").encode()


def _ledger_file(path: Path) -> int:
    rows = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа\n")
        for i in range(ACCOUNTS):
            for m in range(MONTHS):
                period = f"{2023 + m // 12}-{m % 12 + 1:02d}"
                for svc in SERVICES:
                    fh.write(f"K{i:06d};{period};{svc};начисление;{1000 + i % 700},{m:02d};;;\n")
                    rows += 1
    return rows


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _env(database_url: str, instance: Path) -> dict:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url
    env["CASEWORK_INSTANCE_PATH"] = str(instance)
    env["CASEWORK_IMPORTS_DIR"] = str(instance / "imports")
    env.pop("CASEWORK_PRODUCTION", None)
    return env


def _wait_for_writes_into_the_ledger(proc, seconds: float = 60) -> str | None:
    """PostgreSQL: spin until another backend runs the bulk INSERT into ledger_entries or the figures refresh
    (account_months / account_balances) — i.e. rows are being written into the real tables."""
    import psycopg


    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        deadline = time.monotonic() + seconds
        while proc.poll() is None and time.monotonic() < deadline:
            row = conn.execute(
                "SELECT left(query, 80) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'"
                " AND pid <> pg_backend_pid() AND (query ILIKE 'INSERT INTO ledger_entries%%'"
                " OR query ILIKE '%%account_months%%' OR query ILIKE '%%account_balances%%')").fetchone()
            if row:
                return row[0]
    return None


def test_killed_import_leaves_nothing_and_the_next_run_succeeds(app, database_url, is_postgres, tmp_path):
    batch = services.commit_import("accounts", _accounts_csv(), "accounts.csv", None, via="cli")
    db.session.commit()
    assert batch.status == "committed" and batch.rows_inserted == ACCOUNTS
    months_before = _count(AccountMonth)
    big = tmp_path / "ledger.csv"
    total = _ledger_file(big)
    env = _env(database_url, tmp_path)
    db.session.remove()

    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(big)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # blocks until the first chunk of rows has been written
        assert line.startswith("CHUNK"), (line, proc.stderr.read()[-2000:] if proc.poll() is not None else "")
        if is_postgres:  # rows go to a temporary table first; wait for the move into the real tables
            caught = _wait_for_writes_into_the_ledger(proc)
            assert caught, "never saw the bulk insert running"
        assert proc.poll() is None, "the import finished before it could be killed: make the file bigger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    db.session.remove()
    if is_postgres:  # the killed backend's transaction is rolled back once the server notices the dead client
        deadline = time.monotonic() + 30
        with db.engine.connect() as conn:
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid() AND state <> 'idle'")).scalar() and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
    assert _count(LedgerEntry) == 0
    assert _count(AccountMonth) == months_before
    assert db.session.scalars(select(ImportBatch.kind)).all() == ["accounts"]  # no half-written batch either

    # the next run succeeds and imports every row exactly once
    done = subprocess.run([sys.executable, "-c", RUNNER, str(big)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    db.session.remove()
    assert _count(LedgerEntry) == total
    assert _count(AccountMonth) > months_before
    ledger = db.session.scalar(select(ImportBatch).where(ImportBatch.kind == "ledger"))
    assert ledger.status == "committed" and ledger.rows_inserted == total
