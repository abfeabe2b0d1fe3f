"""Import pages for managers and admins: history, upload → preview → confirm → result."""
from __future__ import annotations

import json
import os

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from ..access import ADMIN, MANAGER, roles
from ..domain.errors import DomainError
from ..export import Column, xlsx_response
from ..extensions import db
from ..i18n import _, _l, format_money
from ..jobs.models import JobRun
from ..jobs.services import start as start_job
from ..pagination import paginate
from ..timeutil import local
from ..transaction import commit_now, rollback
from . import aliases, bp, queries, services
from .forms import KIND_CHOICES, AliasForm, ConfirmForm, FilterForm, UndoForm, UploadForm
from .jobs import enqueue_import
from .models import IMPORT_KINDS, ImportBatch

ERRORS_PER_PAGE = 100
KIND_LABELS = dict(KIND_CHOICES)


def _kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_filter("import_kind")
def import_kind_filter(kind: str) -> str:
    return _kind_label(kind)


@bp.app_template_filter("import_status")
def import_status_filter(status: str) -> str:
    return str({"committed": _("Committed"), "rejected": _("Rejected"), "failed": _("Failed"),
                "dry_run": _("Checked only"), "validated": _("Checked"), "undone": _("Undone")}.get(status, status))


PERSON_FIELD_LABELS = {
    "full_name": _l("Full name"), "birth_date": _l("Date of birth"), "birth_place": _l("Place of birth"),
    "passport_series": _l("Passport series"), "passport_number": _l("Passport number"),
    "passport_issued_by": _l("Passport issued by"), "passport_issued_on": _l("Passport issue date"),
    "snils": _l("SNILS"), "inn": _l("INN"), "registration_address": _l("Registration address"), "phone": _l("Phone"),
    "email": _l("E-mail"), "share": _l("Share"), "since": _l("Registered since"), "until": _l("Registered until"),
}


@bp.app_template_global("person_field_label")
def person_field_label(name: str) -> str:
    """The translated name of a persons-file field (as shown in the conflicts of a persons import)."""
    return str(PERSON_FIELD_LABELS.get(name, name))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    flash(_("The file is larger than %(n)s MB; split it or ask the administrator to raise the limit.", n=limit),
          "error")
    return render_template("imports/upload.html", form=UploadForm(formdata=None)), 413


