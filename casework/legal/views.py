"""Views of the legal area: calculators, the account calculation and its printable «Расчёт пени», the rate
tables (admin edits) and the stored portfolio results."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..access import ADMIN, ALL_ROLES, LAWYER, MANAGER, has_role, roles
from ..domain.allocation import Charge, Payment
from ..domain.duty import compute_duty, select_scale
from ..domain.errors import DomainError
from ..domain.limitation import LimitationEvent, compute_limitation
from ..domain.penalty import compute_penalty
from ..domain.periods import Period
from ..extensions import db
from ..i18n import _
from ..pagination import int_arg, paginate
from ..timeutil import today
from ..transaction import commit_now, rollback
from ..views_common import WARNING_PROVIDERS
from . import bp
from . import forms as F
from . import labels as L
from . import services as S
from .adapter import claim_checklist, duty_policy
from .queries import TABLES, portfolio_rows, reference_rows

if S.admin_staleness_warnings not in WARNING_PROVIDERS:
    WARNING_PROVIDERS.append(S.admin_staleness_warnings)

VIEWERS = (LAWYER, MANAGER, ADMIN)


# ---------------------------------------------------------------- calculators hub


def _lines(text: str):
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if line:
            yield n, [p.strip() for p in line.replace("\t", ";").split(";")]


def _parse_period(value: str, n: int) -> Period:
    try:
        y, m = (int(x) for x in value.split("-"))
    except ValueError:
        y, m = 0, 0
    if not (2000 <= y <= 2100 and 1 <= m <= 12):
        raise DomainError(_("Line %(n)s: the month must look like 2025-01, not “%(v)s”.", n=n, v=value))
    return Period(y, m)


def _parse_amount(value: str, n: int) -> Decimal:
    try:
        d = Decimal(value.replace(" ", "").replace(",", "."))
    except ArithmeticError:
        d = None
    if d is None or not d.is_finite() or d <= 0 or d != d.quantize(Decimal("0.01")):
        raise DomainError(_("Line %(n)s: the amount must be a positive sum in rubles with at most two decimals, "
                            "not “%(v)s”.", n=n, v=value))
    return d


def _parse_date(value: str, n: int) -> date:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise DomainError(_("Line %(n)s: the date must look like 2025-05-15 or 15.05.2025, not “%(v)s”.", n=n, v=value))


def _charges_from(text: str) -> list[Charge]:
    out, seen = [], set()
    for n, parts in _lines(text):
        if len(parts) < 2:
            raise DomainError(_("Line %(n)s: write the month and the amount separated by “;”.", n=n))
        period = _parse_period(parts[0], n)
        if period in seen:
            raise DomainError(_("Line %(n)s: the month %(p)s appears twice; add the amounts up.", n=n, p=str(period)))
        seen.add(period)
        out.append(Charge(period, _parse_amount(parts[1], n)))
    return out


@bp.route("/")
@roles(ALL_ROLES)
def index():
    ref = S.current_reference()
    calc = request.args.get("calc", "duty")
    duty_form = F.DutyCalcForm(request.args if calc == "duty" and "claim" in request.args else None)
    pen_form = F.PenaltyCalcForm(request.args if calc == "penalty" and "charges" in request.args else None)
    lim_form = F.LimitationCalcForm(request.args if calc == "limitation" and "charges" in request.args else None)
    if not duty_form.sent_on.data:
        duty_form.sent_on.data = today()
    if not pen_form.calc_date.data:
        pen_form.calc_date.data = today()
    if not lim_form.as_of.data:
        lim_form.as_of.data = today()
    result = error = None
    try:
        if calc == "duty" and "claim" in request.args and duty_form.validate():
            scale = select_scale(ref.duty_scales, duty_form.court.data, duty_form.sent_on.data)
            res = compute_duty(duty_form.claim.data, duty_form.court.data, duty_form.kind.data,
                               duty_form.sent_on.data, ref.duty_scales, credit=duty_form.credit.data or Decimal(0),
                               policy=duty_policy())
            result = {"kind": "duty", "res": res, "scale": scale, "form": duty_form}
        elif calc == "penalty" and "charges" in request.args and pen_form.validate():
            charges = _charges_from(pen_form.charges.data)
            periods = {c.period for c in charges}
            payments = []
            for n, parts in _lines(pen_form.payments.data):
                if len(parts) < 2:
                    raise DomainError(_("Line %(n)s: write the date and the amount separated by “;”.", n=n))
                named = _parse_period(parts[2], n) if len(parts) > 2 and parts[2] else None
                if named is not None and named not in periods:
                    raise DomainError(_("Payment line %(n)s names the month %(p)s, which has no charge.",
                                        n=n, p=str(named)))
                payments.append(Payment(_parse_date(parts[0], n), _parse_amount(parts[1], n), named, str(n)))
            res = compute_penalty(charges, payments, pen_form.calc_date.data, S.penalty_policy(),
                                  ref.require_rates(), ref.calendar, ref.moratoria)
            result = {"kind": "penalty", "res": res}
        elif calc == "limitation" and "charges" in request.args and lim_form.validate():
            charges = _charges_from(lim_form.charges.data)
            events = []
            kinds = ("court_order_filed", "court_order_cancelled", "claim_filed", "acknowledged")
            for n, parts in _lines(lim_form.events.data):
                if len(parts) < 2 or parts[0] not in kinds:
                    raise DomainError(_("Event line %(n)s: write the kind (%(kinds)s) and the date.", n=n,
                                        kinds=", ".join(kinds)))
                events.append(LimitationEvent(parts[0], _parse_date(parts[1], n)))
            res = compute_limitation(charges, events, lim_form.as_of.data, S.limitation_policy(), ref.calendar)
            result = {"kind": "limitation", "res": res}
    except DomainError as exc:
        error = str(exc)
    return render_template("legal/index.html", calc=calc, duty_form=duty_form, pen_form=pen_form,
                           lim_form=lim_form, result=result, error=error, ref=ref, L=L)


# ---------------------------------------------------------------- account calculation


def _as_of() -> date:
    raw = request.args.get("as_of")
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            flash(_("The date “%(v)s” is not valid; today's date is used.", v=raw), "error")
    return today()


def _service_ids() -> list[int] | None:
    ids = [int(x) for x in request.args.getlist("service") if x.isdigit()]
    return ids or None


def _account_calc(account_id: int):
    from ..accounts.models import Account, Service

    account = db.get_or_404(Account, account_id)
    as_of = _as_of()
    service_ids = _service_ids()
    calc = error = None
    try:
        calc = S.account_calculation(account.id, as_of, service_ids)
    except DomainError as exc:
        error = str(exc)
    services = db.session.scalars(select(Service).order_by(Service.sort_order)).all()
    return account, as_of, calc, error, services, service_ids


def _penalty_export(account, calc):
    from ..export import Column, xlsx_response

    cols = [Column(_("Period"), "period"), Column(_("Amount"), "money"), Column(_("Start"), "date"),
            Column(_("End"), "date"), Column(_("Paid"), "text"), Column(_("Days at 1/300"), "int"),
            Column(_("Days at 1/130"), "int"), Column(_("Rate, %"), "number"), Column(_("Penalty"), "money"),
            Column(_("Payment"), "text")]
    rows = ((r.period.first_day(), r.amount, r.start, r.end, _("yes") if r.paid else _("no"), r.days_1_300,
             r.days_1_130, r.rate_percent, r.penalty, r.payment_ref or "") for r in calc.penalty.rows)
    return xlsx_response(f"penalty-{account.number}-{calc.as_of.isoformat()}.xlsx", cols, rows,
                         sheet_title=_("Penalty"), totals=[_("Total"), None, None, None, None, None, None, None,
                                                           calc.penalty.total, None],
                         title_lines=[_("Penalty calculation for account %(n)s as of %(d)s", n=account.number,
                                        d=calc.as_of.strftime("%d.%m.%Y"))])


def _limitation_export(account, calc):
    from ..export import Column, xlsx_response

    cols = [Column(_("Period"), "period"), Column(_("Unpaid"), "money"), Column(_("Due date"), "date"),
            Column(_("Last day to file"), "date"), Column(_("Suspended days"), "int"), Column(_("Time-barred"))]
    rows = ((r.period.first_day(), r.amount, r.due_date, r.last_day_to_file, r.suspended_days,
             _("yes") if r.time_barred else (_("suspended") if r.pending else _("no"))) for r in calc.limitation.rows)
    return xlsx_response(f"limitation-{account.number}-{calc.as_of.isoformat()}.xlsx", cols, rows,
                         sheet_title=_("Limitation"))


def _allocation_export(account, calc):
    from ..export import Column, xlsx_response

    cols = [Column(_("Payment date"), "date"), Column(_("Payment"), "text"), Column(_("Month paid"), "period"),
            Column(_("Amount"), "money"), Column(_("Rule"))]
    rows = ((p.payment_date, p.payment_ref, p.period.first_day(), p.amount, _rule_label(p.rule))
            for p in calc.allocation.parts)
    return xlsx_response(f"allocation-{account.number}-{calc.as_of.isoformat()}.xlsx", cols, rows,
                         sheet_title=_("Allocation"))


def _rule_label(rule: str) -> str:
    return _("named by the payer") if rule == "named" else _("earliest unpaid month")


@bp.route("/account/<int:account_id>")
@roles(ALL_ROLES)
def account(account_id: int):
    acc, as_of, calc, error, services, service_ids = _account_calc(account_id)
    export = request.args.get("export")
    if calc is not None and export:
        if export == "penalty" and calc.penalty is not None:
            return _penalty_export(acc, calc)
        if export == "limitation":
            return _limitation_export(acc, calc)
        if export == "allocation":
            return _allocation_export(acc, calc)
        abort(404)
    form = F.AsOfForm(request.args, meta={"csrf": False})
    form.as_of.data = as_of
    # what a court application of this day claims by default (due, not time-barred months): the figures the
    # documents print, so the lawyer can compare them (issue 14.1)
    claim = claim_checklist(calc) if calc is not None and calc.penalty is not None else None
    return render_template("legal/account.html", has_detail="accounts.detail" in current_app.view_functions,
                           account=acc, as_of=as_of, calc=calc, error=error, form=form, claim=claim,
                           services=services, service_ids=service_ids or [], rule_label=_rule_label, L=L)


@bp.route("/account/<int:account_id>/penalty")
@roles(ALL_ROLES)
def penalty_print(account_id: int):
    from ..enterprise.models import find_enterprise

    acc, as_of, calc, error, services, service_ids = _account_calc(account_id)
    enterprise = find_enterprise()
    names = {s.id: s.name for s in services}
    return render_template("legal/penalty_print.html", account=acc, as_of=as_of, calc=calc, error=error,
                           enterprise=enterprise, rule_label=_rule_label,
                           service_names=[names[i] for i in (service_ids or []) if i in names])


# ---------------------------------------------------------------- reference tables


def _table(key: str):
    t = TABLES.get(key)
    if t is None:
        abort(404)
    return t


@bp.route("/reference")
@roles(VIEWERS)
def reference():
    t = _table(request.args.get("table", "key_rates"))
    q = request.args.get("q", "").strip()
    year = int_arg("year", min_value=1, max_value=9999)
    status = request.args.get("status", "all")
    stmt = reference_rows(t, q=q, year=year, status=status)
    if request.args.get("export") == "xlsx":
        return _reference_export(t, stmt)
    page = paginate(stmt, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    ref = S.current_reference()
    return render_template("legal/reference.html", table=t, tables=TABLES, page=page, q=q, year=year,
                           status=status, ref=ref, warnings=S.staleness_warnings(
                               today(), ref, int(current_app.config["KEY_RATE_STALE_DAYS"]),
                               int(current_app.config["CAP_WINDOW_NOTICE_DAYS"])),
                           bands_text=S.bands_text, audit_url=_audit_url(), L=L)


def _audit_url():
    if "audit.index" not in current_app.view_functions:
        return None
    return lambda **kw: url_for("audit.index", **kw)


def _reference_export(t, stmt):
    from ..export import Column, xlsx_response

    m = t.key
    if m == "key_rates":
        cols = [Column(_("In force from"), "date"), Column(_("Rate, %"), "number")]
        vals = lambda r: [r.date_from, r.rate_percent]  # noqa: E731
    elif m == "calendar":
        cols = [Column(_("Date"), "date"), Column(_("The day is"))]
        vals = lambda r: [r.day, _("working day") if r.kind == "working" else _("day off")]  # noqa: E731
    elif m == "moratoria":
        cols = [Column(_("Code")), Column(_("First day"), "date"), Column(_("Last day"), "date"),
                Column(_("Only charges up to the month"), "period")]
        vals = lambda r: [r.code, r.start_on, r.end_on, r.max_period]  # noqa: E731
    elif m == "cap_windows":
        cols = [Column(_("First day"), "date"), Column(_("Last day"), "date"), Column(_("Cap, %"), "number")]
        vals = lambda r: [r.start_on, r.end_on, r.cap_percent]  # noqa: E731
    else:
        cols = [Column(_("Code")), Column(_("Court")), Column(_("For applications sent from"), "date"),
                Column(_("up to (inclusive)"), "date"), Column(_("Bands"), width=60)]
        vals = lambda r: [r.code, L.court_label(r.court), r.valid_from, r.valid_to, S.bands_text(r.bands)]  # noqa: E731
    cols += [Column(_("Active"))]
    admin = has_role(ADMIN)  # the source column holds the data's provenance and notes for developers
    if admin:
        cols.append(Column(_("Source"), width=60))
    rows = (vals(r) + [_("yes") if r.is_active else _("no")] + ([r.source] if admin else [])
            for r in db.session.scalars(stmt))
    return xlsx_response(f"{m}.xlsx", cols, rows, sheet_title=str(t.title))


def _form_for(key: str, row, data=None):
    cls = {"key_rates": F.KeyRateForm, "calendar": F.CalendarDayForm, "moratoria": F.MoratoriumForm,
           "cap_windows": F.CapWindowForm, "duty_scales": F.DutyScaleForm}[key]
    form = cls(data, obj=row)
    if key == "duty_scales" and row is not None and request.method == "GET":
        form.bands.data = S.bands_text(row.bands)
        form.order_min.data = row.order_min or ""
    if key in ("key_rates",) and row is not None and request.method == "GET":
        form.rate_percent.data = str(row.rate_percent).replace(".", ",")  # «14,50»: read back either way
    if key == "cap_windows" and row is not None and request.method == "GET":
        form.cap_percent.data = str(row.cap_percent).replace(".", ",")
    return form


def _save(key: str, row, f):
    if key == "key_rates":
        return S.save_key_rate(row, f.date_from.data, f.rate_percent.data, f.source.data)
    if key == "calendar":
        return S.save_calendar_day(row, f.day.data, f.kind.data, f.source.data)
    if key == "moratoria":
        return S.save_moratorium(row, f.code.data, f.start_on.data, f.end_on.data, f.max_period.data, f.source.data)
    if key == "cap_windows":
        return S.save_cap_window(row, f.start_on.data, f.end_on.data, f.cap_percent.data, f.source.data)
    return S.save_duty_scale(row, f.code.data, f.court.data, f.scale.data, f.valid_from.data, f.valid_to.data,
                             f.order_share.data, f.order_min.data, f.bands.data, f.source.data)


@bp.route("/reference/<table>/new", methods=["GET", "POST"])
@bp.route("/reference/<table>/<int:row_id>/edit", methods=["GET", "POST"])
@roles(ADMIN)
def reference_edit(table: str, row_id: int | None = None):
    t = _table(table)
    row = db.get_or_404(t.model, row_id) if row_id is not None else None
    form = _form_for(table, row, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        new_year = table == "calendar" and not S.calendar_year_has_rows(form.day.data.year, row_id)
        try:
            saved = _save(table, row, form)
        except DomainError as exc:
            rollback(str(exc))
        else:
            flash(_("Saved. Calculations use the new data from now on."), "success")
            if new_year:
                flash(_("%(year)s had no rows yet: its ТК 112 holidays on weekdays and their transfers (ч.2) were "
                        "added as well. Add the decree's own transfers; deactivate a transfer the decree moves "
                        "elsewhere.", year=str(saved.day.year)), "warning")
            return redirect(url_for("legal.reference", table=table, _anchor=f"row-{saved.id}"))
    return render_template("legal/reference_edit.html", table=t, row=row, form=form)


@bp.route("/reference/<table>/<int:row_id>/active", methods=["POST"])
@roles(ADMIN)
def reference_toggle(table: str, row_id: int):
    t = _table(table)
    row = db.get_or_404(t.model, row_id)
    active = request.form.get("active") == "1"
    try:
        S.set_row_active(row, active)
    except DomainError as exc:
        rollback(str(exc))
    else:
        flash(_("The row is active again.") if active else _("The row is deactivated and no longer used."), "success")
    return redirect(url_for("legal.reference", table=table))


# ---------------------------------------------------------------- portfolio results
MAX_WITHIN_DAYS = 36_600  # «last day to file within N days»: a hundred years is more than any limitation term


@bp.route("/portfolio")
@roles(VIEWERS)
def portfolio():
    from .portfolio import latest_run

    q = request.args.get("q", "").strip()
    within = int_arg("within", max_value=MAX_WITHIN_DAYS)
    sort = request.args.get("sort", "next_bar")
    stmt = portfolio_rows(q=q, bar_within_days=within, today=today(), sort=sort)
    if request.args.get("export") == "xlsx":  # at once when small, else a report job (casework/jobs/exports.py)
        from ..jobs.exports import export_response
        from .exports import filter_params

        return export_response("portfolio", filter_params(q, within, sort, today()), "xlsx", VIEWERS)
    page = paginate(stmt, request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"],
                    scalars=False)
    return render_template("legal/portfolio.html", page=page, q=q, within=within, sort=sort, run=latest_run())


@bp.route("/portfolio/run", methods=["POST"])
@roles(ADMIN)
def portfolio_run():
    """Queue a full portfolio run as of today (a job: chunked, resumable, cancellable)."""
    from flask_login import current_user

    from ..jobs.services import enqueue, start

    run = enqueue("portfolio", {"as_of": today().isoformat()}, user=current_user)
    commit_now()  # the worker reads the run from the database
    start(run.id)
    return redirect(url_for("jobs.show", run_id=run.id))
