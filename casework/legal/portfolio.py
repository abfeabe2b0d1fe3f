"""Portfolio run: penalty and limitation for every account with debt as of a date, stored in `portfolio_results`.

The ledger is read set-based: one query per chunk of accounts, ordered by account, streamed (server-side cursor on
PostgreSQL, `yield_per` batches); every account goes through the same `services.calculate()` as the account page;
the results are written in bulk (Core executemany). With `workers > 1` the chunks run in a process pool (fork), each
worker on its own database connection; the parent writes the results.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable, Sequence

from sqlalchemy import create_engine, delete, insert, select
from sqlalchemy.engine import Connection

from ..domain.errors import DomainError
from ..domain.policy import LimitationPolicy, PenaltyPolicy
from ..extensions import db
from ..timeutil import utcnow
from ..transaction import unit_of_work
from .adapter import (  # noqa: F401
    acknowledgments_by_account,
    contract_due_day,
    inputs_from_kopecks,
    ledger_kopecks,
    limitation_events_by_account,
    limitation_policy,
    penalty_policy,
)
from .models import PortfolioResult, PortfolioRun
from .services import Reference, calculate, current_reference

CHUNK_ACCOUNTS = 5000
STREAM_BATCH = 10000


@dataclass(frozen=True)
class _Job:
    url: str
    engine_options: dict
    as_of: date
    ref: Reference
    pen: PenaltyPolicy
    lim: LimitationPolicy
    contract_day: int | None
    capital_ids: tuple[int, ...]
    events: dict  # account_id -> [domain LimitationEvent]
    only: frozenset | None  # explicit account ids, or None for all


_JOB: _Job | None = None  # set before the pool forks; workers read it


def _ledger_sql(capital_ids: Sequence[int], pg: bool) -> str:
    """One ordered statement per chunk of accounts, in the driver's own paramstyle: the month's openings, charges
    and recalculations summed by the database (one row per account × month instead of one per service and kind),
    the payments row by row — ordered by account only (`ledger_kopecks` sorts within an account)."""
    skip = f" AND service_id NOT IN ({', '.join(str(int(i)) for i in capital_ids)})" if capital_ids else ""
    ph = "%s" if pg else "?"
    total = "CAST(SUM(amount_kop) AS BIGINT)" if pg else "SUM(amount_kop)"
    return (f"SELECT account_id, 0 AS k, period AS d, {total} AS amount_kop, NULL AS paid_period, 0 AS id, "
            f"NULL AS reverses_id FROM ledger_entries WHERE account_id >= {ph} AND account_id <= {ph} "
            f"AND kind <> 'payment'{skip} GROUP BY account_id, period "
            f"UNION ALL SELECT account_id, 1, paid_on, amount_kop, paid_period, id, reverses_id FROM ledger_entries "
            f"WHERE account_id >= {ph} AND account_id <= {ph} AND kind = 'payment'{skip} "
            f"ORDER BY 1")


def compute_chunk(conn: Connection, job: _Job, lo: int, hi: int) -> tuple[int, list[dict]]:
    """Stream the ledger of accounts lo..hi (one ordered query on the raw driver) and compute each account;
    return (scanned, rows)."""
    pg = conn.dialect.name == "postgresql"
    raw = conn.connection.driver_connection
    if pg:
        cur = raw.cursor(name=f"portfolio_{lo}_{hi}")  # server-side: the chunk is not held in memory at once
        cur.itersize = STREAM_BATCH
    else:
        cur = raw.cursor()
    cur.execute(_ledger_sql(job.capital_ids, pg), (lo, hi, lo, hi))
    out: list[dict] = []
    scanned = 0
    only = job.only
    dates: dict = {}

    def conv(v):  # SQLite gives ISO strings, PostgreSQL dates; each distinct value is converted once
        d = dates[v] = v if isinstance(v, date) else date.fromisoformat(v)
        return d

    dget = dates.get
    current = None
    entries: list[tuple] = []
    append = entries.append
    try:
        while True:
            part = cur.fetchmany(STREAM_BATCH)
            if not part:
                break
            for acc, k, d, amount, paid_period, eid, rev in part:
                if acc != current:
                    if current is not None and (only is None or current in only):
                        scanned += 1
                        row = _account_row(current, entries, job)
                        if row is not None:
                            out.append(row)
                    current = acc
                    entries = []
                    append = entries.append
                if k:
                    append(("payment", None, amount, dget(d) or conv(d),
                            None if paid_period is None else (dget(paid_period) or conv(paid_period)), eid, rev))
                else:
                    append(("charge", dget(d) or conv(d), amount, None, None, None, None))
    finally:
        cur.close()
    if current is not None and (only is None or current in only):
        scanned += 1
        row = _account_row(current, entries, job)
        if row is not None:
            out.append(row)
    return scanned, out


def _account_row(acc_id: int, entries: list[tuple], job: _Job) -> dict | None:
    try:
        charges_kop, pays = ledger_kopecks(entries, job.as_of)
        if not charges_kop:
            return None
        # "with debt" = charges of the months up to as_of exceed the payments up to as_of (the ledger balance);
        # an account in credit or at zero gets no row and costs no penalty run (tested in integers, before any
        # Charge/Payment object is made)
        if sum(c[1] for c in charges_kop) <= sum(p[2] for p in pays):
            return None
        charges, payments = inputs_from_kopecks(charges_kop, pays, contract_day=job.contract_day,
                                                due15_from=job.pen.due15_from)
        calc = calculate(acc_id, charges, payments, job.events.get(acc_id, []), job.as_of, job.ref, job.pen,
                         job.lim)
        debt = calc.debt_kop
        if debt <= 0:
            return None
        return {"account_id": acc_id, "debt_kop": debt, "penalty_kop": calc.penalty_kop,
                "time_barred_kop": calc.time_barred_kop, "claimable_kop": calc.claimable_kop,
                "next_bar_date": calc.next_bar_date, "error": (calc.penalty_error or None) and
                calc.penalty_error[:300]}
    except DomainError as exc:
        return {"account_id": acc_id, "debt_kop": 0, "penalty_kop": None, "time_barred_kop": 0,
                "claimable_kop": 0, "next_bar_date": None, "error": str(exc)[:300]}


def _worker_chunk(bounds: tuple[int, int]) -> tuple[int, list[dict]]:
    job = _JOB
    assert job is not None
    engine = _worker_engine(job)
    with engine.connect() as conn:
        return compute_chunk(conn, job, *bounds)


_ENGINE = None


def _worker_engine(job: _Job):
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = create_engine(job.url, **job.engine_options)
    return _ENGINE


def _chunks(ids: Sequence[int], size: int) -> list[tuple[int, int]]:
    return [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]


def run_portfolio(as_of: date, account_ids: Sequence[int] | None = None, *, workers: int = 1,
                  progress: Callable[[int], None] | None = None, user_id: int | None = None,
                  chunk_accounts: int = CHUNK_ACCOUNTS) -> PortfolioRun:
    """Compute penalty and limitation for every account with debt as of `as_of` (or the given accounts) and
    replace their rows in portfolio_results; accounts without debt lose their row. The caller commits."""
    from ..accounts.models import Account, Service

    started = time.perf_counter()
    run = PortfolioRun(as_of=as_of, workers=max(1, workers), user_id=user_id,
                       scope=None if account_ids is None else ",".join(str(i) for i in sorted(account_ids))[:5000])
    db.session.add(run)
    db.session.flush()
    if account_ids is None:
        ids = list(db.session.scalars(select(Account.id).order_by(Account.id)))
        only = None
    else:
        ids = sorted(set(int(i) for i in account_ids))
        only = frozenset(ids)
    events = limitation_events_by_account(ids, all_accounts=only is None)
    job = _Job(url=db.engine.url.render_as_string(hide_password=False),
               engine_options={}, as_of=as_of, ref=current_reference(), pen=penalty_policy(),
               lim=limitation_policy(), contract_day=contract_due_day(),
               capital_ids=tuple(db.session.scalars(select(Service.id).where(Service.is_capital_repair.is_(True)))),
               events=events, only=only)
    bounds = _chunks(ids, chunk_accounts)
    rows: list[dict] = []
    scanned = 0
    if workers > 1 and len(bounds) > 1:
        global _JOB
        _JOB = job
        # the workers read the (committed) ledger on their own connections; the run row stays in our transaction
        ctx = mp.get_context("fork")
        with ctx.Pool(workers) as pool:
            for n, chunk_rows in pool.imap_unordered(_worker_chunk, bounds):
                scanned += n
                rows.extend(chunk_rows)
                if progress:
                    progress(n)
        _JOB = None
    else:
        conn = db.session.connection()
        for lo, hi in bounds:
            n, chunk_rows = compute_chunk(conn, job, lo, hi)
            scanned += n
            rows.extend(chunk_rows)
            if progress:
                progress(n)
    _store(run, rows, only)
    run.accounts_scanned = scanned
    run.accounts_with_debt = len(rows)
    run.errors = sum(1 for r in rows if r["error"] and r["penalty_kop"] is None)
    run.penalty_kop = sum(r["penalty_kop"] or 0 for r in rows)
    run.time_barred_kop = sum(r["time_barred_kop"] for r in rows)
    run.claimable_kop = sum(r["claimable_kop"] for r in rows)
    run.finished_at = utcnow()
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    db.session.flush()
    from ..audit.services import record_event

    record_event("portfolio_run", "portfolio_runs", run.id, {
        "as_of": as_of.isoformat(), "accounts_with_debt": run.accounts_with_debt, "duration_ms": run.duration_ms})
    return run


def _store(run: PortfolioRun, rows: list[dict], only: frozenset | None) -> None:
    """Replace the stored rows: all of them for a full run, the given accounts' for a limited one (Core, bulk)."""
    table = PortfolioResult.__table__
    conn = db.session.connection()
    if only is None:
        conn.execute(delete(table))
    else:
        ids = sorted(only)
        for i in range(0, len(ids), 5000):
            conn.execute(delete(table).where(table.c.account_id.in_(ids[i:i + 5000])))
    now = utcnow()
    for r in rows:
        r["run_id"] = run.id
        r["as_of"] = run.as_of
        r["computed_at"] = now
    for i in range(0, len(rows), 5000):
        conn.execute(insert(table), rows[i:i + 5000])


