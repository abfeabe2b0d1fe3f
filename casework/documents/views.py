"""Documents: choose → preview → issue → download; registry; delivery; bulk; template admin; field help."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import storage
from ..access import ADMIN, ALL_ROLES, CASE_STAFF, roles
from ..accounts.labels import PARTY_ROLE_LABELS
from ..extensions import db
from ..i18n import _
from ..jobs.services import start as start_job
from ..pagination import int_arg, paginate
from ..transaction import commit_now, refused, rollback
from . import bp, bulk, queries
from .fields import FIELD_BY_NAME, FIELDS, PARAM_FIELDS
from .forms import (
    DELIVERY_LABELS,
    OUTPUT_LABELS,
    BulkForm,
    ChooseLetterForm,
    DeliveryForm,
    TemplateUploadForm,
    letter_choices,
)
from .letters import DOWNLOAD, ISSUE, LETTERS, PREVIEW, kinds_allowed
from .models import Document, DocumentBatch, TemplateVersion
from .queries import registry_query
from .services import (
    DocumentError,
    DocumentRefused,
    LetterRefused,
    activate_template_version,
    active_template,
    add_template_version,
    check_right,
    claim_checklist,
    file_for_download,
    issue_document,
    issued_for_token,
    new_issue_token,
    parties_form,
    prepare,
    preview_context,
    record_delivery,
    shipped_template_path,
    valid_issue_token,
    validate_template,
    version_file,
)


def _refused(exc: DocumentError):
    """403 with the reason: the role may not do this with this letter (letters.LETTERS[…].access)."""
    rollback()
    return render_template("errors/error.html", code=403, message=str(exc)), 403


def _role() -> str | None:
    return current_user.role


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> dict:
    return {"q": request.args.get("q") or None, "kind": request.args.get("kind") or None,
            "date_from": _date_arg("from"), "date_to": _date_arg("to"),
            "delivered": request.args.get("delivered") or None, "batch_id": int_arg("batch"),
            "kinds": kinds_allowed(DOWNLOAD, _role())}  # the registry lists only what the role may open


@bp.route("/")
@roles(ALL_ROLES)
def index():
    page = paginate(registry_query(**_filters()), request.args.get("page", 1, type=int),
                    current_app.config["PAGE_SIZE"])
    letters = {c: LETTERS[c] for c in kinds_allowed(DOWNLOAD, _role())}
    return render_template("documents/index.html", page=page, letters=letters, delivery_labels=DELIVERY_LABELS)


@bp.route("/export.xlsx")
@roles(ALL_ROLES)
def export():
    """The registry as XLSX (only the letters the role may open): at once when small, else as a report job."""
    from ..jobs.exports import export_response
    from .exports import filter_params

    f = _filters()
    return export_response("documents", filter_params(f["q"], f["kind"], f["date_from"], f["date_to"], f["delivered"],
                                                      f["batch_id"]), "xlsx", ALL_ROLES)


def _params_from_form(letter) -> tuple[dict, list[str]]:
    """Read the letter's parameters (p_<name>) typed on the form; dates and numbers are checked."""
    params, errors = {}, []
    for name in letter.params:
        raw = (request.form.get(f"p_{name}") or "").strip()
        if not raw:
            continue
        kind = PARAM_FIELDS[name].param if name in PARAM_FIELDS else "str"
        if kind == "date":
            try:
                params[name] = date.fromisoformat(raw)
            except ValueError:
                errors.append(_("%(field)s: enter a date.", field=FIELD_BY_NAME[name].description))
        elif kind == "int":
            if raw.isdigit() and 0 < int(raw) <= 120:
                params[name] = int(raw)
            else:
                errors.append(_("%(field)s: enter a whole number from 1 to 120.", field=FIELD_BY_NAME[name].description))
        else:
            params[name] = raw[:1000]
    if letter.claim_periods and request.form.get("claim_periods_shown"):
        params["claim_periods"] = [v for v in request.form.getlist("claim_period") if v][:600]  # the ticked months
    if letter.court_parties and request.form.get("parties_shown"):  # the defendants: who is left out, who represents
        shown = [int(v) for v in request.form.getlist("party_shown") if v.isdigit()][:200]
        kept = {int(v) for v in request.form.getlist("party_include") if v.isdigit()}
        params["parties_exclude"] = [pid for pid in shown if pid not in kept]
        reps = {}
        for minor in request.form.getlist("minor_shown")[:50]:
            if minor.isdigit():
                reps[int(minor)] = [int(v) for v in request.form.getlist(f"rep_{minor}") if v.isdigit()][:10]
        params["parties_reps"] = {k: v for k, v in reps.items() if v}
    return params, errors


