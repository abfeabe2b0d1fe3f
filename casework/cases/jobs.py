"""The daily job once across hosts: a PostgreSQL advisory lock held for the run's transaction (the worker's
periodic task has procrastinate's queueing lock too; `casework daily` from cron takes the same lock), and the
partial unique index on cases(account_id) WHERE is_open as the last word."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import text, update

from ..extensions import db
from ..jobs.models import JobRun
from ..timeutil import today as _today
from ..transaction import unit_of_work

DAILY_LOCK_KEY = 0x6461696C79  # "daily"; the same key as casework.jobs.queue.DAILY_LOCK_KEY


def take_daily_lock() -> bool:
    """PostgreSQL: the transaction-level advisory lock of the daily job (False when another run holds it);
    SQLite: always True (one file, writers serialized; the unique index refuses a second open case)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": DAILY_LOCK_KEY}).scalar())


def run_daily_locked(day: date, user=None) -> dict | None:
    """Run the daily job under its lock in the session's transaction (the caller commits); None when another run
    holds the lock (it does the work)."""
    from .services import run_daily

    if not take_daily_lock():
        return None
    return run_daily(day, user=user)


def run_job(run, progress) -> str:
    """casework.jobs handler «daily»: the daily job for the payload's day (default today), committed with the run's
    checkpoint; a run that finds the lock taken reports it and changes nothing."""
    day = date.fromisoformat(run.payload["day"]) if (run.payload or {}).get("day") else _today()
    with unit_of_work():  # the day's changes and the run's checkpoint together
        counts = run_daily_locked(day)
        if counts is None:
            db.session.rollback()  # nothing was done: the lock was taken
            return "skipped: another daily run holds the lock"
        db.session.execute(update(JobRun).where(JobRun.id == run.id).values(
            checkpoint={"day": day.isoformat(), "counts": counts}, done=1, total=1)
            .execution_options(synchronize_session=False))
    return json.dumps(counts, ensure_ascii=False, default=str)


def run_daily_once(day: date | None = None) -> str | None:
    """The worker's periodic task: record a «daily» job run and execute it (once per day across hosts: a run already
    done for the day is not repeated)."""
    from sqlalchemy import select

    from ..jobs.services import execute

    day = day or _today()
    subject = f"daily:{day.isoformat()}"
    if db.session.scalar(select(JobRun.id).where(JobRun.subject == subject, JobRun.state.in_(("done", "running")),
                                                 JobRun.checkpoint.is_not(None) | (JobRun.state == "running"))
                         .limit(1)):
        return "done already"
    with unit_of_work():
        run = JobRun(kind="daily", state="queued", subject=subject, payload={"day": day.isoformat()}, total=1)
        db.session.add(run)
    return execute(run.id)
