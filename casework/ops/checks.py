"""Readiness checks: each returns (ok, detail). Cheap: one connection, no session, no login."""
from __future__ import annotations

import logging
from functools import lru_cache

from sqlalchemy import inspect, text

from .. import PACKAGE_DIR
from ..extensions import db
from ..timeutil import utcnow

log = logging.getLogger(__name__)

JOBS_TABLE = "job_runs"  # the job queue (casework.jobs); the checks read it only where it exists


@lru_cache(maxsize=1)
def script_heads() -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with the package."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    return tuple(sorted(ScriptDirectory.from_config(cfg).get_heads()))


def check_database(conn) -> tuple[bool, str]:
    conn.execute(text("SELECT 1"))
    return True, "ok"


def check_migrations(conn) -> tuple[bool, str]:
    """The database's alembic revision equals the head of the package's migrations."""
    from alembic.migration import MigrationContext

    current = tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
    heads = script_heads()
    if current == heads:
        return True, "at head"
    return False, f"at {', '.join(current) or 'no revision'}, head is {', '.join(heads)}"


def queue_lag(conn) -> tuple[bool, str]:
    """Age in seconds of the oldest job waiting to start (casework's job runs, and on PostgreSQL procrastinate's
    queue); fails when it exceeds JOBS_MAX_QUEUE_LAG_SECONDS (0: never fails). «not configured» without a job table."""
    from flask import current_app

    if not inspect(conn).has_table(JOBS_TABLE):
        return True, "not configured"
    oldest = conn.execute(text(f"SELECT MIN(created_at) FROM {JOBS_TABLE} WHERE state = 'queued'")).scalar()
    if isinstance(oldest, str):  # SQLite without type information in a plain SELECT
        from datetime import datetime

        oldest = datetime.fromisoformat(oldest)
    lag = 0 if oldest is None else max(0, int((utcnow() - oldest).total_seconds()))
    if conn.dialect.name == "postgresql" and conn.execute(
            text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar():
        waiting = conn.execute(text(
            "SELECT EXTRACT(EPOCH FROM now() - MIN(COALESCE(j.scheduled_at, e.at))) FROM procrastinate_jobs j "
            "JOIN procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred' "
            "WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())")).scalar()
        if waiting is not None:
            lag = max(lag, int(waiting))
    limit = int(current_app.config.get("JOBS_MAX_QUEUE_LAG_SECONDS") or 0)
    if limit and lag > limit:
        return False, f"oldest waiting job {lag} s (limit {limit} s)"
    return True, str(lag)


def readiness() -> tuple[bool, dict[str, str], list[str]]:
    """(ready, {check: detail}, [failed checks]) for database, migrations, storage and queue.

    The answer is public: a failed check says only «failed»; why (paths, bucket, revisions, errors) goes to the log."""
    from ..storage import storage_ready

    result: dict[str, str] = {}
    failed: list[str] = []

    def record(name, outcome):
        ok, detail = outcome
        result[name] = detail if ok else "failed"
        if not ok:
            failed.append(name)
            log.warning("readiness check %s failed: %s", name, detail)

    try:
        with db.engine.connect() as conn:
            record("database", check_database(conn))
            record("migrations", check_migrations(conn))
            record("queue", queue_lag(conn))
    except Exception as exc:  # noqa: BLE001 - any database error means «not ready», named
        for name in ("database", "migrations", "queue"):
            if name not in result:
                record(name, (False, f"{type(exc).__name__}: {exc}"))
                break
        for name in ("migrations", "queue"):
            result.setdefault(name, "not checked")
    ok, detail = storage_ready()
    record("storage", (True, "ok") if ok else (False, detail))
    return not failed, result, failed
