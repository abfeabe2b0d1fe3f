"""Enqueue, run, resume and cancel long jobs; the one runner both backends call.

A job is a `JobRun` row plus a handler registered for its kind. The handler works in chunks and commits each chunk
together with its checkpoint (`Progress.update`), so a run killed at any moment resumes from the last committed
chunk: nothing it committed is done again, nothing it did not commit is kept. Enqueueing writes the row — and on
PostgreSQL the procrastinate job — in the caller's transaction (`casework.jobs.queue.defer_sql`): the job exists
exactly when the work it describes was committed.
"""
from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app
from sqlalchemy import select, text, update

from ..extensions import db
from ..timeutil import utcnow
from ..transaction import commit_now, unit_of_work
from .models import FINAL_STATES, JobRun

log = logging.getLogger(__name__)

# PostgreSQL advisory lock namespace of running jobs: (JOB_LOCK_CLASS, job id) is held by the process running it
JOB_LOCK_CLASS = 0x6A6F6273  # "jobs"

# kind → "module:function"; the function takes (run: JobRun, progress: Progress) and returns a message
HANDLERS: dict[str, str] = {
    "documents.bulk": "casework.documents.bulk:run_job",
    "imports.commit": "casework.imports.jobs:run_job",
    "figures.refresh": "casework.accounts.jobs:run_job",
    "daily": "casework.cases.jobs:run_job",
    "portfolio": "casework.legal.portfolio:run_job",
    "export": "casework.jobs.exports:run_job",
}

# the periodic daily job's body (the procrastinate task of queue.py; the job queue sits below the areas it runs, so it
# names their functions here instead of importing them)
DAILY = "casework.cases.jobs:run_daily_once"

# kind → "module:function(run)" called when a job is cancelled before it started
CANCEL_HOOKS: dict[str, str] = {"documents.bulk": "casework.documents.bulk:cancel_queued"}

_running_here: set[int] = set()  # inline backend: the runs this process is executing
_running_lock = threading.Lock()


class JobCancelled(Exception):
    """Raised by `Progress.update` when a user asked to cancel the job; the runner marks it cancelled."""


def backend() -> str:
    return current_app.config.get("JOBS_BACKEND") or "inline"


@dataclass
class Progress:
    """What a handler reports after each chunk: done of total and its checkpoint, in the chunk's own transaction."""

    run_id: int

    def update(self, done: int, total: int | None = None, checkpoint: dict | None = None, *,
               commit: bool = True) -> None:
        """Record progress (with the checkpoint) and commit it with the chunk; raise JobCancelled when asked to stop."""
        values = {"done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["total"] = total
        if checkpoint is not None:
            values["checkpoint"] = checkpoint
        db.session.execute(update(JobRun).where(JobRun.id == self.run_id).values(**values)
                           .execution_options(synchronize_session=False))
        if commit:  # with commit=False the caller commits, then checks `cancel_requested` itself
            commit_now()  # the handler's chunk and its checkpoint together
            if self.cancel_requested():
                raise JobCancelled()

    def cancel_requested(self) -> bool:
        return bool(db.session.scalar(select(JobRun.cancel_requested).where(JobRun.id == self.run_id)))


def enqueue(kind: str, payload: dict | None = None, *, subject: str | None = None, user=None,
            total: int = 0) -> JobRun:
    """Create the job run and queue it in the caller's transaction (the caller commits, then calls `start`)."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    run = JobRun(kind=kind, state="queued", subject=subject, payload=payload or {}, total=total,
                 created_by_id=getattr(user, "id", None))
    db.session.add(run)
    db.session.flush()
    if backend() == "procrastinate":
        from .queue import defer_sql

        run.queue_job_id = defer_sql(db.session.connection(), run.id)
        db.session.flush()
    return run


def start(run_id: int, app: Flask | None = None) -> None:
    """After the commit: the inline backend runs the job (in a thread, or at once when JOBS_INLINE_THREAD is off);
    with procrastinate a worker has it already."""
    if backend() != "inline":
        return
    app = app or current_app._get_current_object()
    if not app.config.get("JOBS_INLINE_THREAD", True):
        execute(run_id)
        return

    def work():
        with app.app_context():
            try:
                execute(run_id)
            finally:
                db.session.remove()

    threading.Thread(target=work, name=f"job-{run_id}", daemon=True).start()


class _Claim:
    """Exclusive right to run one job: a PostgreSQL session advisory lock on a connection of its own (released by
    the server if the process dies), or, on SQLite, this process's set of running ids."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.conn = None

    def acquire(self) -> bool:
        if db.engine.dialect.name == "postgresql":
            self.conn = db.engine.connect()
            got = self.conn.execute(text("SELECT pg_try_advisory_lock(:c, :o)"),
                                    {"c": JOB_LOCK_CLASS, "o": self.run_id}).scalar()
            self.conn.commit()
            if not got:
                self.conn.close()
                self.conn = None
            return bool(got)
        with _running_lock:
            if self.run_id in _running_here:
                return False
            _running_here.add(self.run_id)
            return True

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:c, :o)"), {"c": JOB_LOCK_CLASS, "o": self.run_id})
                self.conn.commit()
            finally:
                self.conn.close()
        else:
            with _running_lock:
                _running_here.discard(self.run_id)