@bp.route("/new", methods=["GET", "POST"])
@roles(CASE_STAFF)
def new():
    account_id = request.values.get("account_id", type=int)
    case_id = request.values.get("case_id", type=int)
    building_id = request.values.get("building_id", type=int)
    from ..accounts.models import Account, Building

    subject = "building" if building_id else "account"
    if building_id:
        db.get_or_404(Building, building_id)
    elif case_id:
        from ..cases.models import Case

        account_id = db.get_or_404(Case, case_id).account_id
    elif account_id:
        db.get_or_404(Account, account_id)
    else:
        abort(404)
    form = ChooseLetterForm()
    form.code.choices = letter_choices(subject, _role())
    code = request.values.get("code") or (form.code.choices[0][0] if form.code.choices else None)
    if code not in LETTERS or LETTERS[code].subject != subject:
        abort(404)
    letter = LETTERS[code]
    try:
        check_right(letter, PREVIEW, current_user)
    except DocumentRefused as exc:
        return _refused(exc)
    form.code.data = code
    # the form's one-time token: kept across previews, so a second «issue» of the same form finds the first document
    token = request.form.get("issue_token") if request.method == "POST" else new_issue_token()
    preview, errors, params, offer = None, [], {}, None
    if request.method == "GET" and subject == "account":  # what the case records (the writ, the bailiff unit)
        from .links import recorded_params

        params = recorded_params(code, account_id, case_id)
    if request.method == "POST":
        params, errors = _params_from_form(letter)
        issuing = request.form.get("action") == "issue"
        if issuing:
            done = issued_for_token(token)
            if done is not None:
                flash(_("This form has already issued document %(n)s; it is not issued twice.", n=done.number), "info")
                return redirect(url_for("documents.show", doc_id=done.id))
        if not errors:
            try:
                prep = prepare(code, account_id=account_id if subject == "account" else None, case_id=case_id,
                               building_id=building_id, params=params)
                if issuing:
                    doc = issue_document(prep, user=current_user, issue_token=valid_issue_token(token))
                    commit_now()  # inside the try: a twin request of the same form fails here (IntegrityError)
                    flash(_("Document %(n)s has been issued.", n=doc.number), "success")
                    return redirect(url_for("documents.show", doc_id=doc.id))
                preview = preview_context(prep, user=current_user)
                commit_now()  # the pii.view audit row of a full preview (a GET is not committed otherwise)
            except DocumentRefused as exc:
                return _refused(exc)
            except LetterRefused as exc:  # the court-filing guard: the reason, and the claim offered
                rollback()
                errors.append(str(exc))
                offer = LETTERS.get(exc.offer) if exc.offer else None
            except DocumentError as exc:
                rollback()
                errors.append(str(exc))
            except IntegrityError:  # the same form issued at the same moment by a twin request: show its document
                rollback()
                done = issued_for_token(token)
                if done is None:
                    raise
                return redirect(url_for("documents.show", doc_id=done.id))
    param_fields = [(n, FIELD_BY_NAME[n], PARAM_FIELDS[n].param if n in PARAM_FIELDS else "str") for n in letter.params]
    claim = None
    if letter.claim_periods and subject == "account":  # the month checklist: default ticks, or the months posted
        claim = claim_checklist(account_id, params, case_id)
    parties = None
    if letter.court_parties and subject == "account":  # the defendants, adjustable before issuing
        parties = parties_form(account_id, params, case_id, claim_letter=letter.claim_periods)
    return render_template("documents/new.html", form=form, letter=letter, preview=preview, errors=errors,
                           params=params, param_fields=param_fields, account_id=account_id, case_id=case_id,
                           building_id=building_id, fields=FIELD_BY_NAME, issue_token=token or "",
                           may_issue=letter.allows(ISSUE, _role()), claim=claim, offer=offer,
                           parties=parties, party_roles=PARTY_ROLE_LABELS)


