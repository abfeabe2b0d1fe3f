"""Report jobs («export»): a large XLSX/CSV export is written by a job into the `reports` storage area.

Every list export is described once, by its area, as an `ExportSpec` (file name, columns, a lazy row source, a
bounded count, totals): the view calls `export_response(source, params, fmt, roles)`, which answers a small export
at once (`xlsx_response` / `csv_response`, as before) and queues a large one — more rows than
`EXPORT_SYNC_MAX_ROWS`, counted with a `LIMIT` so that counting stays cheap — with the same parameters, the user and
the format, then sends the user to the job's page. The job builds the same spec (`SOURCES` names each area's
builder as "module:function", as `services.HANDLERS` names handlers: the job queue sits below the areas), for the
role the user has when it runs (so a collector's file holds exactly what the collector's page shows), writes the
file in a private temporary folder through the one neutraliser (`casework.export.write_xlsx` / `iter_csv`) and saves
it once, at the end, as `reports:exports/<run id>.<fmt>`, committing the name as the job's checkpoint. A worker
killed before the save leaves no file; killed after it, the next run writes the same name again: one file per job,
never half a file. The job's page offers «Скачать» to its author, and to managers and administrators, while their
role may open the export; stored files are deleted after `EXPORT_KEEP_DAYS` by the daily job or
`casework jobs purge-exports`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Iterable, Iterator, Sequence

from flask import current_app
from sqlalchemy import func, select, update

from .. import storage
from ..export import XLSX_MIME, Column, csv_response, iter_csv, write_xlsx, xlsx_response
from ..extensions import db
from ..i18n import _
from ..timeutil import utcnow
from ..transaction import commit_now
from .models import FINAL_STATES, JobRun
from .services import JobCancelled, resolve

AREA = "reports"
FORMATS = ("xlsx", "csv")
MIMETYPES = {"xlsx": XLSX_MIME, "csv": "text/csv; charset=utf-8"}
_STORED = re.compile(r"exports/(\d+)\.(xlsx|csv)")

# source → "module:function(params: dict, role: str) -> ExportSpec"; params are JSON values (the view's filters)
SOURCES: dict[str, str] = {
    "accounts": "casework.accounts.exports:accounts_export",
    "cases": "casework.cases.exports:cases_export",
    "contacts": "casework.contacts.exports:contacts_export",
    "documents": "casework.documents.exports:documents_export",
    "portfolio": "casework.legal.exports:portfolio_export",
    "form4.accounts": "casework.reports.drilldown_export:drilldown_export",
}


@dataclass
class ExportSpec:
    """One export as both paths write it: `rows()` streams the rows, `count(limit)` counts at most limit + 1 of them
    (None: all), `totals` is the bold last row."""

    filename: str  # without the extension: «accounts-2026-12-05» (+ «.xlsx» or «.csv»)
    columns: Sequence[Column]
    rows: Callable[[], Iterable[Sequence[Any]]]
    count: Callable[[int | None], int]
    sheet_title: str | None = None
    title_lines: Sequence[str] = ()
    totals: Sequence[Any] | None = None
    formats: tuple[str, ...] = field(default=FORMATS)


def count_rows(stmt, limit: int | None) -> int:
    """The rows of a SELECT, counted up to `limit` + 1 (the order dropped, so the count stops early); None: all."""
    inner = stmt.order_by(None)
    if limit is not None:
        inner = inner.limit(limit + 1)
    return int(db.session.scalar(select(func.count()).select_from(inner.subquery())) or 0)


def build(source: str, params: dict, role: str | None) -> ExportSpec:
    """The export `source` for these parameters as `role` may see it."""
    if source not in SOURCES:
        raise ValueError(f"unknown export {source!r}")
    return resolve(SOURCES[source])(params, role)


def write(spec: ExportSpec, fmt: str, fileobj, rows: Iterable[Sequence[Any]] | None = None) -> None:
    """The file of an export, in the synchronous download's exact form, written to a binary file object."""
    rows = spec.rows() if rows is None else rows
    if fmt == "xlsx":
        write_xlsx(spec.columns, rows, fileobj, sheet_title=spec.sheet_title, totals=spec.totals,
                   title_lines=spec.title_lines)
        return
    for chunk in iter_csv(spec.columns, rows, totals=spec.totals):
        fileobj.write(chunk.encode("utf-8"))


def response(spec: ExportSpec, fmt: str):
    """The synchronous download (small exports)."""
    kw = {"totals": spec.totals}
    if fmt == "xlsx":
        return xlsx_response(f"{spec.filename}.xlsx", spec.columns, spec.rows(), sheet_title=spec.sheet_title,
                             title_lines=spec.title_lines, **kw)
    return csv_response(f"{spec.filename}.csv", spec.columns, spec.rows(), **kw)