def handler_for(kind: str) -> Callable:
    return resolve(HANDLERS[kind])


def resolve(name: str) -> Callable:
    """The function named "module:function" (the areas' job handlers, registered above by name)."""
    module, func = name.split(":")
    return getattr(importlib.import_module(module), func)


def execute(run_id: int) -> str | None:
    """Run (or resume) a job once: a job already finished, or running in another process, is left alone."""
    claim = _Claim(run_id)
    if not claim.acquire():
        log.info("job %s is running elsewhere", run_id)
        return None
    try:
        db.session.expire_all()
        run = db.session.get(JobRun, run_id)
        if run is None or run.state in FINAL_STATES:
            return run.state if run else None
        if run.cancel_requested:
            _finish(run_id, "cancelled", message=run.message)
            return "cancelled"
        now = utcnow()
        run.state, run.attempts, run.heartbeat_at = "running", (run.attempts or 0) + 1, now
        run.started_at = run.started_at or now
        commit_now()  # the run is seen running before its handler starts
        try:
            message = handler_for(run.kind)(run, Progress(run_id))
        except JobCancelled:
            db.session.rollback()
            _finish(run_id, "cancelled", message=_cancel_message(run_id))
            return "cancelled"
        except Exception as exc:  # noqa: BLE001 - the job's failure is recorded on its row and logged
            db.session.rollback()
            log.exception("job %s (%s) failed", run_id, run.kind)
            _finish(run_id, "failed", error=f"{type(exc).__name__}: {exc}"[:4000])
            return "failed"
        _finish(run_id, "done", message=message)
        return "done"
    finally:
        claim.release()


def _cancel_message(run_id: int) -> str | None:
    return db.session.scalar(select(JobRun.message).where(JobRun.id == run_id))


def _finish(run_id: int, state: str, message: str | None = None, error: str | None = None) -> None:
    values = {"state": state, "finished_at": utcnow(), "heartbeat_at": utcnow()}
    if message is not None:
        values["message"] = str(message)[:4000]
    if error is not None:
        values["error"] = error
    with unit_of_work():
        db.session.execute(update(JobRun).where(JobRun.id == run_id).values(**values)
                           .execution_options(synchronize_session=False))


def request_cancel(run: JobRun) -> bool:
    """Ask a job to stop after its current chunk (work committed so far is kept); a queued job never starts.
    The caller commits."""
    if run.state in FINAL_STATES:
        return False
    run.cancel_requested = True
    if run.state == "queued":
        run.state, run.finished_at = "cancelled", utcnow()
        hook = CANCEL_HOOKS.get(run.kind)
        if hook:  # the record the job would have worked on says so too
            module, func = hook.split(":")
            getattr(importlib.import_module(module), func)(run)
    db.session.flush()
    return True


def stale_runs(now=None) -> list[int]:
    """Runs left «running» by a process that died: on PostgreSQL their advisory lock is free; on SQLite their
    heartbeat is older than JOBS_STALE_SECONDS and this process is not running them."""
    ids = list(db.session.scalars(select(JobRun.id).where(JobRun.state == "running")))
    if not ids:
        return []
    if db.engine.dialect.name == "postgresql":
        out = []
        with db.engine.connect() as conn:
            for rid in ids:
                if conn.execute(text("SELECT pg_try_advisory_lock(:c, :o)"), {"c": JOB_LOCK_CLASS, "o": rid}).scalar():
                    conn.execute(text("SELECT pg_advisory_unlock(:c, :o)"), {"c": JOB_LOCK_CLASS, "o": rid})
                    out.append(rid)
            conn.commit()
        return out
    from datetime import timedelta

    limit = (now or utcnow()) - timedelta(seconds=int(current_app.config.get("JOBS_STALE_SECONDS", 120)))
    with _running_lock:
        here = set(_running_here)
    return [rid for rid, beat in db.session.execute(select(JobRun.id, JobRun.heartbeat_at).where(JobRun.id.in_(ids)))
            if rid not in here and (beat is None or beat < limit)]


def resume_inline(app: Flask | None = None) -> list[int]:
    """Inline backend: start again the runs a stopped process left behind (stale «running» ones and queued ones
    that no process is running)."""
    ids = stale_runs()
    with _running_lock:
        here = set(_running_here)
    ids += [rid for rid in db.session.scalars(select(JobRun.id).where(JobRun.state == "queued")) if rid not in here]
    db.session.rollback()
    for rid in ids:
        start(rid, app)
    return ids
