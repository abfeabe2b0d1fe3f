"""Thin views of the cases area: queue, list (filters, export, bulk), case page and its actions."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..access import ADMIN, ALL_ROLES, CASE_STAFF, LAWYER, MANAGER, roles
from ..accounts.models import Account, Service, Territory
from ..domain.errors import DomainError
from ..domain.money import to_kopecks
from ..domain.stages import Stage, refusals
from ..extensions import db
from ..i18n import _
from ..pagination import check_kopecks, int_arg, paginate
from ..timeutil import today as business_today
from ..transaction import CONFLICT, back, refused, rollback
from . import bp, directory, forms, labels, queries, services
from .models import Alert, BailiffUnit, Case, Court, CourtRecord, Enforcement, WriteOffProposal


def _is_manager() -> bool:
    return current_user.role == MANAGER


def _kop(value) -> int:
    return to_kopecks(value) if value is not None else 0


def _check_version(case: Case, form) -> bool:
    v = getattr(form, "version", None)
    if v is not None and v.data and str(v.data) != str(case.version_id):
        flash(str(CONFLICT), "error")
        return False
    return True


def _refused(exc: DomainError, to: str):
    """A refusal of the cases area: rolled back, its message in the user's words (labels.refusal_message), to `to`."""
    return refused(exc, to, message=labels.refusal_message(exc))


def _case_url(case_id: int) -> str:
    return url_for("cases.show", case_id=case_id)


def _back(case_id: int):
    return redirect(_case_url(case_id))


# --------------------------------------------------------------------------------------------- queue
@bp.route("/queue")
@roles(CASE_STAFF)
def queue():
    today = business_today()
    users = queries.assignable_users() if _is_manager() else []
    who = int_arg("user") if _is_manager() else current_user.id
    if _is_manager() and request.args.get("user") in (None, "", "all"):
        who = None
    sections = queries.queue(who, today)
    return render_template("cases/queue.html", sections=sections, today=today, users=users, who=who,
                           labels=labels, new_count=queries.new_debtors(count=True) if who is None else None,
                           counts=queries.queue_counts(who),
                           limit=queries.SECTION_LIMIT)


@bp.route("/neglected")
@roles(CASE_STAFF)
def neglected():
    today = business_today()
    who = int_arg("user") if _is_manager() else current_user.id
    # no total: counting every neglected case costs more than the page itself; the pager offers «next»
    page = paginate(queries.neglected_stmt(who, today), request.args.get("page", 1, type=int), count=False,
                    scalars=False)
    return render_template("cases/neglected.html", page=page, labels=labels,
                           users=queries.assignable_users() if _is_manager() else [], who=who)


# --------------------------------------------------------------------------------------------- list
def _filter_from_args(args) -> queries.CaseFilter:
    def rub(name):
        raw = (args.get(name) or "").replace(" ", "").replace(",", ".")
        if not raw:
            return None
        try:
            kop = to_kopecks(Decimal(raw).quantize(Decimal("0.01")))
        except (InvalidOperation, DomainError):  # not a number, or not a finite one
            flash(_("The debt range must be a number of rubles."), "error")
            return None
        return check_kopecks(name, kop)  # beyond what the database holds: 400 naming the field
    assignee = int_arg("assignee", args=args)
    return queries.CaseFilter(stage=args.get("stage") or None, assignee_id=assignee,
                              territory_id=int_arg("territory", args=args), debt_min_kop=rub("debt_min"),
                              debt_max_kop=rub("debt_max"), hold=args.get("hold") or None,
                              q=args.get("q") or None, open_only=args.get("closed") != "1")


