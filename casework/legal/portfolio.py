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
from ..domain.limitation import LimitationEvent
from ..domain.policy import LimitationPolicy, PenaltyPolicy
from ..extensions import db
from ..timeutil import utcnow
from .models import PortfolioResult, PortfolioRun
from .services import Reference, calculate, contract_due_day, court_events_by_account, current_reference, \
    ledger_inputs, limitation_policy, penalty_policy

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
    events: dict  # account_id -> [LimitationEvent]
    only: frozenset | None  # explicit account ids, or None for all


_JOB: _Job | None = None  # set before the pool forks; workers read it


def _ledger_sql(capital_ids: Sequence[int]) -> str:
    skip = f" AND service_id NOT IN ({', '.join(str(int(i)) for i in capital_ids)})" if capital_ids else ""
    return ("SELECT account_id, kind, period, amount_kop, paid_on, paid_period, id, reverses_id "
            f"FROM ledger_entries WHERE account_id >= :lo AND account_id <= :hi{skip} ORDER BY account_id")


def compute_chunk(conn: Connection, job: _Job, lo: int, hi: int) -> tuple[int, list[dict]]:
    """Stream the ledger of accounts lo..hi (one ordered query) and compute each account; return (scanned, rows)."""
    from sqlalchemy import text

    # per-statement options: Connection.execution_options() would switch the whole connection to server-side cursors
    result = conn.execute(text(_ledger_sql(job.capital_ids)), {"lo": lo, "hi": hi},
                          execution_options={"stream_results": True, "yield_per": STREAM_BATCH})
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
    for acc, kind, period, amount, paid_on, paid_period, eid, rev in _rows(result):
        if acc != current:
            if current is not None and (only is None or current in only):
                scanned += 1
                row = _account_row(current, entries, job)
                if row is not None:
                    out.append(row)
            current = acc
            entries = []
            append = entries.append
        if kind == "payment":
            append((kind, None, amount, None if paid_on is None else (dget(paid_on) or conv(paid_on)),
                    None if paid_period is None else (dget(paid_period) or conv(paid_period)), eid, rev))
        else:
            append((kind, dget(period) or conv(period), amount, None, None, eid, rev))
    if current is not None and (only is None or current in only):
        scanned += 1
        row = _account_row(current, entries, job)
        if row is not None:
            out.append(row)
    result.close()
    return scanned, out


def _rows(result):
    for part in result.partitions(STREAM_BATCH):
        yield from part


def _account_row(acc_id: int, entries: list[tuple], job: _Job) -> dict | None:
    try:
        charges, payments = ledger_inputs(entries, job.as_of, contract_day=job.contract_day,
                                          due15_from=job.pen.due15_from)
        if not charges:
            return None
        # "with debt" = charges of the months up to as_of exceed the payments up to as_of (the ledger balance);
        # an account in credit or at zero gets no row and costs no penalty run
        if sum(c.amount for c in charges) <= sum(p.amount for p in payments):
            return None
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


def acknowledgments_by_account(account_ids: Sequence[int]) -> dict[int, list[LimitationEvent]]:
    """Acknowledgments for many accounts: the contacts area's bulk reader when it has one, else one query over
    the signed, non-void payment agreements (the same rule as contacts.queries.acknowledgments_for)."""
    try:
        from ..contacts import queries as cq
    except ImportError:
        return {}
    from .services import _ack_event

    bulk = getattr(cq, "acknowledgments_by_account", None)
    if bulk is not None:
        raw = bulk(list(account_ids))
    else:
        try:
            from ..contacts.models import PaymentAgreement as pa
        except ImportError:
            pa = None
        if pa is not None and all(hasattr(pa, a) for a in ("account_id", "signed_on", "is_void")):
            raw = {}
            wanted = set(account_ids)
            for acc, signed in db.session.execute(select(pa.account_id, pa.signed_on).where(
                    pa.signed_on.is_not(None), pa.is_void.is_(False)).order_by(pa.account_id, pa.signed_on)):
                if acc in wanted:
                    raw.setdefault(acc, []).append(signed)
        elif hasattr(cq, "acknowledgments_for"):
            raw = {a: cq.acknowledgments_for(a) for a in account_ids}
        else:
            return {}
    out = {}
    for acc, items in (raw or {}).items():
        events = [e for e in (_ack_event(i) for i in items or ()) if e is not None]
        if events:
            out[acc] = events
    return out


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
    events = court_events_by_account(None if only is None else ids)
    for acc, evs in acknowledgments_by_account(ids).items():
        events.setdefault(acc, []).extend(evs)
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