@bp.route("/<int:doc_id>")
@roles(ALL_ROLES)
def show(doc_id: int):
    doc = db.get_or_404(Document, doc_id)
    try:
        check_right(LETTERS.get(doc.kind), DOWNLOAD, current_user)  # its card, like its file and its registry row
    except DocumentRefused as exc:
        return _refused(exc)
    form = DeliveryForm()
    if doc.delivered_on:
        form.delivered_on.data, form.method.data, form.proof.data = doc.delivered_on, doc.delivery_method, doc.delivery_proof
    return _show(doc, form)


def _show(doc: Document, form: DeliveryForm):
    """The document's card; download and delivery only for the roles its letter allows."""
    letter = LETTERS.get(doc.kind)
    role = _role()
    return render_template("documents/show.html", doc=doc, form=form, letter=letter, delivery_labels=DELIVERY_LABELS,
                           may_deliver=bool(letter and letter.allows(ISSUE, role)))


@bp.route("/<int:doc_id>/delivery", methods=["POST"])
@roles(CASE_STAFF)
def delivery(doc_id: int):
    doc = db.get_or_404(Document, doc_id)
    form = DeliveryForm()
    try:
        check_right(LETTERS.get(doc.kind), ISSUE, current_user)
    except DocumentRefused as exc:
        return _refused(exc)
    if form.validate_on_submit():
        try:
            record_delivery(doc, form.delivered_on.data, form.method.data, form.proof.data, user=current_user)
            flash(_("Delivery has been recorded."), "success")
            return redirect(url_for("documents.show", doc_id=doc.id))
        except DocumentRefused as exc:
            return _refused(exc)
        except DocumentError as exc:
            rollback()
            form.delivered_on.errors = list(form.delivered_on.errors) + [str(exc)]
    return _show(doc, form), 400


@bp.route("/<int:doc_id>/download")
@roles(ALL_ROLES)
def download(doc_id: int):
    doc = db.get_or_404(Document, doc_id)
    try:
        stored = file_for_download(doc, current_user)
        resp = stored.send(f"{doc.number.replace('/', '-')}_{doc.kind}.docx")
    except DocumentRefused as exc:
        return _refused(exc)
    except FileNotFoundError:
        abort(404)
    commit_now()  # the pii.view audit row of a full file (a GET is not committed otherwise)
    return resp


# --------------------------------------------------------------------------- bulk

