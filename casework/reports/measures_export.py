"""Exports of the measures report like the monthly form: XLSX (title, enterprise, period, numbered columns,
signature line), DOCX and CSV; JSON for the command line. Counts are whole numbers, money exact rubles.

Layout (XLSX and DOCX, landscape): the main table — one line per measure and kind; columns: the period and
from 1 January for all accounts, municipal housing, население and прочие потребители (seed 000 п.14) —; under
a split by territory or tenure, one table per section with the territories (tenures) as rows and the section's
measures as columns; then the registers of the court applications filed (seed 001 п.21) and of the writs sent
(п.26). Every text cell of the XLSX goes through `casework.export.safe_text`.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from ..domain.money import from_kopecks
from ..export import csv_writer, safe_text
from ..i18n import _
from .export import MONTHS_NOMINATIVE, sign_and_save
from .measures import CATEGORIES, CATEGORY_LABELS, TENURE_LABELS, MeasureLine, MeasuresReport, RegisterRow
from .period import ROMAN, ReportPeriod


def _value(ln: MeasureLine, kop_or_count: int):
    return from_kopecks(kop_or_count) if ln.is_money else int(kop_or_count)


def title() -> str:
    return _("Results of the plan of measures to reduce the debt for housing and utility services")


def _d(d) -> str:
    return d.strftime("%d.%m.%Y")


def period_name(period: ReportPeriod) -> str:
    """«март 2026», «I квартал 2026», «2026 год»."""
    if period.kind == "year":
        return _("year %(year)s", year=period.year)
    if period.kind == "quarter":
        return _("quarter %(q)s of %(year)s", q=ROMAN[period.quarter - 1], year=period.year)
    return f"{MONTHS_NOMINATIVE[period.start.month - 1]} {period.year}"


def period_text(report: MeasuresReport) -> str:
    p = report.period
    if p.kind == "year":
        return _("%(period)s: %(start)s – %(end)s", period=period_name(p), start=_d(p.start), end=_d(p.last_day))
    return _("%(period)s: %(start)s – %(end)s; from the start of the year: %(ys)s – %(end)s",
             period=period_name(p), start=_d(p.start), end=_d(p.last_day), ys=_d(p.year_start))


def in_period_label(period: ReportPeriod) -> str:
    return {"month": _("in the month"), "quarter": _("in the quarter"), "year": _("in the year")}[period.kind]


def ytd_label() -> str:
    return str(_("from 1 January"))


def plan_item_label() -> str:
    return str(_("plan item"))


def filters_text(report: MeasuresReport) -> str:
    from sqlalchemy import select

    from ..accounts.models import Territory
    from ..extensions import db

    parts = []
    if report.territory_id:
        name = db.session.scalar(select(Territory.name).where(Territory.id == report.territory_id))
        parts.append(_("territory: %(v)s", v=name or report.territory_id))
    if report.tenure:
        parts.append(_("tenure: %(v)s", v=TENURE_LABELS.get(report.tenure, report.tenure)))
    if report.category:
        parts.append(_("consumers: %(v)s", v=CATEGORY_LABELS[report.category]))
    if report.municipal:
        parts.append(_("municipal housing only"))
    return "; ".join(str(p) for p in parts)


# ----------------------------------------------------------------------------- columns

@dataclass(frozen=True)
class ValueColumn:
    """A numeric column of the main table: its group (top header), its own title and how it reads a line."""

    group: str
    sub: str
    get: Callable[[MeasureLine], int]

    @property
    def title(self) -> str:
        return f"{self.group}, {self.sub}"


def value_columns(report: MeasuresReport) -> list[ValueColumn]:
    """All accounts, municipal housing, then население and прочие (unless a category filter keeps one): each the
    period and, unless the period is a whole year, from 1 January."""
    pairs: list[tuple[str, Callable, Callable]] = [
        (_("All accounts"), lambda ln: ln.month, lambda ln: ln.ytd),
        (_("of which municipal housing"), lambda ln: ln.municipal_month, lambda ln: ln.municipal_ytd)]
    if report.category is None:
        for c in CATEGORIES:
            pairs.append((str(CATEGORY_LABELS[c]), lambda ln, c=c: ln.by_category.get(c, [0, 0])[0],
                          lambda ln, c=c: ln.by_category.get(c, [0, 0])[1]))
    per, ytd = in_period_label(report.period), _("from 1 January")
    cols = []
    for group, get_p, get_y in pairs:
        cols.append(ValueColumn(str(group), str(per), get_p))
        if report.period.kind != "year":
            cols.append(ValueColumn(str(group), str(ytd), get_y))
    return cols


def _target_text(report: MeasuresReport, ln: MeasureLine) -> str:
    if ln.target is None:
        return ""
    if report.period.kind == "year":
        return str(ln.target)
    return f"{ln.target} / {ln.target_ytd}"


def header(report: MeasuresReport) -> list[str]:
    """Column titles of the main table, in order (the numbered row under them is 1..len)."""
    target = _("Target, year") if report.period.kind == "year" else _("Target, period / year")
    return [str(_("No.")), str(_("Measure")), *[c.title for c in value_columns(report)], str(target),
            str(_("Plan item"))]


def table_rows(report: MeasuresReport) -> list[list]:
    """One list per line: number («1», «1.1»), title, values (int or Decimal rubles), target text, plan item."""
    out = []
    cols = value_columns(report)
    n = k = 0
    for ln in report.lines:
        if ln.level == 0:
            n += 1
            k = 0
            num, name = str(n), ln.label
        else:
            k += 1
            num, name = f"{n}.{k}", ln.split_label
        if ln.not_applicable:
            values = ["—"] * len(cols)
        else:
            values = [_value(ln, c.get(ln)) for c in cols]
        out.append([num, name, *values, _target_text(report, ln), ln.plan_ref if ln.level == 0 else ""])
    return out


@dataclass
class GroupTable:
    """One section under a split: the territories (tenures) as rows, the section's measures as columns."""

    section: str
    measures: list[MeasureLine]
    rows: list[tuple[str, list]]  # (group label, [(period, ytd) per measure])
    total: list  # [(period, ytd) per measure]


