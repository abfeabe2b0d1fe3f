"""The procrastinate side of the jobs: its schema, enqueueing by SQL in the caller's transaction, the tasks, and the
worker loop of `casework worker`.

Why SQL for enqueueing: procrastinate's own `defer` goes through its connector (a psycopg pool of its own), i.e. a
different connection and transaction from the SQLAlchemy session that writes the batch row. Calling procrastinate's
public SQL function `procrastinate_defer_jobs_v1` on the session's connection puts the job into the same
transaction: a rolled-back request leaves no job, a committed batch always has its job. The worker itself uses
procrastinate's `PsycopgConnector` (LISTEN/NOTIFY, heartbeats, stalled-worker detection).
"""
from __future__ import annotations

import asyncio
import json
import logging

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

QUEUE = "casework"
RUN_TASK = "casework.run_job"
DAILY_TASK = "casework.daily"
# PostgreSQL advisory lock of the daily job: one run at a time across hosts (also taken by `casework daily`)
DAILY_LOCK_KEY = 0x6461696C79  # "daily"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic: procrastinate's own tables are not casework's models (they come from procrastinate's schema); an
    index made on one engine only (`Index(...).ddl_if(dialect=...)`, e.g. the ledger's BRIN index) is not compared:
    autogenerate does not know the condition, and its migration creates it on that engine alone."""
    if type_ == "index" and any(getattr(o, "_ddl_if", None) is not None for o in (obj, compare_to)):
        return False
    return not (type_ == "table" and name and name.startswith("procrastinate_"))


def has_schema(conn) -> bool:
    return bool(conn.execute(text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar())


def ensure_schema(conn) -> bool:
    """Apply procrastinate's schema on this PostgreSQL connection unless present (the caller commits)."""
    if has_schema(conn):
        return False
    from procrastinate.schema import SchemaManager

    conn.connection.driver_connection.execute(SchemaManager.get_schema())
    return True


def defer_sql(conn, run_id: int) -> int:
    """Queue the run's procrastinate job on `conn`, inside its transaction; returns the procrastinate job id.

    The job's lock `run-<id>` keeps two procrastinate jobs of one run from running at once; its queueing lock keeps
    a second one from being queued while one waits."""
    return conn.execute(text(
        "SELECT (procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, :qlock, CAST(:args AS jsonb), "
        "CAST(NULL AS timestamptz))::procrastinate_job_to_defer_v1]))[1]"),
        {"queue": QUEUE, "task": RUN_TASK, "lock": f"run-{run_id}", "qlock": f"run-{run_id}",
         "args": json.dumps({"run_id": run_id})}).scalar()


def conninfo(app: Flask) -> str:
    """The libpq connection string of the application's database (no SQLAlchemy driver suffix)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def make_app(flask_app: Flask):
    """The procrastinate App with casework's tasks bound to this Flask application."""
    from procrastinate import App, PsycopgConnector

    from ..extensions import db

    papp = App(connector=PsycopgConnector(conninfo=conninfo(flask_app), min_size=1,
                                          max_size=int(flask_app.config.get("JOBS_WORKER_CONCURRENCY", 2)) + 2))

    @papp.task(name=RUN_TASK, queue=QUEUE)
    def run_job(run_id: int) -> None:
        from .services import execute

        with flask_app.app_context():
            try:
                execute(run_id)
            finally:
                db.session.remove()

    @papp.periodic(cron=str(flask_app.config.get("JOBS_DAILY_CRON") or "30 4 * * *"), periodic_id="daily")
    @papp.task(name=DAILY_TASK, queue=QUEUE, queueing_lock="daily")
    def daily(timestamp: int) -> None:
        from .services import DAILY, resolve

        with flask_app.app_context():
            try:
                resolve(DAILY)()
            finally:
                db.session.remove()

    return papp


def _orphans(flask_app: Flask) -> list[int]:
    """Runs left «running» by a dead process (advisory lock free) with no procrastinate job waiting or running."""
    from ..extensions import db
    from .services import stale_runs

    with flask_app.app_context():
        try:
            out = []
            for rid in stale_runs():
                live = db.session.execute(text(
                    "SELECT 1 FROM procrastinate_jobs WHERE task_name = :t AND status IN ('todo', 'doing') "
                    "AND (args->>'run_id')::bigint = :id"), {"t": RUN_TASK, "id": rid}).first()
                if live is None:
                    out.append(rid)
            return out
        finally:
            db.session.remove()


def _requeue(flask_app: Flask, ids: list[int]) -> None:
    from ..extensions import db
    from ..transaction import unit_of_work

    with flask_app.app_context():
        try:
            with unit_of_work():
                for rid in ids:
                    defer_sql(db.session.connection(), rid)
        finally:
            db.session.remove()


async def recover(papp, flask_app: Flask) -> int:
    """Resume the work of dead workers: procrastinate's stalled jobs (their worker stopped its heartbeat) are retried,
    and runs left «running» with no job at all get a new one. The runs resume from their checkpoints."""
    seconds = float(flask_app.config.get("JOBS_WORKER_STALLED_SECONDS", 30))
    n = 0
    for job in await papp.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
        log.warning("retrying stalled job %s (%s)", job.id, job.task_name)
        await papp.job_manager.retry_job(job)
        n += 1
    if seconds:
        await papp.job_manager.prune_stalled_workers(seconds_since_heartbeat=seconds)
    ids = await asyncio.to_thread(_orphans, flask_app)
    if ids:
        await asyncio.to_thread(_requeue, flask_app, ids)
        n += len(ids)
    return n


async def _recover_loop(papp, flask_app: Flask, every: float) -> None:
    while True:
        try:
            await recover(papp, flask_app)
        except Exception:  # noqa: BLE001 - a failed sweep is logged and tried again
            log.exception("job recovery failed")
        await asyncio.sleep(every)


def run_worker(flask_app: Flask, concurrency: int | None = None) -> None:
    """`casework worker`: apply the queue schema if missing, then run jobs until SIGTERM/SIGINT (a graceful stop
    finishes the running chunk); a sweep every few seconds resumes the work of workers that died."""
    from ..extensions import db

    with flask_app.app_context():
        with db.engine.begin() as conn:
            ensure_schema(conn)
        db.engine.dispose()  # the worker's threads open their own connections
    papp = make_app(flask_app)
    stalled = float(flask_app.config.get("JOBS_WORKER_STALLED_SECONDS", 30))
    heartbeat = max(0.5, min(10.0, stalled / 3))

    async def main():
        async with papp.open_async():
            sweeper = asyncio.create_task(_recover_loop(papp, flask_app, max(1.0, stalled / 2)))
            try:
                await papp.run_worker_async(
                    queues=[QUEUE], concurrency=concurrency or int(flask_app.config.get("JOBS_WORKER_CONCURRENCY", 2)),
                    update_heartbeat_interval=heartbeat, stalled_worker_timeout=stalled,
                    install_signal_handlers=True, delete_jobs="successful")  # job_runs keeps the history
            finally:
                sweeper.cancel()

    asyncio.run(main())