@bp.route("/")
@roles(CASE_STAFF)
def index():
    f = _filter_from_args(request.args)
    stmt = queries.case_list_stmt(f)
    if request.args.get("export") == "xlsx":  # at once when small, else a report job (casework/jobs/exports.py)
        from ..jobs.exports import export_response
        from .exports import filter_params

        return export_response("cases", filter_params(f), "xlsx", CASE_STAFF)
    page = paginate(stmt, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"], count=False,
                    scalars=False)
    if not page.has_next:  # the last page: the total is known without a count
        page.total = (page.page - 1) * page.per_page + len(page.items) if page.items or page.page == 1 else None
    if page.total is None and (queries.count_is_cheap(f) or request.args.get("count") == "1"):
        page.total = queries.case_count(f)  # a short search fragment is counted only on request (a full scan)
    at_least = (page.page - 1) * page.per_page + len(page.items) + 1  # when not counted: there is a next page
    users = queries.assignable_users()
    return render_template("cases/index.html", page=page, f=f, labels=labels, territories=queries.territories(),
                           users=users, bulk=forms.bulk_form(users), at_least=at_least)


@bp.route("/bulk", methods=["POST"])
@roles(CASE_STAFF)
def bulk():
    form = forms.bulk_form(queries.assignable_users())
    ids = [int(x) for x in request.form.getlist("case_id") if x.isdigit()]
    if not ids and form.case_ids.data:
        ids = [int(x) for x in form.case_ids.data.split(",") if x.isdigit()]
    if request.form.get("all_filtered") == "1":
        ids = queries.case_ids_for(_filter_from_args(request.form))
    action = form.action.data
    if action == "assign" and not _is_manager():
        abort(403)
    if not ids:
        flash(_("Select at least one case."), "error")
        return redirect(url_for("cases.index"))
    today = business_today()
    if action == "notice":
        affected = services.notice_eligible_ids(ids)
    else:
        affected = [i for i in ids]
    if action == "visits" and not form.visit_on.data:
        flash(_("Enter the visit date."), "error")
        return redirect(url_for("cases.index"))
    if form.confirm.data != "1":
        form.case_ids.data = ",".join(map(str, ids))
        form.confirm.data = "1"
        sample = queries.bulk_sample(affected)
        return render_template("cases/bulk_preview.html", form=form, action=action, total=len(ids),
                               affected=len(affected), sample=sample, labels=labels)
    if action == "assign":
        n = services.bulk_assign(affected, form.assignee_id.data or None, current_user)
    elif action == "notice":
        n = services.bulk_open_notice(affected, current_user, today)
    else:
        n = services.bulk_plan_visits(affected, form.visit_on.data, current_user, text=_("Visit"))
    flash(_("Done: %(n)s cases changed.", n=n), "success")
    return redirect(url_for("cases.index"))


# --------------------------------------------------------------------------------------------- case page
@bp.route("/<int:case_id>")
@roles(CASE_STAFF)
def show(case_id: int):
    case = db.get_or_404(Case, case_id)
    today = business_today()
    facts = services.gather_facts(case, today, with_limitation=False)
    blocked = {s: labels.refusal_message(e) for s, e in refusals(case.stage, facts, today,
                                                                 calendar=services.business_calendar()).items()
               if s not in (Stage.COURT, Stage.WRITTEN_OFF)}
    papers = queries.case_papers(case)
    claim = None  # the month checklist of the court-filing form (lawyer, manager)
    if case.is_open and current_user.role in (LAWYER, MANAGER):
        claim = services.claim_checklist_for(case.account_id, today)
    forms_ = forms.case_page_forms(case, today, services=queries.utility_services(),
                                   assignees=queries.assignable_users(), courts=queries.courts(active_only=True),
                                   units=queries.bailiff_units())
    if claim is not None:
        forms.offer_writeoff_periods(forms_["writeoff_form"], claim)
    return render_template("cases/show.html", case=case, facts=facts, blocked=blocked, labels=labels, claim=claim,
                           timeline=queries.timeline(case), court_records=papers.court_records,
                           enforcements=papers.enforcements,
                           enf_terms={e.id: queries.enforcement_terms(e) for e in papers.enforcements},
                           proposals=papers.proposals, balance=papers.balance, today=today,
                           court_choice=services.court_choice(case.account),
                           record_forms={r.id: forms.court_record_form(r) for r in papers.court_records},
                           enf_forms={e.id: forms.enforcement_form(e) for e in papers.enforcements},
                           decision_form=forms.DecisionForm(), **forms_)


