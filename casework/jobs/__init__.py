"""Jobs: long work (imports, bulk documents, the figures refresh, the daily job) run by a worker process.

A `JobRun` row is the job as the users see it (state, progress, checkpoint, errors, a cancel request). The work is
carried out by `casework worker` (procrastinate on PostgreSQL) or, under the embedded SQLite default, in-process
(`JOBS_BACKEND="inline"`); both call `services.execute`, which resumes from the row's checkpoint.
"""
from flask import Blueprint

bp = Blueprint("jobs", __name__)

from . import views  # noqa: E402,F401