@bp.route("/")
@roles(MANAGER, ADMIN)
def index():
    form = FilterForm(request.args)
    valid = form.validate()
    f = form.data if valid else {}
    stmt = queries.batches(f.get("kind") or None, f.get("status") or None, f.get("q") or None,
                           f.get("date_from"), f.get("date_to"))
    if request.args.get("export") == "xlsx":
        cols = [Column(_("No."), "int"), Column(_("Started"), "date"), Column(_("Kind")), Column(_("File"), width=40),
                Column(_("User")), Column(_("Status")), Column(_("Rows"), "int"), Column(_("Bad rows"), "int"),
                Column(_("Inserted"), "int"), Column(_("Updated"), "int"), Column(_("Duplicates"), "int"),
                Column(_("Skipped"), "int"), Column("SHA-256", width=66)]
        rows = ((b.id, local(b.started_at), _kind_label(b.kind), b.file_name, name or "", import_status_filter(b.status),
                 b.rows_total, b.rows_bad, b.rows_inserted, b.rows_updated, b.rows_duplicate, b.rows_skipped,
                 b.file_sha256) for b, name in db.session.execute(stmt))
        return xlsx_response("imports.xlsx", cols, rows, sheet_title=_("Imports"))
    page = paginate(stmt, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"], scalars=False)
    pending = db.session.scalars(select(JobRun).where(JobRun.kind == "imports.commit",
                                                      JobRun.state.in_(("queued", "running")))
                                 .order_by(JobRun.id)).all()
    return render_template("imports/index.html", page=page, form=form, pending=pending)


@bp.route("/new", methods=["GET", "POST"])
@roles(MANAGER, ADMIN)
def upload():
    form = UploadForm()
    if request.method == "GET" and request.args.get("kind") in IMPORT_KINDS:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        storage = form.file.data
        name = os.path.basename((storage.filename or "").replace("\\", "/"))[:255] or "file"
        data = storage.read()
        try:
            services.check_upload(data, name)
        except DomainError as exc:
            form.file.errors.append(str(exc))
            return render_template("imports/upload.html", form=form), 400
        token = services.store_upload(data)
        preview = services.validate_file(form.kind.data, data, name)
        rollback()  # validation writes nothing; drop its temporary tables' transaction
        _save_preview(token, form.kind.data, preview)
        return redirect(url_for(".preview", token=token, kind=form.kind.data))
    return render_template("imports/upload.html", form=form), (400 if form.errors else 200)


def _preview_name(token: str, kind: str) -> str:
    return f"uploads/{token}.{kind}.json"


def _save_preview(token: str, kind: str, preview: services.Preview) -> None:
    from .. import storage as file_storage

    file_storage.save("imports", _preview_name(token, kind),
                      json.dumps(preview.as_dict(), ensure_ascii=False).encode("utf-8"))


def _load(token: str, kind: str) -> tuple[bytes, services.Preview]:
    if kind not in IMPORT_KINDS:
        abort(404)
    from .. import storage as file_storage

    data = services.load_upload(token)
    if data is None:
        abort(404)
    try:
        saved = file_storage.read("imports", _preview_name(token, kind))
    except FileNotFoundError:
        abort(404)
    return data, services.Preview.from_dict(json.loads(saved.decode("utf-8")))


@bp.route("/preview/<token>/<kind>")
@roles(MANAGER, ADMIN)
def preview(token: str, kind: str):
    _data, pv = _load(token, kind)
    page = max(1, request.args.get("page", 1, type=int))
    start = (page - 1) * ERRORS_PER_PAGE
    errors = pv.errors[start:start + ERRORS_PER_PAGE]
    pages = max(1, -(-len(pv.errors) // ERRORS_PER_PAGE))
    return render_template("imports/preview.html", pv=pv, token=token, kind=kind, errors=errors, page=page,
                           pages=pages, form=ConfirmForm(), kind_label=_kind_label(kind))


@bp.route("/preview/<token>/<kind>", methods=["POST"])
@roles(MANAGER, ADMIN)
def confirm(token: str, kind: str):
    data, pv = _load(token, kind)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    skip = bool(form.skip_bad_rows.data)
    replace = bool(form.replace_period.data)
    if replace and not form.confirm_replace.data:
        flash(_("To replace the data of the period, confirm that you have checked the changed and missing rows."),
              "error")
        return redirect(url_for(".preview", token=token, kind=kind))
    run = enqueue_import(token, kind, pv.file_name, skip, current_user,  # committed with its queue entry
                         replace_period=replace, replace_absent=replace and bool(form.replace_absent.data))
    commit_now()  # the worker reads the run from the database
    start_job(run.id)
    db.session.expire_all()
    run = db.session.get(JobRun, run.id)
    batch_id = (run.checkpoint or {}).get("import_batch_id")
    if not run.finished or batch_id is None:  # the worker has it: its progress page, then the import's page
        flash(_("The import is queued; this page shows its progress."), "info")
        return redirect(url_for("jobs.show", run_id=run.id))
    batch = db.session.get(ImportBatch, batch_id)
    if batch.status == "committed":
        flash(_("Imported: %(n)s new, %(u)s updated, %(d)s already present.", n=batch.rows_inserted,
                u=batch.rows_updated, d=batch.rows_duplicate), "success")
        info = (batch.options or {}).get("corrections") or {}
        if info.get("reversed"):
            flash(_("Reversing entries written: %(n)s (%(s)s).", n=info["reversed"],
                    s=format_money(info["reversed_kop"], kopecks=True)), "success")
        elif info.get("changed") and not replace:
            flash(_("%(n)s changed rows were not imported: the ledger keeps their earlier amounts.",
                    n=info["changed"]), "warning")
    elif batch.status == "rejected":
        flash(_("Nothing was imported: the file has bad rows."), "error")
    else:
        flash(_("The import failed and nothing was written. The attempt is recorded."), "error")
    return redirect(url_for(".show", batch_id=batch.id))


@bp.route("/<int:batch_id>")
@roles(MANAGER, ADMIN)
def show(batch_id: int):
    batch = db.get_or_404(ImportBatch, batch_id)
    if request.args.get("finished"):  # arrived from the import job's progress page: its outcome, as after a commit
        from .jobs import _outcome

        flash(_outcome(batch), {"committed": "success"}.get(batch.status, "error"))
    errors = (batch.options or {}).get("errors", [])
    has_file = services.error_file_path(batch) is not None
    return render_template("imports/show.html", batch=batch, errors=errors[:500], errors_total=len(errors),
                           has_error_file=has_file)


@bp.route("/<int:batch_id>/undo", methods=["GET", "POST"])
@roles(MANAGER, ADMIN)
def undo(batch_id: int):
    """«Отменить загрузку»: what the undo writes, an explicit confirmation, then reversing entries of every row."""
    batch = db.get_or_404(ImportBatch, batch_id)
    form = UndoForm()
    plan = services.undo_plan(batch)
    if request.method == "POST" and plan.refusal is None and form.validate_on_submit():
        try:
            done = services.undo_import(batch.id, current_user)
        except DomainError as exc:
            rollback(str(exc))
        else:
            flash(_("Import %(id)s undone: %(n)s reversing entries written.", id=batch_id, n=len(done.rows)),
                  "success")
        return redirect(url_for(".show", batch_id=batch_id))
    status = 400 if (request.method == "POST") else 200
    return render_template("imports/undo.html", batch=batch, plan=plan, form=form), status


@bp.route("/<int:batch_id>/errors.csv")
@roles(MANAGER, ADMIN)
def error_file(batch_id: int):
    batch = db.get_or_404(ImportBatch, batch_id)
    stored = services.error_file_path(batch)
    if stored is None:
        abort(404)
    stem = os.path.splitext(batch.file_name or "file")[0]
    try:
        return stored.send(f"{stem}-ошибки.csv", mimetype="text/csv")
    except FileNotFoundError:
        abort(404)


ALIAS_KIND_LABELS = {"service": _l("Service"), "source": _l("Payment source"), "category": _l("Category")}


def _alias_choices() -> list[tuple[str, str]]:
    return [(f"{kind}:{code}", f"{ALIAS_KIND_LABELS[kind]} — {label}")
            for kind in ("service", "source", "category") for code, label in aliases.target_choices(kind)]


@bp.route("/aliases", methods=["GET", "POST"])
@roles(ADMIN)
def alias_list():
    """Aliases of values in billing files (services, payment sources, categories): list, add, delete."""
    form = AliasForm()
    form.meaning.choices = _alias_choices()
    if form.validate_on_submit():
        kind, _sep, code = form.meaning.data.partition(":")
        try:
            row = aliases.add_alias(kind, form.alias.data, code, current_user)
        except DomainError as exc:
            rollback()
            form.alias.errors.append(str(exc))
        else:
            flash(_("Alias «%(a)s» added.", a=row.alias), "success")
            return redirect(url_for(".alias_list"))
    services_by_code = dict(aliases.target_choices("service"))
    rows = [(a, str(ALIAS_KIND_LABELS.get(a.kind, a.kind)), aliases.target_label(a.kind, a.target, services_by_code))
            for a in aliases.active_aliases()]
    return render_template("imports/aliases.html", form=form, rows=rows), (400 if form.errors else 200)


@bp.route("/aliases/<int:alias_id>/delete", methods=["POST"])
@roles(ADMIN)
def alias_delete(alias_id: int):
    row = aliases.delete_alias(alias_id)
    if row is None:
        abort(404)
    flash(_("Alias «%(a)s» deleted: files with this value are refused again.", a=row.alias), "success")
    return redirect(url_for(".alias_list"))
