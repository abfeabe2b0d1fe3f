"""`casework worker` (runs the jobs) and `casework jobs list|cancel|resume`."""
from __future__ import annotations

import json

import click
from flask import Flask, current_app
from sqlalchemy import select

from ..extensions import db
from ..transaction import unit_of_work


def register_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--concurrency", type=int, default=None, help="jobs at once (default JOBS_WORKER_CONCURRENCY)")
    def worker(concurrency):
        """Run queued jobs (imports, bulk documents, figures refresh, the daily job) until stopped."""
        flask_app = current_app._get_current_object()
        if flask_app.config.get("JOBS_BACKEND") != "procrastinate":
            raise click.ClickException("the worker needs PostgreSQL (JOBS_BACKEND=procrastinate); with SQLite "
                                       "jobs run inside the web process")
        from .queue import run_worker

        run_worker(flask_app, concurrency)

    @app.cli.group("jobs")
    def jobs_group():
        """Job runs: list, cancel, resume, purge-exports."""

    @jobs_group.command("list")
    @click.option("--limit", type=int, default=20)
    def list_(limit):
        """The latest job runs as JSON lines."""
        from .models import JobRun

        for r in db.session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)):
            click.echo(json.dumps({"id": r.id, "kind": r.kind, "state": r.state, "done": r.done, "total": r.total,
                                   "message": r.message, "error": r.error}, ensure_ascii=False))

    @jobs_group.command("cancel")
    @click.argument("run_id", type=int)
    def cancel(run_id):
        """Ask a job to stop after its current chunk."""
        from .models import JobRun
        from .services import request_cancel

        with unit_of_work():
            run = db.session.get(JobRun, run_id)
            if run is None:
                raise click.ClickException("no such job")
            asked = request_cancel(run)
        click.echo("cancel requested" if asked else f"already {run.state}")

    @jobs_group.command("purge-exports")
    def purge_exports_cmd():
        """Delete report files older than EXPORT_KEEP_DAYS (the daily job does it too)."""
        from .exports import purge_exports

        with unit_of_work():
            n = purge_exports()
        click.echo(f"deleted {n} stored export file(s)")

    @jobs_group.command("resume")
    def resume():
        """Inline backend (SQLite): run here the jobs a stopped process left unfinished, from their checkpoints."""
        from .models import JobRun
        from .services import execute, stale_runs

        ids = stale_runs() + list(db.session.scalars(select(JobRun.id).where(JobRun.state == "queued")))
        db.session.rollback()
        for rid in ids:
            click.echo(f"job {rid}: {execute(rid)}")