def _case_action(case_id: int, form_cls, action):
    case = db.get_or_404(Case, case_id)
    form = form_cls()
    forms.bind_action_choices(form, services=queries.utility_services(), assignees=queries.assignable_users(),
                              courts=queries.courts(), units=queries.bailiff_units())
    if not form.validate_on_submit():
        for field, errs in form.errors.items():
            for e in errs:
                flash(f"{getattr(form, field).label.text}: {e}", "error")
        return _back(case.id)
    if not _check_version(case, form):
        return _back(case.id)
    try:
        message = action(case, form, business_today())
    except DomainError as exc:
        return _refused(exc, _case_url(case.id))
    except StaleDataError:  # the action's own flush met a concurrent change (PostgreSQL waits, then finds 0 rows)
        rollback(str(CONFLICT))
        return _back(case.id)
    if message:  # a conflict found at the commit replaces it (casework/transaction.py)
        flash(message, "success")
    return _back(case_id)


@bp.route("/<int:case_id>/stage", methods=["POST"])
@roles(CASE_STAFF)
def change_stage(case_id: int):
    def act(case, form, today):
        target = form.target.data
        if form.lawyer_approved.data and current_user.role != LAWYER:
            abort(403)
        services.change_stage(case, target, current_user, today, reason=form.reason.data or None,
                              service_id=form.service_id.data or None, court_kind=form.court_kind.data or None,
                              lawyer_approved=bool(form.lawyer_approved.data) or None)
        return _("The case moved to «%(stage)s».", stage=labels.label(labels.STAGE_LABELS, target))
    return _case_action(case_id, forms.StageForm, act)


@bp.route("/<int:case_id>/hold", methods=["POST"])
@roles(CASE_STAFF)
def hold(case_id: int):
    def act(case, form, today):
        services.set_hold(case, form.reason.data, form.review_on.data, current_user, today, form.note.data or None)
        return _("The case is on hold until %(d)s.", d=form.review_on.data.strftime("%d.%m.%Y"))
    return _case_action(case_id, forms.HoldForm, act)


@bp.route("/<int:case_id>/hold/lift", methods=["POST"])
@roles(CASE_STAFF)
def lift_hold(case_id: int):
    def act(case, form, today):
        services.lift_hold(case, current_user, today, form.note.data or None)
        return _("The hold is lifted.")
    return _case_action(case_id, forms.LiftHoldForm, act)


@bp.route("/<int:case_id>/warning", methods=["POST"])
@roles(CASE_STAFF)
def warning(case_id: int):
    def act(case, form, today):
        d = services.record_warning_delivered(case, form.delivered_on.data, current_user, form.channel.data,
                                              form.service_id.data or None, today=today)
        return _("Warning delivery recorded; restriction is possible from %(d)s.", d=d.due_on.strftime("%d.%m.%Y"))
    return _case_action(case_id, forms.WarningForm, act)


@bp.route("/<int:case_id>/next-action", methods=["POST"])
@roles(CASE_STAFF)
def next_action(case_id: int):
    def act(case, form, today):
        services.plan_next_action(case, form.next_action_on.data, form.next_action.data or None, current_user)
        return _("Next action planned.")
    return _case_action(case_id, forms.NextActionForm, act)


@bp.route("/<int:case_id>/assign", methods=["POST"])
@roles(MANAGER)
def assign(case_id: int):
    def act(case, form, today):
        services.assign_case(case, form.assignee_id.data or None)
        return _("Assignee changed.")
    return _case_action(case_id, forms.AssignForm, act)


