"""Report views (thin): the monthly form, its drill-downs and closing, measures, analysis, dashboard."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import ADMIN, ALL_ROLES, LAWYER, MANAGER, roles
from ..domain.errors import DomainError
from ..export import Column, csv_response, xlsx_response
from ..extensions import db
from ..i18n import _, _l
from ..pagination import int_arg, paginate
from ..timeutil import today
from . import bp, queries
from .forms import CloseMonthForm
from .services import get_closed

REPORT_ROLES = (MANAGER, ADMIN)
ANALYSIS_ROLES = (MANAGER, ADMIN, LAWYER)
FIGURE_LABELS = {  # columns 3–9 of the form
    "debt_end": _l("Debt for housing and utility services at the reporting date"),
    "debt_start": _l("Debt at the start of the month"),
    "charged": _l("Charged in the month"),
    "paid": _l("Paid in the month"),
    "collection_rate": _l("Collection rate in the month"),
    "enforcement": _l("Received through enforcement"),
    "overdue": _l("Overdue debt at the reporting date"),
}
KIND_LABELS = {"opening": _l("Opening balance"), "charge": _l("Charge"), "recalculation": _l("Recalculation"),
               "payment": _l("Payment")}
CATEGORY_LABELS = {"population": _l("Population"), "other": _l("Other consumers"), "total": _l("Total")}
MONTHS = (_l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"), _l("July"), _l("August"),
          _l("September"), _l("October"), _l("November"), _l("December"))


def _figure_label(figure: str) -> str:
    return str(FIGURE_LABELS[figure])


def _category_label(cat: str) -> str:
    return str(CATEGORY_LABELS.get(cat, CATEGORY_LABELS["total"]))


def _month_arg(default: date | None = None) -> date:
    text = request.args.get("month")
    if not text:
        return default or queries.add_month(today().replace(day=1), -1)
    try:
        return queries.parse_month(text)
    except DomainError as exc:
        flash(str(exc), "error")
        return default or queries.add_month(today().replace(day=1), -1)


def _month_path(text: str) -> date:
    try:
        return queries.parse_month(text)
    except DomainError:
        abort(404)


@bp.route("/")
@roles(ALL_ROLES)
def index():
    return render_template("reports/index.html")


# ------------------------------------------------------------------ monthly form

@bp.route("/monthly")
@roles(REPORT_ROLES)
def monthly():
    from .export import notes
    from .services import monthly_report

    month = _month_arg()
    report = monthly_report(month)
    prev_closed = get_closed(queries.add_month(month, -1))
    late = []
    if report.is_closed:
        late = queries.corrections_after_close(month, report.closed.closed_at, limit=1)
    form = CloseMonthForm() if current_user.role == MANAGER and not report.is_closed else None
    return render_template("reports/monthly.html", report=report, month=month, month_key=queries.month_key(month),
                           notes=notes(report), figures=list(FIGURE_LABELS), figure_label=_figure_label,
                           category_label=_category_label, thousands=queries.thousands,
                           months=queries.months_with_data(through=today().replace(day=1)), prev_closed=prev_closed, has_late=bool(late),
                           form=form, can_close=today() > queries.last_day(month),
                           prev_month=queries.month_key(queries.add_month(month, -1)),
                           next_month=queries.month_key(queries.add_month(month, 1)))


@bp.route("/monthly/<month>/export/<fmt>")
@roles(REPORT_ROLES)
def monthly_export(month: str, fmt: str):
    from .cli import render_report

    if fmt not in ("xlsx", "docx", "csv", "json"):
        abort(404)
    m = _month_path(month)
    data = render_report(queries.month_key(m), fmt)
    mimes = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "csv": "text/csv; charset=utf-8", "json": "application/json"}
    body = data.encode("utf-8") if isinstance(data, str) else data
    resp = Response(body, mimetype=mimes[fmt])
    resp.headers["Content-Disposition"] = f'attachment; filename="form4-{queries.month_key(m)}.{fmt}"'
    return resp


@bp.route("/monthly/<month>/close", methods=["POST"])
@roles(MANAGER)
def close(month: str):
    from .services import close_month

    m = _month_path(month)
    form = CloseMonthForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
        return redirect(url_for(".monthly", month=queries.month_key(m)))
    close_month(m, current_user, today(), note=form.note.data or None)
    flash(_("%(m)s is closed; the report will be shown as submitted.", m=queries.month_key(m)), "success")
    return redirect(url_for(".monthly", month=queries.month_key(m)))


@bp.route("/monthly/<month>/accounts")
@roles(REPORT_ROLES)
def monthly_accounts(month: str):
    m = _month_path(month)
    figure = request.args.get("figure", "debt_start")
    if figure not in FIGURE_LABELS:
        abort(404)
    category = request.args.get("category") or None
    if category not in (None, "total", *queries.CATEGORIES):
        abort(404)
    q = request.args.get("q", "").strip() or None
    stmt = queries.drilldown_stmt(m, figure, category, q=q)
    fmt = request.args.get("export")
    if fmt in ("xlsx", "csv"):  # at once when small, else a report job (casework/jobs/exports.py)
        from ..jobs.exports import export_response
        from .drilldown_export import filter_params

        return export_response("form4.accounts", filter_params(m, figure, category, q), fmt, REPORT_ROLES)
    page = paginate(stmt, request.args.get("page", 1, type=int), scalars=False)
    total = queries.drilldown_total(m, figure, category)
    return render_template("reports/accounts.html", page=page, month=m, month_key=queries.month_key(m),
                           figure=figure, figure_label=_figure_label(figure), category=category,
                           category_label=_category_label(category or "total"), total=total, q=q or "",
                           closed=get_closed(m))


@bp.route("/monthly/<month>/corrections")
@roles(REPORT_ROLES)
def corrections(month: str):
    m = _month_path(month)
    closed = get_closed(m)
    if closed is None:
        abort(404)
    rows = queries.corrections_after_close(m, closed.closed_at, limit=2000)
    return render_template("reports/corrections.html", closed=closed, month=m, rows=rows,
                           month_key=queries.month_key(m), category_label=_category_label,
                           kind_label=lambda k: str(KIND_LABELS.get(k, k)))


# ------------------------------------------------------------------ measures

def _territories():
    from sqlalchemy import select

    from ..accounts.models import Territory

    return db.session.execute(select(Territory.id, Territory.name).order_by(Territory.name)).all()


def _period_arg():
    """The measures page's period: `period=YYYY-MM|YYYY-Qn|YYYY`, or the form's kind/year/q/mon, or the older
    `month=YYYY-MM`; the previous month by default."""
    from .period import month_period, parse_period, period_from_parts

    default = month_period(queries.add_month(today().replace(day=1), -1))
    try:
        if request.args.get("period"):
            return parse_period(request.args["period"])
        if request.args.get("kind"):
            return period_from_parts(request.args["kind"], request.args.get("year", type=int),
                                     request.args.get("q", type=int), request.args.get("mon", type=int))
    except DomainError as exc:
        flash(str(exc), "error")
        return default
    return month_period(_month_arg(default.start))


@bp.route("/measures")
@roles(REPORT_ROLES)
def measures():
    from ..access import CASE_STAFF
    from . import measures_export
    from .measures import CATEGORIES, CATEGORY_LABELS, GROUPINGS, TENURE_LABELS, measures_report
    from .period import ROMAN

    period = _period_arg()
    territory_id = int_arg("territory")
    tenure = request.args.get("tenure") or None
    if tenure not in (None, *TENURE_LABELS):
        tenure = None
    category = request.args.get("category") or None
    if category not in (None, *CATEGORIES):
        category = None
    municipal = request.args.get("municipal") == "1"
    group_by = request.args.get("group") or None
    if group_by not in GROUPINGS:
        group_by = None
    report = measures_report(period, territory_id, tenure, municipal, group_by, category)
    fmt = request.args.get("export")
    register = request.args.get("register")
    if fmt == "xlsx" and register in ("filings", "writs"):
        rows = report.filings if register == "filings" else report.writs
        cols = [Column(_("No."), "int", 6), Column(_("Date"), "date"), Column(_("Kind"), width=16),
                Column(_("Account"), width=12), Column(_("Debtor"), width=30), Column(_("Address"), width=48),
                Column(_("Consumers"), width=12), Column(_("Court / unit"), width=34), Column(_("Amount, ₽"), "money"),
                Column(_("Number"), width=18)]
        title = (measures_export.filings_title() if register == "filings" else measures_export.writs_title())
        lines = [title, measures_export.period_text(report)] + ([measures_export.filters_text(report)]
                                                               if measures_export.filters_text(report) else [])
        return xlsx_response(f"{register}-{period.key}.xlsx", cols, measures_export.register_rows(rows),
                             sheet_title=title, title_lines=lines)
    if fmt in ("xlsx", "docx", "csv"):
        data = measures_export.render(report, fmt)
        mimes = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "csv": "text/csv; charset=utf-8"}
        resp = Response(data.encode("utf-8") if isinstance(data, str) else data, mimetype=mimes[fmt])
        resp.headers["Content-Disposition"] = f'attachment; filename="measures-{period.key}.{fmt}"'
        return resp
    args = {k: v for k, v in (("period", period.key), ("territory", territory_id), ("category", category),
                              ("tenure", tenure), ("municipal", "1" if municipal else None), ("group", group_by))
            if v}  # the page's choices, for the download links
    may_prepare = current_user.role in CASE_STAFF  # documents.new is for the people who work cases
    buildings = []
    if may_prepare:
        from ..accounts.queries import building_choices

        buildings = building_choices(territory_id)
    return render_template("reports/measures.html", report=report, period=period, month=period.start,
                           territories=_territories(), territory_id=territory_id, tenure=tenure,
                           municipal=municipal, tenure_labels=TENURE_LABELS, group_by=group_by, category=category,
                           category_labels=CATEGORY_LABELS, roman=ROMAN, months=MONTHS,
                           period_name=measures_export.period_name(period),
                           period_text=measures_export.period_text(report),
                           columns=measures_export.value_columns(report),
                           group_tables=measures_export.group_tables(report),
                           group_title=measures_export.group_title(report),
                           in_period=measures_export.in_period_label(period),
                           registers=[("filings", *measures_export.registers(report)[0]),
                                      ("writs", *measures_export.registers(report)[1])],
                           may_prepare=may_prepare, buildings=buildings, args=args)


# ------------------------------------------------------------------ analysis

@bp.route("/aging")
@roles(ANALYSIS_ROLES)
def aging():
    from .analysis import aging_report

    return render_template("reports/aging.html", data=aging_report(), category_label=_category_label)


@bp.route("/limitation")
@roles(ANALYSIS_ROLES)
def limitation():
    from .analysis import LIMITATION_HORIZONS, limitation_report

    as_of = today()
    text = request.args.get("as_of")
    if text:
        try:
            as_of = date.fromisoformat(text)
        except ValueError:
            flash(_("«%(v)s» is not a date; write it as YYYY-MM-DD.", v=text), "error")
    data = limitation_report(as_of)
    return render_template("reports/limitation.html", data=data, horizons=LIMITATION_HORIZONS,
                           category_label=_category_label)


@bp.route("/breakdown")
@roles(ANALYSIS_ROLES)
def breakdown():
    from .analysis import debt_by_service, debt_by_territory

    month = _month_arg()
    by_territory = debt_by_territory(month)
    by_service = debt_by_service(month)
    fmt = request.args.get("export")
    if fmt in ("xlsx", "csv"):
        cols = [Column(_("Territory")), Column(_("Category")), Column(_("Accounts"), "int"),
                Column(_("Debt at the end of the month"), "kop"), Column(_("Overdue debt"), "kop")]
        rows = [(t, _category_label(c), n, d, o) for t, c, n, d, o in by_territory]
        name = f"debt-by-territory-{queries.month_key(month)}.{fmt}"
        if fmt == "xlsx":
            return xlsx_response(name, cols, rows, sheet_title=queries.month_key(month))
        return csv_response(name, cols, rows)
    return render_template("reports/breakdown.html", month=month, month_key=queries.month_key(month),
                           by_territory=by_territory, by_service=by_service, category_label=_category_label)


@bp.route("/activity")
@roles(ANALYSIS_ROLES)
def activity():
    from .analysis import staff_activity

    month = _month_arg(default=today().replace(day=1))
    rows = staff_activity(month, queries.add_month(month, 1))
    return render_template("reports/activity.html", rows=rows, month=month, month_key=queries.month_key(month),
                           role_names={"collector": _("Collector"), "lawyer": _("Lawyer"), "manager": _("Manager")})


# ------------------------------------------------------------------ dashboard

@bp.route("/dashboard")
@roles(ALL_ROLES)
def dashboard():
    from ..i18n import format_number, format_period
    from . import analysis, charts

    months = queries.months_with_data(1)
    last = months[0] if months else queries.add_month(today().replace(day=1), -1)
    series = analysis.debt_series(last, 24)
    labels = [f"{r['month']:%m.%y}" for r in series]
    th = lambda v: format_number(charts.kop_to_thousands(v), 1)  # noqa: E731
    debt_chart = charts.line_chart(
        _("Net balance at the end of the month (debts minus overpayments), thousand ₽"), labels,
        [(_("Population"), [charts.kop_to_thousands(r["debt_population"]) for r in series]),
         (_("Other consumers"), [charts.kop_to_thousands(r["debt_other"]) for r in series])],
        fmt=lambda v: format_number(queries.Decimal(str(v)).quantize(queries.Decimal("1")), 0),
        unit=_("thousand ₽"))
    rate_chart = charts.line_chart(
        _("Collection rate, %"), labels,
        [(_("Population"), [r["rate_population"] for r in series]),
         (_("Other consumers"), [r["rate_other"] for r in series]),
         (_("Total"), [r["rate_total"] for r in series])],
        fmt=lambda v: format_number(queries.Decimal(str(v)).quantize(queries.Decimal("0.1")), 1), unit="%")
    stages = analysis.cases_by_stage()
    stage_label = _stage_labels()
    funnel = charts.bar_chart(_("Open cases by stage"), [(stage_label(s), n) for s, n in stages],
                              fmt=lambda v: format_number(v)) if stages else None
    year_start = date(last.year, 1, 1)
    receipts = analysis.receipts_by_stage(year_start, queries.add_month(last, 1))
    receipts_chart = charts.bar_chart(
        _("Receipts by the stage that produced them, thousand ₽"),
        [(stage_label(s) if s else _("no case"), v) for s, v in receipts], fmt=th) if receipts else None
    return render_template("reports/dashboard.html", last=last, key=analysis.key_numbers(last),
                           debt_chart=debt_chart, rate_chart=rate_chart, funnel=funnel,
                           receipts_chart=receipts_chart, year_start=year_start,
                           period_label=format_period(last))


def _stage_labels():
    try:
        from ..cases.labels import STAGE_LABELS  # the cases area's translated titles, when present
    except ImportError:
        STAGE_LABELS = {}
    return lambda s: str(STAGE_LABELS.get(s, s))
