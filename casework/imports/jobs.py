"""The import of a previewed file as a job («imports.commit»): run by the worker, not in the web request.

The import itself stays one transaction (`services.commit_import`: a killed or failed import writes nothing — see
tests/integration/test_import_killed.py), and the job's checkpoint (the import batch's id) is committed in that same
transaction. A worker killed before the commit leaves nothing and the job runs the import again; killed after it,
the job finds its checkpoint and does not import twice.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import update

from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _, format_money
from ..jobs.models import JobRun
from ..jobs.services import JobCancelled
from ..transaction import unit_of_work
from . import services, uploads


def enqueue_import(token: str, kind: str, file_name: str, skip_bad_rows: bool, user, **options) -> JobRun:
    """Queue the commit of the stored upload `token` (the caller commits, then `casework.jobs.services.start`);
    `options` (JSON values) are passed on to `commit_import` as keyword arguments."""
    from ..jobs.services import enqueue

    return enqueue("imports.commit", {"token": token, "kind": kind, "file_name": file_name,
                                      "skip_bad_rows": bool(skip_bad_rows), "options": options}, user=user)


def _live_progress(run_id: int, progress):
    """A progress callback for commit_import: on PostgreSQL the row count is written through a connection of its own
    (the import's transaction commits only at its end) and a cancel request stops the import (rolled back)."""
    if db.engine.dialect.name != "postgresql":
        return None

    def report(done: int, total: int) -> None:
        with db.engine.begin() as conn:
            conn.execute(update(JobRun).where(JobRun.id == run_id).values(done=done, total=total))
            cancel = conn.execute(JobRun.__table__.select().with_only_columns(JobRun.cancel_requested)
                                  .where(JobRun.id == run_id)).scalar()
        if cancel:
            raise JobCancelled()
    return report


def run_job(run: JobRun, progress) -> str:
    """casework.jobs handler «imports.commit»: commit the import once (its batch id is the checkpoint)."""
    from ..auth.models import User
    from .models import ImportBatch

    p = run.payload or {}
    done = (run.checkpoint or {}).get("import_batch_id")
    if done:  # committed before the worker stopped: not imported twice
        batch = db.session.get(ImportBatch, done)
        return _outcome(batch)
    data = uploads.load_upload(p.get("token") or "")
    if data is None:
        raise DomainError(_("The uploaded file is no longer available; upload it again."))
    user = db.session.get(User, run.created_by_id) if run.created_by_id else None
    kind, name, run_id = p["kind"], p.get("file_name") or "", run.id
    failure = None
    try:
        batch = services.commit_import(kind, data, name, user, skip_bad_rows=bool(p.get("skip_bad_rows")),
                                       via="web", progress=_live_progress(run_id, progress), **(p.get("options") or {}))
    except JobCancelled:
        raise
    except DomainError as exc:
        db.session.rollback()
        batch = services.record_failure(kind, data, name, user, "web", str(exc))
    except Exception as exc:  # nothing was written: record the attempt, then fail the job
        db.session.rollback()
        current_app.logger.exception("import failed")
        batch = services.record_failure(kind, data, name, user, "web", repr(exc))
        failure = exc
    with unit_of_work():  # the import (or the record of its failure) and the job's checkpoint together
        db.session.execute(update(JobRun).where(JobRun.id == run_id).values(
            subject=f"import_batches:{batch.id}", checkpoint={"import_batch_id": batch.id},
            done=batch.rows_total or 0, total=batch.rows_total or 0).execution_options(synchronize_session=False))
    if failure is not None:
        raise failure
    return _outcome(batch)


def _outcome(batch) -> str:
    if batch.status == "committed":
        text = _("Imported: %(n)s new, %(u)s updated, %(d)s already present.", n=batch.rows_inserted,
                 u=batch.rows_updated, d=batch.rows_duplicate)
        info = (batch.options or {}).get("corrections") or {}
        if info.get("reversed"):
            text += " " + _("Reversing entries written: %(n)s (%(s)s).", n=info["reversed"],
                            s=format_money(info["reversed_kop"], kopecks=True))
        elif info.get("changed"):
            text += " " + _("%(n)s changed rows were not imported: the ledger keeps their earlier amounts.",
                            n=info["changed"])
        return text
    if batch.status == "rejected":
        return _("Nothing was imported: the file has bad rows.")
    return _("The import failed and nothing was written. The attempt is recorded.")