def group_tables(report: MeasuresReport) -> list[GroupTable]:
    """Each section's measure totals by group; a «no territory» / «not applicable» row only when not empty."""
    if not report.groups:
        return []
    out: list[GroupTable] = []
    for ln in report.lines:
        if ln.level:
            continue
        if not out or out[-1].section != ln.section:
            out.append(GroupTable(ln.section, [], [], []))
        out[-1].measures.append(ln)
    for t in out:
        for g, label in report.groups:
            cells = [tuple(_value(ln, v) for v in ln.groups.get(g, [0, 0])) for ln in t.measures]
            if g is None and not any(v for c in cells for v in c):
                continue
            t.rows.append((str(label), cells))
        t.total = [(_value(ln, ln.month), _value(ln, ln.ytd)) for ln in t.measures]
    return out


def group_title(report: MeasuresReport) -> str:
    return str(_("By territory") if report.group_by == "territory" else _("By tenure"))


def register_header() -> list[str]:
    return [str(x) for x in (_("No."), _("Date"), _("Kind"), _("Account"), _("Debtor"), _("Address"),
                             _("Consumers"), _("Court / unit"), _("Amount, ₽"), _("Number"))]


def filings_title() -> str:
    return str(_("Court applications filed to collect the debt (orders and claims)"))


def writs_title() -> str:
    return str(_("Writs sent for enforcement: to bailiff units, employers and banks"))


def register_rows(rows: list[RegisterRow]) -> list[list]:
    return [[i, r.on, r.kind_label, r.account_number, r.debtor, r.address, str(CATEGORY_LABELS.get(r.category, "")),
             r.unit, from_kopecks(r.amount_kop), r.number] for i, r in enumerate(rows, start=1)]


def registers(report: MeasuresReport) -> list[tuple[str, str, list[RegisterRow]]]:
    """(title, plan item, rows) of the registers the report carries."""
    out = []
    if report.filings is not None:
        out.append((filings_title(), "001 п.21", report.filings))
    if report.writs is not None:
        out.append((writs_title(), "001 п.26, п.23", report.writs))
    return out


# ----------------------------------------------------------------------------- JSON / CSV