@bp.route("/<int:case_id>/court", methods=["POST"])
@roles(LAWYER, MANAGER)
def court_filing(case_id: int):
    def act(case, form, today):
        # the months ticked on the form give the amounts (the legal calculation); without the checklist, the
        # amounts typed (an older form) — then the principal is required
        periods = request.form.getlist("claim_period") if request.form.get("claim_periods_shown") else None
        if form.kind.data == "eviction" and not periods:
            periods = None  # an eviction claims no money (ЖК 90): no month needed
        elif periods is None and form.principal.data is None:
            raise DomainError(_("Tick the months to claim or enter the principal."))
        services.record_court_filing(case, current_user, today, kind=form.kind.data,
                                     court_id=form.court_id.data or None, filed_on=form.filed_on.data,
                                     principal_kop=_kop(form.principal.data), penalty_kop=_kop(form.penalty.data),
                                     duty_kop=_kop(form.duty.data) if form.duty.data is not None else None,
                                     period_from=form.period_from.data,
                                     period_to=form.period_to.data, case_number=form.case_number.data or None,
                                     periods=periods)
        return _("The court filing is recorded.")
    return _case_action(case_id, forms.CourtFilingForm, act)


@bp.route("/court-records/<int:record_id>", methods=["POST"])
@roles(LAWYER, MANAGER)
def court_record(record_id: int):
    rec = db.get_or_404(CourtRecord, record_id)

    def act(case, form, today):
        services.update_court_record(rec, current_user, today, case_number=form.case_number.data or None,
                                     outcome=form.outcome.data, issued_on=form.issued_on.data,
                                     received_on=form.received_on.data, objection_on=form.objection_on.data,
                                     cancelled_on=form.cancelled_on.data, in_force_on=form.in_force_on.data,
                                     awarded_kop=_kop(form.awarded.data) if form.awarded.data is not None else None)
        return _("The court record is saved.")
    return _case_action(rec.case_id, forms.CourtRecordForm, act)


@bp.route("/<int:case_id>/writ", methods=["POST"])
@roles(LAWYER, MANAGER)
def writ(case_id: int):
    def act(case, form, today):
        services.send_writ(case, current_user, today, writ_number=form.writ_number.data,
                           writ_date=form.writ_date.data, amount_kop=_kop(form.amount.data),
                           destination=form.destination.data, bailiff_unit_id=form.bailiff_unit_id.data or None,
                           payer_name=form.payer_name.data or None, sent_on=form.sent_on.data)
        return _("The writ is recorded as sent.")
    return _case_action(case_id, forms.WritForm, act)


@bp.route("/enforcements/<int:enforcement_id>", methods=["POST"])
@roles(LAWYER, MANAGER)
def enforcement(enforcement_id: int):
    enf = db.get_or_404(Enforcement, enforcement_id)

    def act(case, form, today):
        services.update_enforcement(enf, current_user, today, proceedings_number=form.proceedings_number.data or None,
                                    proceedings_opened_on=form.proceedings_opened_on.data,
                                    travel_ban_requested_on=form.travel_ban_requested_on.data,
                                    ended_on=form.ended_on.data, end_reason=form.end_reason.data or None)
        return _("Enforcement saved.")
    return _case_action(enf.case_id, forms.EnforcementForm, act)


@bp.route("/<int:case_id>/writeoff", methods=["POST"])
@roles(CASE_STAFF)
def propose_writeoff(case_id: int):
    def act(case, form, today):
        months = [m for m in (form.periods.data or []) if m]
        services.propose_writeoff(case, form.ground.data, form.evidence.data, current_user, today,
                                  periods=months or None)
        return _("The write-off is proposed; a manager other than you must approve it.")
    return _case_action(case_id, forms.WriteOffForm, act)


@bp.route("/writeoffs")
@roles(MANAGER, LAWYER)
def writeoffs():
    return render_template("cases/writeoffs.html", proposals=queries.pending_writeoffs(), labels=labels,
                           form=forms.DecisionForm())


@bp.route("/writeoffs/<int:proposal_id>/decide", methods=["POST"])
@roles(MANAGER)
def decide_writeoff(proposal_id: int):
    p = db.get_or_404(WriteOffProposal, proposal_id)
    form = forms.DecisionForm()
    try:
        services.decide_writeoff(p, bool(form.approve.data), current_user, business_today(), form.note.data or None)
    except DomainError as exc:
        return _refused(exc, back(url_for("cases.writeoffs")))
    flash(_("Write-off approved.") if form.approve.data else _("Write-off rejected."), "success")
    return redirect(back(url_for("cases.writeoffs")))