def export_response(source: str, params: dict, fmt: str, roles: Iterable[str]):
    """A view's export: at most EXPORT_SYNC_MAX_ROWS rows are sent at once; a larger export becomes a job (the same
    parameters, user and format) and the user goes to its page, where the file is offered when ready."""
    from flask import flash, redirect, url_for
    from flask_babel import get_locale
    from flask_login import current_user

    from .services import start

    if fmt not in FORMATS:
        from flask import abort

        abort(404)
    spec = build(source, params, current_user.role)
    if fmt not in spec.formats:
        from flask import abort

        abort(404)
    limit = int(current_app.config["EXPORT_SYNC_MAX_ROWS"])
    n = spec.count(limit)
    if n <= limit:
        return response(spec, fmt)
    run = enqueue_export(source, params, fmt, roles, current_user, filename=f"{spec.filename}.{fmt}",
                         locale=str(get_locale() or "ru"))
    commit_now()  # the worker reads the run from the database (and a GET is not committed otherwise)
    start(run.id)
    flash(_("The file is large: it is being prepared as a job. It will be offered for download on this page."),
          "info")
    return redirect(url_for("jobs.show", run_id=run.id))


def enqueue_export(source: str, params: dict, fmt: str, roles: Iterable[str], user, *, filename: str,
                   locale: str = "ru") -> JobRun:
    """Queue the export job (the caller commits, then `services.start`): the source and its parameters, the format,
    the download name, the roles that may open this export and the user's language."""
    from .services import enqueue

    if source not in SOURCES or fmt not in FORMATS:
        raise ValueError(f"unknown export {source!r}.{fmt}")
    return enqueue("export", {"source": source, "params": params, "format": fmt, "filename": filename,
                              "roles": sorted(roles), "locale": locale}, subject=f"export:{source}", user=user)


def stored_name(run_id: int, fmt: str) -> str:
    return f"exports/{run_id}.{fmt}"


def _report(run_id: int, done: int, total: int) -> None:
    """Progress through a connection of its own (the export streams rows on the session's connection), and stop
    when the user cancelled."""
    with db.engine.begin() as conn:
        conn.execute(update(JobRun).where(JobRun.id == run_id).values(done=done, total=total, heartbeat_at=utcnow()))
        cancel = conn.execute(select(JobRun.cancel_requested).where(JobRun.id == run_id)).scalar()
    if cancel:
        raise JobCancelled()


def _counted(rows: Iterable, run_id: int, total: int, every: int) -> Iterator:
    n = 0
    for row in rows:
        yield row
        n += 1
        if n % every == 0:
            _report(run_id, n, max(total, n))


def run_job(run: JobRun, progress) -> str:
    """casework.jobs handler «export»: write the export to a private temporary file, store it once under the run's
    own name and commit that name as the checkpoint (a rerun after a kill overwrites the same name)."""
    from flask_babel import force_locale

    from ..auth.models import User

    p = run.payload or {}
    done = (run.checkpoint or {}).get("file")
    if done:  # stored and recorded before the worker stopped
        return _("The file is ready: %(n)s rows.", n=(run.checkpoint or {}).get("rows", 0))
    user = db.session.get(User, run.created_by_id) if run.created_by_id else None
    if user is None or not user.is_active or user.role not in (p.get("roles") or ()):
        raise PermissionError("the user who asked for the export may no longer open it")
    fmt, run_id = p["format"], run.id
    every = max(1, int(current_app.config["EXPORT_JOB_PROGRESS_ROWS"]))
    with force_locale(p.get("locale") or "ru"):
        spec = build(p["source"], p.get("params") or {}, user.role)
        total = spec.count(None)
        _report(run_id, 0, total)
        count = [0]

        def rows():
            for row in _counted(spec.rows(), run_id, total, every):
                count[0] += 1
                yield row

        name = stored_name(run_id, fmt)
        with storage.private_tempdir() as tmp:
            path = f"{tmp}/export.{fmt}"
            with open(path, "wb") as fh:
                write(spec, fmt, fh, rows())
            with open(path, "rb") as fh:
                storage.save(AREA, name, fh)
        db.session.rollback()  # the read transaction of the export ends here
        progress.update(count[0], count[0], {"file": name, "filename": p.get("filename") or name, "rows": count[0]})
        return _("The file is ready: %(n)s rows.", n=count[0])


def download_for(run: JobRun, role: str | None) -> tuple[str, str] | None:
    """(stored name, download name) of a finished export job when `role` may open that export, else None."""
    p, cp = run.payload or {}, run.checkpoint or {}
    if run.kind != "export" or run.state != "done" or not cp.get("file") or cp.get("purged"):
        return None
    if role not in (p.get("roles") or ()):
        return None
    return cp["file"], cp.get("filename") or cp["file"]


def purge_exports(now=None) -> int:
    """Delete stored exports older than EXPORT_KEEP_DAYS (by the job's end), and files no finished job offers
    (a failed or cancelled run, a run gone); the job rows stay, marked «purged». The caller commits."""
    now = now or utcnow()
    cutoff = now - timedelta(days=int(current_app.config["EXPORT_KEEP_DAYS"]))
    deleted = 0
    for name in list(storage.list(AREA)):
        m = _STORED.fullmatch(name)
        if not m:
            continue
        run = db.session.get(JobRun, int(m.group(1)))
        if run is not None and run.state not in FINAL_STATES:
            continue  # being written
        if run is not None and run.state == "done" and (run.finished_at or now) >= cutoff \
                and (run.checkpoint or {}).get("file") == name:
            continue  # kept
        storage.delete(AREA, name)
        deleted += 1
        if run is not None and run.checkpoint and run.checkpoint.get("file") == name:
            run.checkpoint = {**run.checkpoint, "purged": True}
    db.session.flush()
    return deleted