def to_json_dict(report: MeasuresReport) -> dict:
    """{"period", "period_kind", "month", "lines": [{"measure", "split", "money", "month", "ytd", "municipal_month",
    "municipal_ytd", "categories": {category: [period, ytd]}, "target", "target_ytd", "groups": {key: [period,
    ytd]}}], "filings": [...], "writs": [...]} — money as exact rubles in strings; "month" (the values' key
    included) is the period's value whatever its kind; the top-level "month" is set only for a month."""
    def conv(ln, v):
        return str(from_kopecks(v)) if ln.is_money else int(v)

    lines = []
    for ln in report.lines:
        lines.append({"measure": ln.key, "split": ln.split, "money": ln.is_money, "month": conv(ln, ln.month),
                      "ytd": conv(ln, ln.ytd), "municipal_month": conv(ln, ln.municipal_month),
                      "municipal_ytd": conv(ln, ln.municipal_ytd),
                      "categories": {c: [conv(ln, v[0]), conv(ln, v[1])] for c, v in ln.by_category.items()
                                     if c in CATEGORIES},
                      "target": ln.target, "target_ytd": ln.target_ytd,
                      "groups": {str(g): [conv(ln, v[0]), conv(ln, v[1])] for g, v in ln.groups.items()}})

    def reg(rows):
        return None if rows is None else [
            {"kind": r.kind, "date": r.on.isoformat(), "account": r.account_number, "debtor": r.debtor,
             "address": r.address, "category": r.category, "unit": r.unit, "amount": str(from_kopecks(r.amount_kop)),
             "number": r.number} for r in rows]

    p = report.period
    return {"period": p.key, "period_kind": p.kind, "month": p.key if p.kind == "month" else None,
            "from": p.start.isoformat(), "to": p.last_day.isoformat(), "group_by": report.group_by,
            "category": report.category, "lines": lines, "filings": reg(report.filings), "writs": reg(report.writs)}


def to_json(report: MeasuresReport) -> str:
    return json.dumps(to_json_dict(report), ensure_ascii=False, indent=2) + "\n"


def _csv_cell(v):
    if isinstance(v, Decimal):
        return str(v).replace(".", ",")
    if hasattr(v, "strftime"):
        return v.strftime("%d.%m.%Y")
    return safe_text(v) if isinstance(v, str) else v


def to_csv(report: MeasuresReport) -> str:
    """CSV for Russian Excel (semicolons, BOM, decimal comma in money): the main table, one row per line, with
    the split's column pairs at the right; then the registers."""
    buf = io.StringIO()
    w = csv_writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([safe_text(title())])
    w.writerow([safe_text(period_text(report))])
    group_cols = []
    for _g, label in report.groups:
        group_cols += [f"{label}, {in_period_label(report.period)}", f"{label}, {ytd_label()}"]
    w.writerow([_csv_cell(c) for c in header(report) + group_cols])
    for ln, row in zip(report.lines, table_rows(report)):
        extra = []
        for g, _label in report.groups:
            mv, yv = ln.groups.get(g, [0, 0])
            extra += [_value(ln, mv), _value(ln, yv)]
        w.writerow([_csv_cell(v) for v in row + extra])
    for name, ref, rows in registers(report):
        w.writerow([])
        w.writerow([_csv_cell(f"{name} ({ref})")])
        w.writerow([_csv_cell(c) for c in register_header()])
        for row in register_rows(rows):
            w.writerow([_csv_cell(v) for v in row])
    return "\ufeff" + buf.getvalue()


# ----------------------------------------------------------------------------- XLSX

def _note() -> str:
    return str(_("Counts are records dated in the period; money in rubles. Municipal housing: accounts marked as "
                 "municipal housing. Population / other consumers: the account's category; a building notice "
                 "counts under population. Building notices have no account and are not split by tenure."))