@bp.route("/alerts/<int:alert_id>/resolve", methods=["POST"])
@roles(CASE_STAFF)
def resolve_alert(alert_id: int):
    services.resolve_alert(db.get_or_404(Alert, alert_id), current_user, business_today())
    flash(_("Marked as dealt with."), "success")
    return redirect(back(url_for("cases.queue")))


@bp.route("/open/<int:account_id>", methods=["POST"])
@roles(CASE_STAFF)
def open_for_account(account_id: int):
    db.get_or_404(Account, account_id)
    try:
        case = services.open_case(account_id, current_user, business_today(),
                                  assignee_id=None if _is_manager() else current_user.id)
    except DomainError as exc:
        return _refused(exc, back(url_for("cases.queue")))
    flash(_("The case is opened."), "success")
    return _back(case.id)


# --------------------------------------------------------------------------------------------- norm charges
@bp.route("/accounts/<int:account_id>/norms", methods=["GET", "POST"])
@roles(LAWYER, MANAGER)
def account_norms(account_id: int):
    """The account's monthly charges at the norm (ПП 354 п.118): set, change or remove them per service."""
    account = db.get_or_404(Account, account_id)
    today = business_today()
    if request.method == "POST":
        form = forms.NormForm()
        svc = db.session.get(Service, int(form.service_id.data or 0)) if (form.service_id.data or "").isdigit() \
            else None
        if svc is None:
            abort(400)
        if not form.validate_on_submit():
            for field, errs in form.errors.items():
                for e in errs:
                    flash(f"{getattr(form, field).label.text}: {e}", "error")
            return redirect(url_for("cases.account_norms", account_id=account.id))
        try:
            services.set_account_norm(account, svc, _kop(form.norm.data) if form.norm.data is not None else None,
                                      current_user)
        except DomainError as exc:
            return _refused(exc, url_for("cases.account_norms", account_id=account.id))
        flash(_("The monthly charge at the norm for «%(service)s» is saved.", service=svc.name), "success")
        return redirect(url_for("cases.account_norms", account_id=account.id))
    rows = queries.norm_rows(account, today)
    for row in rows:
        row["form"] = forms.norm_form(row["service"].id, row["own_kop"])
    return render_template("cases/norms.html", account=account, rows=rows, labels=labels,
                           case_id=queries.open_case_id(account.id))


# --------------------------------------------------------------------------------------------- directory
DIRECTORY_EDITORS = (LAWYER, MANAGER, ADMIN)


@bp.route("/courts")
@roles(ALL_ROLES)
def courts():
    """The directory: courts with their duty details and linked buildings, bailiff units (everyone reads)."""
    territories = {t.id: t.name for t in queries.territories()}
    return render_template("cases/courts.html", courts=queries.directory_courts(), units=queries.bailiff_units(),
                           labels=labels,
                           linked=directory.linked_counts(), territories=territories,
                           may_edit=current_user.role in DIRECTORY_EDITORS)


def _court_form_page(court: Court | None):
    form = forms.CourtForm(obj=court) if court is not None else forms.CourtForm()
    form.territory_id.choices = forms.territory_choices(queries.territories(), "—")
    if court is not None and request.method == "GET":
        form.territory_id.data = court.territory_id or 0
    if form.validate_on_submit():
        data = {f: getattr(form, f).data for f in directory.COURT_EDIT_FIELDS}
        data["territory_id"] = form.territory_id.data or None
        try:
            saved = directory.save_court(court, current_user, code=form.code.data, **data)
        except DomainError as exc:
            rollback(labels.refusal_message(exc))
        else:
            flash(_("The court is saved."), "success")
            return redirect(url_for("cases.court_buildings", court_id=saved.id) if court is None
                            else url_for("cases.courts"))
    return render_template("cases/court_form.html", form=form, court=court)


