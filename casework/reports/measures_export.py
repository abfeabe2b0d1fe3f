"""Exports of the measures report like the monthly form: XLSX (title, enterprise, period, numbered columns,
signature line), DOCX and CSV; JSON for the command line. Counts are whole numbers, money exact rubles."""
from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

from ..domain.money import from_kopecks
from ..export import csv_writer
from ..i18n import _
from .export import MONTHS_NOMINATIVE, sign_and_save
from .measures import TENURE_LABELS, MeasureLine, MeasuresReport
from .queries import month_key


def _value(ln: MeasureLine, kop_or_count: int):
    return from_kopecks(kop_or_count) if ln.is_money else int(kop_or_count)


def title() -> str:
    return _("Results of the plan of measures to reduce the debt for housing and utility services")


def period_text(report: MeasuresReport) -> str:
    m = report.month
    return _("%(month)s %(year)s; from the start of the year: 01.01.%(year)s – %(end)s",
             month=MONTHS_NOMINATIVE[m.month - 1], year=m.year, end=_last_day(m).strftime("%d.%m.%Y"))


def _last_day(m: date) -> date:
    from .queries import last_day

    return last_day(m)


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
    if report.municipal:
        parts.append(_("municipal housing only"))
    return "; ".join(str(p) for p in parts)


def header(report: MeasuresReport) -> list[str]:
    """Column titles, in order (the numbered row under them is 1..len)."""
    cols = [_("No."), _("Measure"), _("In the month"), _("From the start of the year"),
            _("Municipal housing, in the month"), _("Municipal housing, from the start of the year")]
    for _g, label in report.groups:
        cols += [_("%(g)s, in the month", g=label), _("%(g)s, from the start of the year", g=label)]
    cols += [_("Target, month / year"), _("Plan item")]
    return [str(c) for c in cols]


def table_rows(report: MeasuresReport) -> list[list]:
    """One list per line: number («1», «1.1»), title, values (int or Decimal rubles), target text, plan item."""
    out = []
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
            values = ["—"] * (4 + 2 * len(report.groups))
        else:
            values = [_value(ln, ln.month), _value(ln, ln.ytd), _value(ln, ln.municipal_month),
                      _value(ln, ln.municipal_ytd)]
            for g, _label in report.groups:
                mv, yv = ln.groups.get(g, [0, 0])
                values += [_value(ln, mv), _value(ln, yv)]
        target = f"{ln.target} / {ln.target_ytd}" if ln.target is not None else ""
        out.append([num, name, *values, target, ln.plan_ref if ln.level == 0 else ""])
    return out


# ----------------------------------------------------------------------------- JSON / CSV

def to_json_dict(report: MeasuresReport) -> dict:
    """{"month", "lines": [{"measure", "split", "money", "month", "ytd", "municipal_month", "municipal_ytd",
    "target", "target_ytd", "groups": {key: [month, ytd]}}]} — money as exact rubles in strings."""
    def conv(ln, v):
        return str(from_kopecks(v)) if ln.is_money else int(v)

    lines = []
    for ln in report.lines:
        lines.append({"measure": ln.key, "split": ln.split, "money": ln.is_money, "month": conv(ln, ln.month),
                      "ytd": conv(ln, ln.ytd), "municipal_month": conv(ln, ln.municipal_month),
                      "municipal_ytd": conv(ln, ln.municipal_ytd), "target": ln.target,
                      "target_ytd": ln.target_ytd,
                      "groups": {str(g): [conv(ln, v[0]), conv(ln, v[1])] for g, v in ln.groups.items()}})
    return {"month": month_key(report.month), "group_by": report.group_by, "lines": lines}


def to_json(report: MeasuresReport) -> str:
    return json.dumps(to_json_dict(report), ensure_ascii=False, indent=2) + "\n"


def to_csv(report: MeasuresReport) -> str:
    """CSV for Russian Excel (semicolons, BOM, decimal comma in money), one row per line."""
    buf = io.StringIO()
    w = csv_writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([title()])
    w.writerow([period_text(report)])
    w.writerow(header(report))
    for row in table_rows(report):
        w.writerow([str(v).replace(".", ",") if isinstance(v, Decimal) else v for v in row])
    return "\ufeff" + buf.getvalue()


# ----------------------------------------------------------------------------- XLSX

