"""Jobs: long work (imports, bulk documents, the figures refresh, the daily job) run by a worker process.

A `JobRun` row is the job as the users see it (state, progress, checkpoint, errors, a cancel request). The work is
carried out by `casework worker` (procrastinate on PostgreSQL) or, under the embedded SQLite default, in-process
(`JOBS_BACKEND="inline"`); both call `services.execute`, which resumes from the row's checkpoint.
"""
from flask import Blueprint

bp = Blueprint("jobs", __name__)

from . import views  # noqa: E402,F401


@bp.record_once
def _resume_on_start(state) -> None:
    """Inline backend (SQLite, one process): the first request of a started process resumes the jobs a stopped one
    left unfinished (not in tests, which run jobs themselves)."""
    app = state.app
    started = {"done": False}

    @app.before_request
    def _resume_once():
        if started["done"]:
            return
        started["done"] = True
        if app.testing or app.config.get("JOBS_BACKEND") != "inline":
            return
        from .services import resume_inline

        try:
            resume_inline(app)
        except Exception:  # noqa: BLE001 - e.g. a database without the job table yet; the next start tries again
            app.logger.exception("resuming jobs failed")