@bp.route("/bulk", methods=["GET", "POST"])
@roles(CASE_STAFF)
def bulk_new():
    from ..accounts.queries import building_choices

    form = BulkForm()
    form.code.choices = letter_choices("account", _role(), ISSUE)
    form.building_id.choices = [(0, _("Any"))] + building_choices()  # «п. Витим, ул. Лесная, д. 13»
    form.territory_id.choices = [(0, _("Any"))] + [(t.id, t.name) for t in queries.territories()]
    outputs = ["zip", "merged"] + (["pdf"] if bulk.soffice_path() else [])
    form.output.choices = [(o, OUTPUT_LABELS[o]) for o in outputs]
    allowed = dict(form.code.choices)
    code = request.values.get("code")
    letter = LETTERS[code if code in allowed else form.code.choices[0][0]]
    token = request.form.get("issue_token") if request.method == "POST" else new_issue_token()
    errors: list[str] = []
    if request.method == "POST" and request.form.get("code") in LETTERS:
        try:
            check_right(LETTERS[request.form["code"]], ISSUE, current_user)
        except DocumentRefused as exc:
            return _refused(exc)
    if form.validate_on_submit():
        letter = LETTERS[form.code.data]
        done = bulk.batch_for_token(token)
        if done is not None:  # the same form sent again: its batch, not a second run
            return redirect(url_for("documents.batch", batch_id=done.id))
        params, errors = _params_from_form(letter)
        ids = bulk.accounts_for_filter(form.building_id.data or None, form.territory_id.data or None,
                                       int(form.min_debt.data or 0) * 100, form.stage.data or None)
        if not ids:
            errors.append(_("No account matches the filter."))
        if not errors:
            try:
                text = (f"{letter.title}; building={form.building_id.data or '-'}; territory={form.territory_id.data or '-'}; "
                        f"debt>={form.min_debt.data or 0}; stage={form.stage.data or '-'}")
                batch = bulk.create_batch(letter.code, ids, form.output.data, text, current_user,
                                          issue_token=valid_issue_token(token))
                run = bulk.enqueue_batch(batch, ids, params, current_user)  # the job, in the batch's transaction
                commit_now()  # the worker reads the batch and its run from the database
                start_job(run.id)
                return redirect(url_for("documents.batch", batch_id=batch.id))
            except DocumentRefused as exc:
                return _refused(exc)
            except DocumentError as exc:
                rollback()
                errors.append(str(exc))
            except IntegrityError:  # a twin request of the same form created the batch a moment ago
                rollback()
                done = bulk.batch_for_token(token)
                if done is None:
                    raise
                return redirect(url_for("documents.batch", batch_id=done.id))
    param_fields = [(n, FIELD_BY_NAME[n], PARAM_FIELDS[n].param if n in PARAM_FIELDS else "str") for n in letter.params]
    batches = queries.latest_batches(kinds_allowed(DOWNLOAD, _role()))
    return render_template("documents/bulk.html", form=form, letter=letter, errors=errors, param_fields=param_fields,
                           batches=batches, letters=LETTERS, params={}, issue_token=token or "")


def _batch_or_refuse(batch_id: int) -> DocumentBatch:
    """The batch, when the role may download its letter (a batch is a set of that letter's documents)."""
    b = db.get_or_404(DocumentBatch, batch_id)
    check_right(LETTERS.get(b.kind), DOWNLOAD, current_user)
    return b


@bp.route("/batches/<int:batch_id>")
@roles(CASE_STAFF)
def batch(batch_id: int):
    try:
        b = _batch_or_refuse(batch_id)
    except DocumentRefused as exc:
        return _refused(exc)
    return render_template("documents/batch.html", batch=b, letter=LETTERS.get(b.kind), issue_token=new_issue_token(),
                           job=bulk.job_for(b))


@bp.route("/batches/<int:batch_id>/status")
@roles(CASE_STAFF)
def batch_status(batch_id: int):
    try:
        b = _batch_or_refuse(batch_id)
    except DocumentRefused as exc:
        return _refused(exc)
    data = bulk.progress(b)
    if data["finished"]:
        data["redirect"] = url_for("documents.batch", batch_id=b.id)
    return jsonify(data)


@bp.route("/batches/<int:batch_id>/download")
@roles(CASE_STAFF)
def batch_download(batch_id: int):
    b = db.get_or_404(DocumentBatch, batch_id)
    if not b.file_path:
        abort(404)
    try:
        stored = bulk.batch_file_for_download(b, current_user)
        resp = stored.send()
    except DocumentRefused as exc:
        return _refused(exc)
    except FileNotFoundError:
        abort(404)
    commit_now()  # the pii.view audit row of a full file (a GET is not committed otherwise)
    return resp