def to_xlsx(report: MeasuresReport, enterprise: str = "", signatory: str = "",
            position: str = "Директор предприятия") -> bytes:
    """The report as a worksheet laid out like the monthly form: title, enterprise, period, header with
    numbered columns, sections, lines (splits indented), target, signature line."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    cols = header(report)
    ncol = len(cols)
    last = get_column_letter(ncol)
    wb = Workbook()
    ws = wb.active
    ws.title = (str(_("Measures")) + " " + month_key(report.month))[:31]
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 52
    for i in range(3, ncol + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    ws.column_dimensions[last].width = 22

    r = 1
    for text, bold in ((title(), True), (enterprise or "(название организации)", True),
                       (period_text(report), False), (filters_text(report), False)):
        if not text:
            continue
        ws.merge_cells(f"A{r}:{last}{r}")
        ws[f"A{r}"] = text
        ws[f"A{r}"].alignment = center
        ws[f"A{r}"].font = Font(bold=bold, size=12 if r == 1 else 11)
        r += 1
    r += 1
    head_row = r
    for i, text in enumerate(cols, start=1):
        ws.cell(row=r, column=i, value=text)
        ws.cell(row=r + 1, column=i, value=i)
    for rr in (r, r + 1):
        for c in range(1, ncol + 1):
            cell = ws.cell(row=rr, column=c)
            cell.border = box
            cell.alignment = center
            cell.font = Font(bold=(rr == r), italic=(rr != r))
    ws.row_dimensions[r].height = 60
    r += 2
    section = None
    for ln, row in zip(report.lines, table_rows(report)):
        if ln.section != section:
            section = ln.section
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
            ws.cell(row=r, column=1, value=section).font = Font(bold=True)
            ws.cell(row=r, column=1).border = box
            r += 1
        for c, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.border = box
            if isinstance(v, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(v, int):
                cell.number_format = "#,##0"
            if c == 2:
                cell.alignment = Alignment(wrap_text=True, indent=2 if ln.level else 0)
            if ln.level == 0:
                cell.font = Font(bold=True)
        r += 1
    ws.freeze_panes = f"C{head_row + 2}"
    r += 1
    note = _("Counts are records dated in the period; money in rubles. Municipal housing: accounts marked as "
             "municipal housing. Building notices have no account and are not split by tenure.")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
    ws.cell(row=r, column=1, value=str(note)).alignment = Alignment(wrap_text=True)
    ws.cell(row=r, column=1).font = Font(size=8, italic=True)
    ws.row_dimensions[r].height = 24
    return sign_and_save(wb, ws, r + 3, position, signatory, sign_col=3, name_col=5)


# ----------------------------------------------------------------------------- DOCX

def _cell_text(v) -> str:
    if isinstance(v, Decimal):
        return f"{v:,.2f}".replace(",", "\u00a0").replace(".", ",")
    if isinstance(v, int):
        return f"{v:,}".replace(",", "\u00a0")
    return str(v)


def to_docx(report: MeasuresReport, enterprise: str = "", signatory: str = "",
            position: str = "Директор предприятия") -> bytes:
    """The report as a Word document (landscape): same title, columns and numbering as the XLSX."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = sec.page_height, sec.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.2))
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(10)
    for text, bold in ((title(), True), (enterprise or "(название организации)", True),
                       (period_text(report), False), (filters_text(report), False)):
        if text:
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(text).bold = bold
    cols = header(report)
    rows = table_rows(report)
    table = doc.add_table(rows=2 + len(rows), cols=len(cols))
    table.style = "Table Grid"
    for i, text in enumerate(cols):
        table.rows[0].cells[i].text = text
        table.rows[1].cells[i].text = str(i + 1)
    for k, row in enumerate(rows):
        cells = table.rows[2 + k].cells
        for i, v in enumerate(row):
            cells[i].text = _cell_text(v)
            if i >= 2 and not isinstance(v, str):
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if report.lines[k].level == 0:
            for run in cells[1].paragraphs[0].runs:
                run.bold = True
    doc.add_paragraph()
    doc.add_paragraph(f"{position}\t\t_______________ (подпись)\t\t{signatory or '_______________ (ФИО)'}")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render(report: MeasuresReport, fmt: str) -> bytes | str:
    """The report in a format: str for json/csv, bytes for xlsx/docx (enterprise and signatory filled in)."""
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    from .cli import _signatory
    from .services import _enterprise_name

    name, position = _signatory()
    if fmt == "xlsx":
        return to_xlsx(report, _enterprise_name(), name, position)
    if fmt == "docx":
        return to_docx(report, _enterprise_name(), name, position)
    raise ValueError(fmt)
