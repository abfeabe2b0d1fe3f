"""Thin views of the cases area: queue, list (filters, export, bulk), case page and its actions."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..access import ADMIN, ALL_ROLES, CASE_STAFF, LAWYER, MANAGER, roles
from ..accounts.models import Account, AccountBalance, Service, Territory
from ..domain.errors import DomainError
from ..domain.money import to_kopecks
from ..domain.stages import Stage, refusals
from ..extensions import db
from ..i18n import _, _l
from ..pagination import check_kopecks, int_arg, paginate
from ..timeutil import today as business_today
from . import bp, directory, forms, labels, queries, services
from .models import Alert, BailiffUnit, Case, Court, CourtRecord, Enforcement, WriteOffProposal

CONFLICT = _l("The case has already been changed by another user; refresh the page.")


def _is_manager() -> bool:
    return current_user.role == MANAGER


def _kop(value) -> int:
    return to_kopecks(value) if value is not None else 0


def _commit_or_conflict(case_id: int | None = None) -> bool:
    """Commit once; on a concurrent change roll everything back and say so."""
    try:
        db.session.commit()
        return True
    except StaleDataError:
        db.session.rollback()
        flash(str(CONFLICT), "error")
        return False


def _check_version(case: Case, form) -> bool:
    v = getattr(form, "version", None)
    if v is not None and v.data and str(v.data) != str(case.version_id):
        flash(str(CONFLICT), "error")
        return False
    return True


def _refused(exc: DomainError) -> None:
    db.session.rollback()
    flash(labels.refusal_message(exc), "error")


def _back(case_id: int):
    return redirect(url_for("cases.show", case_id=case_id))


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
        except Exception:  # noqa: BLE001
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
    territories = db.session.scalars(select(Territory).order_by(Territory.name)).all()
    bulk = forms.BulkForm()
    bulk.assignee_id.choices = [(u.id, u.full_name) for u in queries.assignable_users()]
    return render_template("cases/index.html", page=page, f=f, labels=labels, territories=territories,
                           users=queries.assignable_users(), bulk=bulk, at_least=at_least)


@bp.route("/bulk", methods=["POST"])
@roles(CASE_STAFF)
def bulk():
    form = forms.BulkForm()
    form.assignee_id.choices = [(u.id, u.full_name) for u in queries.assignable_users()]
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
        sample = db.session.execute(queries.case_list_stmt(queries.CaseFilter(open_only=True))
                                    .where(Case.id.in_(affected[:50]))).all()
        return render_template("cases/bulk_preview.html", form=form, action=action, total=len(ids),
                               affected=len(affected), sample=sample, labels=labels)
    if action == "assign":
        n = services.bulk_assign(affected, form.assignee_id.data or None, current_user)
    elif action == "notice":
        n = services.bulk_open_notice(affected, current_user, today)
    else:
        n = services.bulk_plan_visits(affected, form.visit_on.data, current_user, text=_("Visit"))
    db.session.commit()
    flash(_("Done: %(n)s cases changed.", n=n), "success")
    return redirect(url_for("cases.index"))


# --------------------------------------------------------------------------------------------- case page
def _service_choices():
    return [(0, "—")] + [(s.id, s.name) for s in db.session.scalars(
        select(Service).where(Service.is_utility.is_(True)).order_by(Service.sort_order))]


def _page_forms(case: Case, today: date):
    v = {"version": case.version_id}
    stage = forms.StageForm(data=v)
    stage.target.choices = [(s, str(labels.STAGE_LABELS[s])) for s in sorted(
        __import__("casework.domain.stages", fromlist=["TRANSITIONS"]).TRANSITIONS[Stage(case.stage)],
        key=list(Stage).index)]
    stage.service_id.choices = _service_choices()
    hold = forms.HoldForm(data=v)
    lift = forms.LiftHoldForm(data=v)
    warning = forms.WarningForm(data=dict(v, delivered_on=today))
    warning.service_id.choices = _service_choices()
    nxt = forms.NextActionForm(data=dict(v, next_action_on=case.next_action_on, next_action=case.next_action))
    assign = forms.AssignForm(data=dict(v, assignee_id=case.assignee_id or 0))
    assign.assignee_id.choices = [(0, _("Nobody"))] + [(u.id, u.full_name) for u in queries.assignable_users()]
    court = forms.CourtFilingForm(data=dict(v, filed_on=today))
    court.court_id.choices = [(0, _("By the debtor's address"))] + [
        (c.id, c.name) for c in db.session.scalars(select(Court).where(Court.is_active.is_(True)).order_by(Court.name))]
    writ = forms.WritForm(data=dict(v, sent_on=today))
    writ.bailiff_unit_id.choices = [(0, "—")] + [(b.id, b.name) for b in db.session.scalars(
        select(BailiffUnit).order_by(BailiffUnit.name))]
    writeoff = forms.WriteOffForm(data=v)
    return dict(stage_form=stage, hold_form=hold, lift_form=lift, warning_form=warning, next_form=nxt,
                assign_form=assign, court_form=court, writ_form=writ, writeoff_form=writeoff)


def enforcement_terms(e: Enforcement) -> dict:
    """What the bailiffs' report means for the writ: after a return under п.3/п.4 ч.1 ст.46 229-ФЗ the day it may be
    presented again (ст.46 ч.5) and the end of the renewed three-year term (ст.21, 22)."""
    from ..domain import enforcement as enf_rules

    ground = enf_rules.parse_end_ground(e.end_article)
    if e.ended_on is None or ground is None or ground.reason not in ("impossible", "returned"):
        return {}
    return {"re_present_on": enf_rules.re_presentation_date(e.ended_on, ground),
            "writ_term_end": enf_rules.writ_term_end(e.ended_on)}


@bp.route("/<int:case_id>")
@roles(CASE_STAFF)
def show(case_id: int):
    case = db.get_or_404(Case, case_id)
    today = business_today()
    facts = services.gather_facts(case, today, with_limitation=False)
    blocked = {s: labels.refusal_message(e) for s, e in refusals(case.stage, facts, today,
                                                                 calendar=services.business_calendar()).items()
               if s not in (Stage.COURT, Stage.WRITTEN_OFF)}
    court_records = db.session.scalars(select(CourtRecord).where(CourtRecord.case_id == case.id)
                                       .order_by(CourtRecord.id.desc())).all()
    enforcements = db.session.scalars(select(Enforcement).where(Enforcement.case_id == case.id)
                                      .order_by(Enforcement.id.desc())).all()
    proposals = db.session.scalars(select(WriteOffProposal).where(WriteOffProposal.case_id == case.id)
                                   .order_by(WriteOffProposal.id.desc())).all()
    balance = db.session.get(AccountBalance, case.account_id)
    enf_terms = {e.id: enforcement_terms(e) for e in enforcements}
    claim = None  # the month checklist of the court-filing form (lawyer, manager)
    if case.is_open and current_user.role in (LAWYER, MANAGER):
        claim = services.claim_checklist_for(case.account_id, today)
    forms_ = _page_forms(case, today)
    if claim is not None:  # a partial write-off: the unpaid time-barred months (ГК 196, 199)
        forms_["writeoff_form"].periods.choices = [(str(p.period), f"{p.period.month:02d}.{p.period.year}")
                                                   for p in claim.periods if p.time_barred and p.debt_kop > 0]
    return render_template("cases/show.html", case=case, facts=facts, blocked=blocked, labels=labels, claim=claim,
                           timeline=queries.timeline(case), court_records=court_records, enforcements=enforcements,
                           enf_terms=enf_terms,
                           proposals=proposals, balance=balance, today=today,
                           court_choice=services.court_choice(case.account),
                           record_form=forms.CourtRecordForm, enf_form=forms.EnforcementForm,
                           decision_form=forms.DecisionForm(), **forms_)


def _case_action(case_id: int, form_cls, action):
    case = db.get_or_404(Case, case_id)
    form = form_cls()
    if hasattr(form, "service_id"):
        form.service_id.choices = _service_choices()
    if hasattr(form, "assignee_id"):
        form.assignee_id.choices = [(0, "")] + [(u.id, u.full_name) for u in queries.assignable_users()]
    if hasattr(form, "court_id"):
        form.court_id.choices = [(0, "")] + [(c.id, c.name) for c in db.session.scalars(select(Court))]
    if hasattr(form, "bailiff_unit_id"):
        form.bailiff_unit_id.choices = [(0, "")] + [(b.id, b.name) for b in db.session.scalars(select(BailiffUnit))]
    if hasattr(form, "target"):
        form.target.choices = [(s.value, s.value) for s in Stage]
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
        _refused(exc)
        return _back(case.id)
    except StaleDataError:  # the action's own flush met a concurrent change (PostgreSQL waits, then finds 0 rows)
        db.session.rollback()
        flash(str(CONFLICT), "error")
        return _back(case.id)
    if _commit_or_conflict(case.id) and message:
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
        case.assignee_id = form.assignee_id.data or None
        db.session.flush()
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
        _refused(exc)
        return redirect(request.referrer or url_for("cases.writeoffs"))
    if _commit_or_conflict():
        flash(_("Write-off approved.") if form.approve.data else _("Write-off rejected."), "success")
    return redirect(request.referrer or url_for("cases.writeoffs"))


@bp.route("/alerts/<int:alert_id>/resolve", methods=["POST"])
@roles(CASE_STAFF)
def resolve_alert(alert_id: int):
    a = db.get_or_404(Alert, alert_id)
    a.resolved_on = business_today()
    a.resolved_by = current_user.id
    db.session.commit()
    flash(_("Marked as dealt with."), "success")
    return redirect(request.referrer or url_for("cases.queue"))


@bp.route("/open/<int:account_id>", methods=["POST"])
@roles(CASE_STAFF)
def open_for_account(account_id: int):
    db.get_or_404(Account, account_id)
    try:
        case = services.open_case(account_id, current_user, business_today(),
                                  assignee_id=None if _is_manager() else current_user.id)
    except DomainError as exc:
        _refused(exc)
        return redirect(request.referrer or url_for("cases.queue"))
    db.session.commit()
    flash(_("The case is opened."), "success")
    return _back(case.id)


# --------------------------------------------------------------------------------------------- norm charges
def _norm_rows(account: Account, today: date) -> list[dict]:
    """The services a restriction may concern (utilities not excluded by ПП 354 п.119, 122) with the account's own
    norm charge, the service default, the derived one and the one in use."""
    from ..domain.restriction import DERIVED_NORM_MONTHS, derived_norm_kop
    from ..accounts.models import AccountServiceNorm

    rows = []
    for svc in db.session.scalars(select(Service).where(Service.is_utility.is_(True),
                                                        Service.restriction_rule != "never")
                                  .order_by(Service.sort_order, Service.id)):
        own = db.session.get(AccountServiceNorm, (account.id, svc.id))
        charges = services.service_monthly_charges(account.id, svc.id, today, DERIVED_NORM_MONTHS)
        used, source = services.norm_info(account.id, svc, today)
        rows.append(dict(service=svc, own_kop=own.norm_monthly_kop if own else None, default_kop=svc.norm_monthly_kop,
                         charges=charges, derived_kop=derived_norm_kop([k for _p, k in charges]), used_kop=used,
                         source=source, debt_kop=services.service_debt_kop(account.id, svc.id),
                         form=forms.NormForm(formdata=None, data=dict(
                             service_id=svc.id,
                             norm=Decimal(own.norm_monthly_kop) / 100 if own else None))))
    return rows


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
            _refused(exc)
            return redirect(url_for("cases.account_norms", account_id=account.id))
        db.session.commit()
        flash(_("The monthly charge at the norm for «%(service)s» is saved.", service=svc.name), "success")
        return redirect(url_for("cases.account_norms", account_id=account.id))
    case_id = db.session.scalar(select(Case.id).where(Case.account_id == account.id, Case.is_open.is_(True)).limit(1))
    return render_template("cases/norms.html", account=account, rows=_norm_rows(account, today), labels=labels,
                           case_id=case_id)


# --------------------------------------------------------------------------------------------- directory
DIRECTORY_EDITORS = (LAWYER, MANAGER, ADMIN)


def _territory_choices(blank):
    return [(0, blank)] + [(t.id, t.name) for t in db.session.scalars(select(Territory).order_by(Territory.name))]


@bp.route("/courts")
@roles(ALL_ROLES)
def courts():
    """The directory: courts with their duty details and linked buildings, bailiff units (everyone reads)."""
    items = db.session.scalars(select(Court).order_by(Court.is_active.desc(), Court.kind, Court.sector_number,
                                                      Court.name)).all()
    units = db.session.scalars(select(BailiffUnit).order_by(BailiffUnit.name)).all()
    territories = {t.id: t.name for t in db.session.scalars(select(Territory))}
    return render_template("cases/courts.html", courts=items, units=units, labels=labels,
                           linked=directory.linked_counts(), territories=territories,
                           may_edit=current_user.role in DIRECTORY_EDITORS)


def _court_form_page(court: Court | None):
    form = forms.CourtForm(obj=court) if court is not None else forms.CourtForm()
    form.territory_id.choices = _territory_choices("—")
    if court is not None and request.method == "GET":
        form.territory_id.data = court.territory_id or 0
    if form.validate_on_submit():
        data = {f: getattr(form, f).data for f in directory.COURT_EDIT_FIELDS}
        data["territory_id"] = form.territory_id.data or None
        try:
            saved = directory.save_court(court, current_user, code=form.code.data, **data)
        except DomainError as exc:
            _refused(exc)
        else:
            db.session.commit()
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
    form.territory_id.choices = _territory_choices("—")
    if unit is not None and request.method == "GET":
        form.territory_id.data = unit.territory_id or 0
    if form.validate_on_submit():
        data = {f: getattr(form, f).data for f in directory.BAILIFF_EDIT_FIELDS}
        data["territory_id"] = form.territory_id.data or None
        try:
            directory.save_bailiff_unit(unit, current_user, **data)
        except DomainError as exc:
            _refused(exc)
        else:
            db.session.commit()
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
        back = url_for("cases.court_buildings", court_id=court.id, territory=f.territory_id or "",
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
            _refused(exc)
            return redirect(back)
        db.session.commit()
        flash(_("Done: %(n)s buildings changed.", n=n), "success")
        return redirect(back)
    f = _building_filter(request.args)
    page = paginate(directory.buildings_stmt(court.id, f), request.args.get("page", 1, type=int), scalars=False)
    return render_template("cases/court_buildings.html", court=court, page=page, f=f, labels=labels,
                           territories=db.session.scalars(select(Territory).order_by(Territory.name)).all(),
                           linked_total=directory.linked_counts().get(court.id, 0), may_edit=may_edit)