@bp.route("/courts/new", methods=["GET", "POST"])
@roles(*DIRECTORY_EDITORS)
def court_new():
    return _court_form_page(None)


@bp.route("/courts/<int:court_id>/edit", methods=["GET", "POST"])
@roles(*DIRECTORY_EDITORS)
def court_edit(court_id: int):
    return _court_form_page(db.get_or_404(Court, court_id))


def _bailiff_form_page(unit: BailiffUnit | None):
    form = forms.BailiffUnitForm(obj=unit) if unit is not None else forms.BailiffUnitForm()
    form.territory_id.choices = forms.territory_choices(queries.territories(), "—")
    if unit is not None and request.method == "GET":
        form.territory_id.data = unit.territory_id or 0
    if form.validate_on_submit():
        data = {f: getattr(form, f).data for f in directory.BAILIFF_EDIT_FIELDS}
        data["territory_id"] = form.territory_id.data or None
        try:
            directory.save_bailiff_unit(unit, current_user, **data)
        except DomainError as exc:
            rollback(labels.refusal_message(exc))
        else:
            flash(_("The bailiff unit is saved."), "success")
            return redirect(url_for("cases.courts") + "#bailiffs")
    return render_template("cases/bailiff_form.html", form=form, unit=unit)


@bp.route("/bailiffs/new", methods=["GET", "POST"])
@roles(*DIRECTORY_EDITORS)
def bailiff_new():
    return _bailiff_form_page(None)


@bp.route("/bailiffs/<int:unit_id>/edit", methods=["GET", "POST"])
@roles(*DIRECTORY_EDITORS)
def bailiff_edit(unit_id: int):
    return _bailiff_form_page(db.get_or_404(BailiffUnit, unit_id))


def _building_filter(args) -> directory.BuildingFilter:
    linked = args.get("linked") or None
    return directory.BuildingFilter(territory_id=int_arg("territory", args=args) or None,
                                    street=(args.get("street") or "").strip() or None,
                                    linked=linked if linked in labels.LINKED_FILTER_LABELS else None)


@bp.route("/courts/<int:court_id>/buildings", methods=["GET", "POST"])
@roles(ALL_ROLES)
def court_buildings(court_id: int):
    """Buildings served by a court: filter by territory and street, link the chosen ones or all that match."""
    court = db.get_or_404(Court, court_id)
    may_edit = current_user.role in DIRECTORY_EDITORS
    if request.method == "POST":
        if not may_edit:
            abort(403)
        f = _building_filter(request.form)
        action = request.form.get("action")
        ids = [int(x) for x in request.form.getlist("building_id") if x.isdigit()]
        back_to = url_for("cases.court_buildings", court_id=court.id, territory=f.territory_id or "",
                          street=f.street or "", linked=f.linked or "")
        try:
            if action == "link_all":
                if request.form.get("confirm") != "1":
                    preview = directory.link_preview(court.id, f)
                    if not (f.territory_id or f.street):
                        raise directory.DirectoryError("filter_required", "choose a territory or a street")
                    return render_template("cases/court_link_preview.html", court=court, f=f, preview=preview,
                                           territory=db.session.get(Territory, f.territory_id) if f.territory_id
                                           else None, labels=labels)
                n = directory.link_buildings(court, current_user, f=f)
            elif action == "unlink":
                n = directory.unlink_buildings(court, current_user, ids)
            else:
                n = directory.link_buildings(court, current_user, building_ids=ids)
        except DomainError as exc:
            return _refused(exc, back_to)
        flash(_("Done: %(n)s buildings changed.", n=n), "success")
        return redirect(back_to)
    f = _building_filter(request.args)
    page = paginate(directory.buildings_stmt(court.id, f), request.args.get("page", 1, type=int), scalars=False)
    return render_template("cases/court_buildings.html", court=court, page=page, f=f, labels=labels,
                           territories=queries.territories(),
                           linked_total=directory.linked_counts().get(court.id, 0), may_edit=may_edit)
