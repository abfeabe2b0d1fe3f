"""ГИС ЖКХ debt requests for lawyers and managers (the administrator reads): queue, import, review, answer, export."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import ADMIN, LAWYER, MANAGER, roles
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _, _l
from ..pagination import int_arg
from ..timeutil import today
from ..transaction import refused, rollback
from ..views_common import uploaded_files
from . import bp, parsing, queries, services
from .forms import AnswerForm, ExportForm, MatchForm, UploadForm
from .models import GisExport, GisRequest

STATUS_LABELS = {"review": _l("Needs review"), "matched": _l("Matched"), "not_ours": _l("Not our subscriber"),
                 "answered": _l("Answered")}


@bp.route("/")
@roles(LAWYER, MANAGER, ADMIN)
def index():
    status = request.args.get("status") or None
    if status not in (None, "open", *STATUS_LABELS):
        status = None
    page = queries.queue(today(), status=status, overdue=bool(request.args.get("overdue")),
                         q=(request.args.get("q") or "").strip()[:100] or None, page=int_arg("page", 1, min_value=1))
    left = {r.id: services.working_days_left(r.due_on, today()) for r in page.items if r.status != "answered"}
    return render_template("gis/index.html", page=page, today=today(), status=status, labels=STATUS_LABELS, left=left,
                           waiting=queries.waiting_export(), exports=queries.exports(10), export_form=ExportForm())


@bp.route("/import", methods=["GET", "POST"])
@roles(LAWYER, MANAGER)
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        totals = {"read": 0, "new": 0, "known": 0, "matched": 0, "answered_in_gis": 0}
        try:
            for name, data in uploaded_files(form.files.data, "requests.xml"):
                for k, v in services.import_requests(name, data, today(), current_user).items():
                    totals[k] += v
        except parsing.RequestFileError as exc:
            rollback()
            form.files.errors = [*form.files.errors, str(exc)]
            return render_template("gis/upload.html", form=form), 400
        flash(_("Requests read: %(read)s, new: %(new)s (matched: %(matched)s), already held: %(known)s, "
                  "already answered in ГИС ЖКХ: %(answered_in_gis)s.", **totals),
              "success")
        return redirect(url_for(".index", status="open"))
    return render_template("gis/upload.html", form=form), (400 if form.errors else 200)


def _detail(req: GisRequest, match_form=None, answer_form=None, code: int = 200):
    candidates = services.candidate_accounts(req) if req.status != "answered" else []
    if req.account is not None and req.account not in candidates:
        candidates.insert(0, req.account)
    persons = {a.id: services.account_persons(a.id) for a in candidates}
    proposal = services.propose(req, today()) if req.status in ("matched", "not_ours") else None
    if answer_form is None:
        answer_form = AnswerForm(has_debt="yes" if proposal and proposal["has_debt"] else "no",
                                 description=(proposal or {}).get("description") or "")
    return render_template("gis/detail.html", req=req, candidates=candidates, persons=persons, proposal=proposal,
                           match_form=match_form or MatchForm(), answer_form=answer_form, labels=STATUS_LABELS,
                           today=today()), code


@bp.route("/<int:req_id>")
@roles(LAWYER, MANAGER, ADMIN)
def detail(req_id: int):
    return _detail(db.get_or_404(GisRequest, req_id))


@bp.route("/<int:req_id>/match", methods=["POST"])
@roles(LAWYER, MANAGER)
def match(req_id: int):
    req = db.get_or_404(GisRequest, req_id)
    form = MatchForm()
    if not form.validate_on_submit():
        return _detail(req, match_form=form, code=400)
    try:
        if form.action.data == "not_ours":
            services.mark_not_ours(req, current_user)
        else:
            acc = int(form.account_id.data) if (form.account_id.data or "").isdigit() else None
            if acc is None and (form.account_number.data or "").strip():
                acc = queries.account_id_by_number(form.account_number.data)
                if acc is None:
                    raise DomainError(_("There is no account number %(n)s.", n=form.account_number.data.strip()))
            party = int(form.party_id.data) if (form.party_id.data or "").isdigit() else None
            services.confirm_match(req, current_user, acc, party)
    except DomainError as exc:
        rollback(str(exc))
        return _detail(db.get_or_404(GisRequest, req_id), code=400)
    return redirect(url_for(".detail", req_id=req.id))


@bp.route("/<int:req_id>/answer", methods=["POST"])
@roles(LAWYER, MANAGER)
def answer(req_id: int):
    req = db.get_or_404(GisRequest, req_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _detail(req, answer_form=form, code=400)
    try:
        services.answer(req, current_user, today(), form.has_debt.data == "yes", form.description.data)
    except DomainError as exc:
        rollback(str(exc))
        return _detail(db.get_or_404(GisRequest, req_id), answer_form=form, code=400)
    flash(_("The answer is recorded."), "success")
    return redirect(url_for(".detail", req_id=req.id))


@bp.route("/export", methods=["POST"])
@roles(LAWYER, MANAGER)
def export():
    if not ExportForm().validate_on_submit():
        return redirect(url_for(".index"))
    try:
        exp = services.create_export(current_user)
    except DomainError as exc:
        return refused(exc, url_for(".index"))
    flash(_("%(n)s answers are in the export; download its XML.", n=exp.count), "success")
    return redirect(url_for(".index"))


@bp.route("/exports/<int:export_id>.xml")
@roles(LAWYER, MANAGER, ADMIN)
def export_file(export_id: int):
    exp = db.get_or_404(GisExport, export_id)
    return Response(services.export_xml(exp), mimetype="application/xml", headers={
        "Content-Disposition": f"attachment; filename=importDSRResponses-{exp.id}.xml"})