def to_xlsx(report: MeasuresReport, enterprise: str = "", signatory: str = "",
            position: str = "Директор предприятия") -> bytes:
    """The report as a workbook laid out like the monthly form: on the first sheet the title, enterprise,
    period, the main table (two header rows, numbered columns, sections, lines 1, 1.1…, target) and the
    signature line; then a sheet with the split (territories as rows) and one sheet per register."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def put(ws, r, c, v, *, bold=False, italic=False, size=None, align=None, border=True, fmt=None):
        cell = ws.cell(row=r, column=c, value=safe_text(v) if isinstance(v, str) else v)
        if border:
            cell.border = box
        if bold or italic or size:
            cell.font = Font(bold=bold, italic=italic, size=size or 11)
        if align is not None:
            cell.alignment = align
        if fmt:
            cell.number_format = fmt
        elif isinstance(v, Decimal):
            cell.number_format = "#,##0.00"
        elif isinstance(v, int):
            cell.number_format = "#,##0"
        elif hasattr(v, "strftime"):
            cell.number_format = "DD.MM.YYYY"
        return cell

    def fit_heights(ws, first: int, last: int):
        """Row heights for the wrapped cells (spreadsheet programs do not grow rows on opening a file): the
        lines a text needs in its column, at about one character per unit of column width."""
        import math

        for r in range(first, last + 1):
            need = 0.0
            for cell in ws[r]:
                v = cell.value
                if not isinstance(v, str) or not (cell.alignment and cell.alignment.wrap_text):
                    continue
                if any(cell.coordinate in m and m.max_col > m.min_col for m in ws.merged_cells.ranges):
                    continue
                size = (cell.font.sz if cell.font and cell.font.sz else 11)
                width = ws.column_dimensions[get_column_letter(cell.column)].width or 10
                per_line = max(1.0, (width - 1.5) * 11 / size * (0.92 if cell.font.b else 1.0))
                lines = sum(max(1, math.ceil(len(part) / per_line)) for part in v.split("\n"))
                need = max(need, lines * 14.5 * size / 11 + 1)
            if need > 15 and (ws.row_dimensions[r].height or 0) < need:
                ws.row_dimensions[r].height = need

    def banner(ws, r, ncol, lines) -> int:
        last = get_column_letter(ncol)
        for text, bold in lines:
            if not text:
                continue
            ws.merge_cells(f"A{r}:{last}{r}")
            put(ws, r, 1, text, bold=bold, size=12 if r == 1 else 11, align=center, border=False)
            r += 1
        return r + 1

    def landscape(ws, title_rows: str | None = None):
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as needed, never squeezed into one
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        if title_rows:
            ws.print_title_rows = title_rows

    wb = Workbook()
    head_lines = [(title(), True), (enterprise or "(название организации)", True), (period_text(report), False),
                  (filters_text(report), False)]

    # ---- the main table
    ws = wb.active
    ws.title = _sheet_name(_("Measures") + " " + report.period.key)
    cols = value_columns(report)
    ncol = 2 + len(cols) + 2
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 58 if len(cols) <= 4 else 46
    for i in range(3, 3 + len(cols)):
        ws.column_dimensions[get_column_letter(i)].width = 14
    ws.column_dimensions[get_column_letter(ncol - 1)].width = 11
    ws.column_dimensions[get_column_letter(ncol)].width = 21
    r = banner(ws, 1, ncol, head_lines)
    head = r
    titles = header(report)
    # two header rows: the groups (merged over their columns) and the columns' own titles; then 1..n
    for c in (1, 2, ncol - 1, ncol):
        ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
        put(ws, r, c, titles[c - 1], bold=True, align=center)
        put(ws, r + 1, c, None)
    c = 3
    while c < 3 + len(cols):
        group = cols[c - 3].group
        span = sum(1 for x in cols if x.group == group)
        if span > 1:
            ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + span - 1)
        put(ws, r, c, group, bold=True, align=center)
        for k in range(span):
            if k:
                put(ws, r, c + k, None)
            put(ws, r + 1, c + k, cols[c - 3 + k].sub, bold=True, size=10, align=center)
        c += span
    for i in range(1, ncol + 1):
        put(ws, r + 2, i, i, italic=True, align=center, fmt="0")
    ws.row_dimensions[r].height = 32
    ws.row_dimensions[r + 1].height = 30
    r += 3
    section = None
    for ln, row in zip(report.lines, table_rows(report)):
        if ln.section != section:
            section = ln.section
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
            put(ws, r, 1, section, bold=True)
            r += 1
        for i, v in enumerate(row, start=1):
            cell = put(ws, r, i, v, bold=(ln.level == 0 and i <= 2))
            if i == 2:
                cell.alignment = Alignment(wrap_text=True, vertical="center", indent=2 if ln.level else 0)
            elif i == ncol:
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                cell.font = Font(size=9)
            elif isinstance(v, str) and i > 2:
                cell.alignment = Alignment(horizontal="center", vertical="center")
            else:
                cell.alignment = Alignment(vertical="center")
        r += 1
    fit_heights(ws, head + 3, r - 1)
    ws.freeze_panes = f"C{head + 3}"
    r += 1
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
    put(ws, r, 1, _note(), italic=True, size=8, align=Alignment(wrap_text=True), border=False)
    ws.row_dimensions[r].height = 24
    landscape(ws, f"{head}:{head + 2}")
    sheets = [ws]

    # ---- the split: territories (tenures) as rows
    tables = group_tables(report)
    if tables:
        gs = wb.create_sheet(_sheet_name(group_title(report)))
        sheets.append(gs)
        ytd = report.period.kind != "year"
        width = max(2 * len(t.measures) if ytd else len(t.measures) for t in tables) + 1
        gs.column_dimensions["A"].width = 30
        for i in range(2, width + 1):
            gs.column_dimensions[get_column_letter(i)].width = 14
        r = banner(gs, 1, width, head_lines[:1] + [(f"{group_title(report)} · {period_text(report)}", False)])
        for t in tables:
            gs.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            put(gs, r, 1, t.section, bold=True, border=False)
            r += 1
            put(gs, r, 1, group_title(report), bold=True, align=center)
            if ytd:
                gs.merge_cells(start_row=r, start_column=1, end_row=r + 1, end_column=1)
                put(gs, r + 1, 1, None)
            step = 2 if ytd else 1
            for k, ln in enumerate(t.measures):
                c = 2 + step * k
                if ytd:
                    gs.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + 1)
                    put(gs, r, c + 1, None)
                    put(gs, r + 1, c, in_period_label(report.period), italic=True, size=9, align=center)
                    put(gs, r + 1, c + 1, _("from 1 January"), italic=True, size=9, align=center)
                put(gs, r, c, ln.label, bold=True, size=9, align=center)
            gs.row_dimensions[r].height = 58
            r += 2 if ytd else 1
            for label, cells in t.rows + [(str(_("Total")), t.total)]:
                is_total = cells is t.total
                put(gs, r, 1, label, bold=is_total, align=wrap)
                for k, (mv, yv) in enumerate(cells):
                    put(gs, r, 2 + step * k, mv, bold=is_total)
                    if ytd:
                        put(gs, r, 3 + step * k, yv, bold=is_total)
                r += 1
            r += 1
        landscape(gs)

    # ---- the registers
    reg_widths = (5, 11, 16, 12, 30, 42, 13, 40, 14, 18)
    for name, ref, rows in registers(report):
        rs = wb.create_sheet(_sheet_name(_("Court applications") if rows is report.filings else _("Writs sent")))
        sheets.append(rs)
        for i, wdt in enumerate(reg_widths, start=1):
            rs.column_dimensions[get_column_letter(i)].width = wdt
        r = banner(rs, 1, len(reg_widths), [(f"{name} ({plan_item_label()} {ref})", True),
                                            (enterprise or "", False), (period_text(report), False),
                                            (filters_text(report), False)])
        first = r
        for i, text in enumerate(register_header(), start=1):
            put(rs, r, i, text, bold=True, align=center)
        r += 1
        rs.row_dimensions[first].height = 30
        middle = Alignment(vertical="center", wrap_text=True)
        for row in register_rows(rows):
            for i, v in enumerate(row, start=1):
                put(rs, r, i, v, align=middle if i in (3, 5, 6, 8) else Alignment(vertical="center"))
            r += 1
        fit_heights(rs, first + 1, r - 1)
        put(rs, r, 1, _("Total"), bold=True)
        rs.merge_cells(start_row=r, start_column=1, end_row=r, end_column=8)
        put(rs, r, 9, from_kopecks(sum(x.amount_kop for x in rows)), bold=True)
        put(rs, r, 10, _("%(n)s records", n=len(rows)), bold=True)
        rs.freeze_panes = f"A{first + 1}"
        landscape(rs, f"{first}:{first}")

    return sign_and_save(wb, ws, ws.max_row + 3, safe_text(position), safe_text(signatory or "") or None,
                         sign_col=3, name_col=min(7, ncol - 1))


def _sheet_name(text: str) -> str:
    text = str(text)
    for ch in '[]:*?/\\':
        text = text.replace(ch, " ")
    return text[:31]


# ----------------------------------------------------------------------------- DOCX

def _cell_text(v) -> str:
    """Figures the Russian way: a narrow no-break space between thousands, a decimal comma."""
    if isinstance(v, Decimal):
        return f"{v:,.2f}".replace(",", "\u202f").replace(".", ",")
    if isinstance(v, int):
        return f"{v:,}".replace(",", "\u202f")
    if hasattr(v, "strftime"):
        return v.strftime("%d.%m.%Y")
    return "" if v is None else str(v)


def to_docx(report: MeasuresReport, enterprise: str = "", signatory: str = "",
            position: str = "Директор предприятия") -> bytes:
    """The report as a Word document (A4 landscape): the main table, the split with the territories as rows,
    the registers, the signature line. Tables have fixed column widths and repeat their header on each page."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.0))
    usable = 29.7 - 2.0
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(10)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)

    def para(text, *, bold=False, size=None, align=WD_ALIGN_PARAGRAPH.CENTER, before=0, after=2, heading=False):
        p = doc.add_paragraph()
        p.alignment = align
        p.paragraph_format.keep_with_next = heading
        p.paragraph_format.space_before = Pt(before)
        p.paragraph_format.space_after = Pt(after)
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        return p

    def fixed_table(nrows: int, widths_cm: list[float], size: float):
        t = doc.add_table(rows=nrows, cols=len(widths_cm))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        tbl_pr = t._tbl.tblPr
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tbl_pr.append(layout)
        margins = OxmlElement("w:tblCellMar")  # narrow side margins: the figures need the width
        for side in ("left", "right"):
            el = OxmlElement(f"w:{side}")
            el.set(qn("w:w"), "45")
            el.set(qn("w:type"), "dxa")
            margins.append(el)
        tbl_pr.append(margins)
        for i, wdt in enumerate(widths_cm):
            t.columns[i].width = Cm(wdt)
            for cell in t.columns[i].cells:
                cell.width = Cm(wdt)
        t._size = size  # remembered for set_text
        keep_rows(t)
        return t

    def set_text(t, cell, text, *, bold=False, italic=False, align=None, size=None):
        p = cell.paragraphs[0]
        run = p.add_run(text)
        run.bold = bold
        run.italic = italic
        run.font.size = Pt(size or t._size)
        if align is not None:
            p.alignment = align

    def keep_together(t):
        """A short table stays on one page (Word: every row's paragraphs keep with the next row)."""
        for row in t.rows[:-1]:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True

    def keep_rows(t):
        for row in t.rows:
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a line never breaks across pages

    def repeat_header(t, n):
        for row in t.rows[:n]:
            tr_pr = row._tr.get_or_add_trPr()
            el = OxmlElement("w:tblHeader")
            el.set(qn("w:val"), "true")
            tr_pr.append(el)

    C, R, L = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT
    para(title(), bold=True, size=12)
    para(enterprise or "(название организации)", bold=True)
    para(period_text(report))
    if filters_text(report):
        para(filters_text(report))

    # ---- the main table (the plan item under the measure's name: one column fewer than the XLSX)
    cols = value_columns(report)
    rows = table_rows(report)
    num_w, target_w = 1.1, 1.9
    val_w = 2.15 if len(cols) > 4 else 3.2
    name_w = usable - num_w - target_w - val_w * len(cols)
    widths = [num_w, name_w, *([val_w] * len(cols)), target_w]
    sections = []
    for ln in report.lines:
        if not sections or sections[-1] != ln.section:
            sections.append(ln.section)
    t = fixed_table(3 + len(rows) + len(sections), widths, 9)
    titles = header(report)[:-1]
    titles[1] = f"{titles[1]} ({plan_item_label()})"
    top, sub, nums = t.rows[0].cells, t.rows[1].cells, t.rows[2].cells
    for i in (0, 1, len(widths) - 1):
        top[i].merge(sub[i])
        set_text(t, top[i], titles[i], bold=True, align=C)
    i = 2
    while i < 2 + len(cols):
        group = cols[i - 2].group
        span = sum(1 for x in cols if x.group == group)
        cell = top[i].merge(top[i + span - 1]) if span > 1 else top[i]
        set_text(t, cell, group, bold=True, align=C)
        for k in range(span):
            set_text(t, sub[i + k], cols[i - 2 + k].sub, align=C, size=8)
        i += span
    for i in range(len(widths)):
        set_text(t, nums[i], str(i + 1), italic=True, align=C, size=8)
    repeat_header(t, 3)
    k = 3
    section = None
    for ln, row in zip(report.lines, rows):
        if ln.section != section:
            section = ln.section
            cells = t.rows[k].cells
            merged = cells[0].merge(cells[-1])
            set_text(t, merged, section, bold=True)
            k += 1
        cells = t.rows[k].cells
        for i, v in enumerate(row[:-1]):
            text = _cell_text(v)
            if i == 1 and ln.level:
                text = "— " + text
            is_value = 2 <= i < 2 + len(cols)
            align = C if i in (0, len(row) - 2) else R if is_value else L
            set_text(t, cells[i], text, bold=(ln.level == 0 and i <= 1), align=align,
                     size=8 if is_value or i == len(row) - 2 else None)
        if row[-1]:
            set_text(t, cells[1], f"  ({row[-1]})", italic=True, size=7)
        k += 1
    para(_note(), size=8, align=L, before=2)

    # ---- the split: territories (tenures) as rows
    tables = group_tables(report)
    if tables:
        para(f"{group_title(report)} · {period_text(report)}", bold=True, before=10, after=4, heading=True)
        ytd = report.period.kind != "year"
        for g in tables:
            para(g.section, bold=True, align=L, before=6, after=2, heading=True)
            step = 2 if ytd else 1
            label_w = 4.2
            # a measure gets about 3.6 cm: two columns (the period, from 1 January) or one for a whole year
            vws = [(2.5 if ln.is_money else 1.8) if ytd else (3.4 if ln.is_money else 3.0)
                   for ln in g.measures for _k in range(step)]
            scale = min(1.0, (usable - label_w) / sum(vws))
            gt = fixed_table((2 if ytd else 1) + len(g.rows) + 1, [label_w] + [w * scale for w in vws], 8)
            h1 = gt.rows[0].cells
            if ytd:
                h2 = gt.rows[1].cells
                h1[0].merge(h2[0])
            set_text(gt, h1[0], group_title(report), bold=True, align=C)
            for m, ln in enumerate(g.measures):
                c = 1 + step * m
                cell = h1[c].merge(h1[c + 1]) if ytd else h1[c]
                set_text(gt, cell, ln.label, bold=True, align=C)
                if ytd:
                    set_text(gt, h2[c], in_period_label(report.period), italic=True, align=C, size=7)
                    set_text(gt, h2[c + 1], str(_("from 1 January")), italic=True, align=C, size=7)
            repeat_header(gt, 2 if ytd else 1)
            k = 2 if ytd else 1
            for label, cells in g.rows + [(str(_("Total")), g.total)]:
                is_total = cells is g.total
                rc = gt.rows[k].cells
                set_text(gt, rc[0], label, bold=is_total)
                for m, (mv, yv) in enumerate(cells):
                    set_text(gt, rc[1 + step * m], _cell_text(mv), bold=is_total, align=R)
                    if ytd:
                        set_text(gt, rc[2 + step * m], _cell_text(yv), bold=is_total, align=R)
                k += 1
            keep_together(gt)

    # ---- the registers
    reg_w = [0.9, 1.9, 2.1, 1.9, 3.4, 4.6, 2.4, 5.6, 2.3]
    reg_w.append(usable - sum(reg_w))
    for name, ref, rrows in registers(report):
        para(f"{name} ({plan_item_label()} {ref}) · {period_name(report.period)}", bold=True, before=10, after=4,
             heading=True)
        if not rrows:
            para(str(_("None in the period.")), align=L)
            continue
        rt = fixed_table(2 + len(rrows), reg_w, 8)
        for i, text in enumerate(register_header()):
            set_text(rt, rt.rows[0].cells[i], text, bold=True, align=C)
        repeat_header(rt, 1)
        for k, row in enumerate(register_rows(rrows), start=1):
            cells = rt.rows[k].cells
            for i, v in enumerate(row):
                set_text(rt, cells[i], _cell_text(v), align=R if i in (0, 8) else L)
        last = rt.rows[-1].cells
        merged = last[0].merge(last[7])
        set_text(rt, merged, str(_("Total: %(n)s records", n=len(rrows))), bold=True)
        set_text(rt, last[8], _cell_text(from_kopecks(sum(x.amount_kop for x in rrows))), bold=True, align=R)

    p = para(f"{position}\t\t_______________ (подпись)\t\t{signatory or '_______________ (ФИО)'}", align=L,
             before=14)
    p.paragraph_format.keep_together = True
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render(report: MeasuresReport, fmt: str) -> bytes | str:
    """The report in a format: str for json/csv, bytes for xlsx/docx (enterprise and signatory filled in)."""
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    from .queries import signatory
    from .services import _enterprise_name

    name, position = signatory()
    if fmt == "xlsx":
        return to_xlsx(report, _enterprise_name(), name, position)
    if fmt == "docx":
        return to_docx(report, _enterprise_name(), name, position)
    raise ValueError(fmt)
