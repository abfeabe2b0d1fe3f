"""«Задания»: the job runs with state, progress and errors; a job's page with live progress; cancel."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import storage
from ..access import ADMIN, ALL_ROLES, MANAGER, roles
from ..extensions import db
from ..i18n import _
from ..pagination import int_arg, paginate
from ..transaction import commit_now
from . import bp
from .exports import AREA, MIMETYPES, download_for
from .models import JOB_STATES, JobRun
from .services import request_cancel


def _sees_all() -> bool:
    return current_user.role in (MANAGER, ADMIN)


def _run_or_404(run_id: int) -> JobRun:
    """The run, for its author or a manager/administrator (others get 404: the job is not theirs to see)."""
    run = db.get_or_404(JobRun, run_id)
    if not _sees_all() and run.created_by_id != current_user.id:
        abort(404)
    return run


def subject_url(run: JobRun) -> str | None:
    """The page of the record the job works on (the batch page shows the job's progress too)."""
    table, _sep, ident = (run.subject or "").partition(":")
    if not ident.isdigit():
        return None
    if table == "document_batches":
        return url_for("documents.batch", batch_id=int(ident))
    if table == "import_batches":
        return url_for("imports.show", batch_id=int(ident))
    return None


def progress_json(run: JobRun) -> dict:
    """JSON for casework.js: {done, total, finished, message, status}."""
    message = run.error if run.state == "failed" else (run.message if run.finished else f"{run.done} / {run.total}")
    return {"done": run.done, "total": run.total, "finished": run.finished, "status": run.state,
            "message": message or ""}


@bp.route("/")
@roles(*ALL_ROLES)
def index():
    state = request.args.get("state") or ""
    stmt = select(JobRun).order_by(JobRun.id.desc())
    if state in JOB_STATES:
        stmt = stmt.where(JobRun.state == state)
    if not _sees_all():
        stmt = stmt.where(JobRun.created_by_id == current_user.id)
    page = paginate(stmt, int_arg("page", 1, min_value=1))
    return render_template("jobs/index.html", page=page, state=state, states=JOB_STATES)


@bp.route("/<int:run_id>")
@roles(*ALL_ROLES)
def show(run_id: int):
    run = _run_or_404(run_id)
    return render_template("jobs/show.html", run=run, job=run, subject_url=subject_url(run),
                           download=download_for(run, current_user.role) is not None)


@bp.route("/<int:run_id>/download")
@roles(*ALL_ROLES)
def download(run_id: int):
    """The file of a finished report job: for its author, or a manager/administrator, while their role may open
    that export (404 otherwise, as for a job that is not theirs)."""
    run = _run_or_404(run_id)
    found = download_for(run, current_user.role)
    if found is None:
        abort(404)
    name, filename = found
    try:
        return storage.send(AREA, name, download_name=filename, mimetype=MIMETYPES.get((run.payload or {}).get("format")))
    except FileNotFoundError:
        abort(404)


@bp.route("/<int:run_id>/status")
@roles(*ALL_ROLES)
def status(run_id: int):
    run = _run_or_404(run_id)
    data = progress_json(run)
    if run.finished:
        target = subject_url(run)
        if target and run.kind == "imports.commit":
            target = url_for("imports.show", batch_id=int(run.subject.partition(":")[2]), finished=1)
        data["redirect"] = target or url_for("jobs.show", run_id=run.id)
    return jsonify(data)


@bp.route("/<int:run_id>/cancel", methods=["POST"])
@roles(*ALL_ROLES)
def cancel(run_id: int):
    run = _run_or_404(run_id)
    if request_cancel(run):
        flash(_("The job stops after the part it is working on; what is done so far is kept."), "info")
    else:
        flash(_("The job has already finished."), "info")
    return redirect(subject_url(run) or url_for("jobs.show", run_id=run.id))


@bp.route("/refresh-figures", methods=["POST"])
@roles(ADMIN)
def refresh_figures():
    """Queue the recomputation of every account's monthly figures and balance (after an upgrade or a repair)."""
    from .services import enqueue, start

    run = enqueue("figures.refresh", user=current_user)
    commit_now()  # the worker reads the run from the database
    start(run.id)
    return redirect(url_for("jobs.show", run_id=run.id))