def latest_run() -> PortfolioRun | None:
    """The newest finished portfolio run."""
    return db.session.scalar(select(PortfolioRun).where(PortfolioRun.finished_at.is_not(None))
                             .order_by(PortfolioRun.id.desc()).limit(1))


__all__ = ["run_portfolio", "latest_run", "compute_chunk"]


def run_job(job_run, progress) -> str:
    """casework.jobs handler «portfolio»: the full portfolio run, chunk by chunk (CHUNK_ACCOUNTS accounts).

    Each chunk replaces its accounts' rows in portfolio_results and commits them with the checkpoint (the portfolio
    run's id and the last account id done), so a killed worker resumes after the last committed chunk; at the end
    the rows of accounts no longer with debt (rows of an older run) are removed and the totals are summed."""
    from sqlalchemy import func

    from ..accounts.models import Account, Service
    from ..audit.services import record_event

    started = time.perf_counter()
    cp = dict(job_run.checkpoint or {})
    as_of = date.fromisoformat((job_run.payload or {})["as_of"])
    run = db.session.get(PortfolioRun, cp["portfolio_run_id"]) if cp.get("portfolio_run_id") else None
    if run is None:
        run = PortfolioRun(as_of=as_of, workers=1, user_id=job_run.created_by_id)
        db.session.add(run)
        db.session.flush()
        cp = {"portfolio_run_id": run.id, "last_account_id": 0, "scanned": 0}
    after = int(cp.get("last_account_id") or 0)
    ids = list(db.session.scalars(select(Account.id).order_by(Account.id)))
    todo = [i for i in ids if i > after]
    total = len(ids)
    done = total - len(todo)
    events = limitation_events_by_account(todo, all_accounts=True)
    job = _Job(url="", engine_options={}, as_of=as_of, ref=current_reference(), pen=penalty_policy(),
               lim=limitation_policy(), contract_day=contract_due_day(),
               capital_ids=tuple(db.session.scalars(select(Service.id).where(Service.is_capital_repair.is_(True)))),
               events=events, only=None)
    table = PortfolioResult.__table__
    scanned = int(cp.get("scanned") or 0)
    progress.update(done, total, cp)
    from flask import current_app

    for lo, hi in _chunks(todo, int(current_app.config.get("PORTFOLIO_JOB_CHUNK") or CHUNK_ACCOUNTS)):
        conn = db.session.connection()
        n, rows = compute_chunk(conn, job, lo, hi)
        conn.execute(delete(table).where(table.c.account_id.between(lo, hi)))
        now = utcnow()
        for r in rows:
            r.update(run_id=run.id, as_of=as_of, computed_at=now)
        for i in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[i:i + 5000])
        scanned += n
        done = sum(1 for i in ids if i <= hi)
        cp = {"portfolio_run_id": run.id, "last_account_id": hi, "scanned": scanned}
        progress.update(done, total, cp)  # the chunk's rows and the checkpoint, one commit
    with unit_of_work():  # the last sweep and the run's totals, one commit
        conn = db.session.connection()
        conn.execute(delete(table).where(table.c.run_id != run.id))  # accounts without debt now lose their row
        sums = db.session.execute(select(
            func.count(), func.coalesce(func.sum(table.c.penalty_kop), 0), func.coalesce(func.sum(table.c.time_barred_kop), 0),
            func.coalesce(func.sum(table.c.claimable_kop), 0),
            func.count().filter(table.c.error.is_not(None), table.c.penalty_kop.is_(None)))
            .where(table.c.run_id == run.id)).one()
        run = db.session.get(PortfolioRun, run.id)
        run.accounts_scanned = scanned
        run.accounts_with_debt, run.penalty_kop, run.time_barred_kop, run.claimable_kop, run.errors = sums
        run.finished_at = utcnow()
        run.duration_ms = run.duration_ms + int((time.perf_counter() - started) * 1000)
        record_event("portfolio_run", "portfolio_runs", run.id, {
            "as_of": as_of.isoformat(), "accounts_with_debt": run.accounts_with_debt, "duration_ms": run.duration_ms})
    return f"{run.accounts_with_debt} accounts with debt"