@bp.route("/batches/<int:batch_id>/register", methods=["POST"])
@roles(CASE_STAFF)
def batch_register(batch_id: int):
    """Issue the dispatch register (template 14) for the documents of a batch (once per form: its one-time token)."""
    try:
        b = _batch_or_refuse(batch_id)
    except DocumentRefused as exc:
        return _refused(exc)
    token = request.form.get("issue_token")
    done = issued_for_token(token)
    if done is not None:
        flash(_("This form has already issued document %(n)s; it is not issued twice.", n=done.number), "info")
        return redirect(url_for("documents.show", doc_id=done.id))
    docs = queries.batch_documents(b.id)
    if not docs:
        flash(_("The batch has no documents."), "error")
        return redirect(url_for("documents.batch", batch_id=b.id))
    recipient = (request.form.get("recipient") or "").strip() or "АО «Почта России»"
    try:
        prep = prepare("dispatch_register", params={"register_recipient": recipient}, documents=docs)
        doc = issue_document(prep, user=current_user, issue_token=valid_issue_token(token))
        commit_now()  # inside the try: a twin request of the same form fails here (IntegrityError)
    except DocumentRefused as exc:
        return _refused(exc)
    except DocumentError as exc:
        return refused(exc, url_for("documents.batch", batch_id=b.id))
    except IntegrityError:
        rollback()
        done = issued_for_token(token)
        if done is None:
            raise
        doc = done
    flash(_("Document %(n)s has been issued.", n=doc.number), "success")
    return redirect(url_for("documents.show", doc_id=doc.id))


# --------------------------------------------------------------------------- templates admin and help

@bp.route("/templates")
@roles(ADMIN)
def templates():
    versions = {}
    for tv in queries.template_versions():
        versions.setdefault(tv.code, []).append(tv)
    return render_template("documents/templates.html", letters=LETTERS, versions=versions)


@bp.route("/templates/<code>", methods=["GET", "POST"])
@roles(ADMIN)
def template_edit(code: str):
    letter = LETTERS.get(code) or abort(404)
    form = TemplateUploadForm()
    result = None
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            add_template_version(code, data, form.file.data.filename or "", form.note.data, user=current_user)
            flash(_("The new template has been checked and is now in use."), "success")
            return redirect(url_for("documents.template_edit", code=code))
        except DocumentError:
            rollback()
            result = validate_template(code, data)
    versions = queries.template_versions(code)
    return render_template("documents/template_edit.html", letter=letter, form=form, result=result, versions=versions), \
        (400 if result is not None else 200)


@bp.route("/templates/<code>/activate", methods=["POST"])
@roles(ADMIN)
def template_activate(code: str):
    if code not in LETTERS:
        abort(404)
    vid = request.form.get("version_id", type=int)
    if vid:
        tv = db.get_or_404(TemplateVersion, vid)
        if tv.code != code:
            abort(404)
    activate_template_version(code, vid or None)
    flash(_("The chosen template version is now in use."), "success")
    return redirect(url_for("documents.template_edit", code=code))


@bp.route("/templates/<code>/download")
@roles(ADMIN)
def template_download(code: str):
    if code not in LETTERS:
        abort(404)
    vid = request.args.get("version", type=int)
    if vid:
        tv = db.get_or_404(TemplateVersion, vid)
        source = version_file(tv)
    else:
        source, _v = active_template(code) if request.args.get("shipped") is None else (
            shipped_template_path(LETTERS[code]), None)
    if isinstance(source, storage.Stored):  # an uploaded version, in the storage
        try:
            return source.send(f"{code}.docx")
        except FileNotFoundError:
            abort(404)
    if not source.is_file():
        abort(404)
    return send_file(source, as_attachment=True, download_name=f"{code}.docx")


@bp.route("/fields")
@roles(ALL_ROLES)
def fields_help():
    return render_template("documents/fields.html", fields=FIELDS, letters=LETTERS)
