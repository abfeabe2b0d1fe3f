"""Exports of the monthly form: XLSX laid out like Приложение № 4, DOCX, CSV and JSON (exact rubles).

The form's wording is fixed by the municipal act (Приложение № 4), so the labels of the exported form
are Russian whatever the interface language.
"""
from __future__ import annotations

import io
import json
from decimal import Decimal

from ..domain.money import from_kopecks
from ..export import csv_writer, workbook_bytes
from .queries import month_key, thousands
from .services import MonthlyReport

MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                   "октября", "ноября", "декабря")
MONTHS_NOMINATIVE = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
                     "октябрь", "ноябрь", "декабрь")

TITLE = "Информация о начислениях, сборе платежей и задолженности населения и прочих потребителей"
ROW_LABELS = {"population": "население", "other": "прочие потребители", "total": "итого"}
ADJUSTMENT_LABEL = "корректировки прошлых периодов (в т.ч. в гр. 2)"
COLUMN_HEADERS = (
    "Задолженность на начало отчетного месяца",
    "Начислено в отчетном месяце",
    "Оплачено в отчетном месяце",
    "Собираемость платежей в отчетном месяце (%)",
    "Сумма, полученная по исполнительным производствам за отчетный месяц",
    "Сумма просроченной задолженности на отчетную дату",
)
NOTES = (
    "Задолженность на начало месяца — входящие остатки, начисления и перерасчёты прошлых периодов "
    "за вычетом оплат, датированных до 1-го числа.",
    "Начислено — начисления и перерасчёты отчётного периода. Оплачено — платежи, датированные отчётным месяцем.",
    "Собираемость = оплачено ÷ начислено × 100, один знак после запятой, округление половины вверх; "
    "«—», если начислений нет.",
    "По исполнительным производствам — платежи месяца с источником «исполнительное производство».",
    "Просроченная задолженность — часть долга на конец месяца из начислений, срок оплаты которых наступил "
    "(ЖК РФ ст.155 ч.1), после распределения платежей ({method}).",
    "Суммы рассчитаны в копейках и округлены до 0,1 тыс. руб. только при выводе; «итого» округлено от точной суммы.",
)
METHOD_TEXT = {"fifo": "в порядке очерёдности начислений", "legal": "по правилам ГК РФ ст.319.1 с учётом "
               "назначения платежа и исковой давности"}


def form_date_text(report: MonthlyReport) -> str:
    d = report.report_date
    return f"«{d.day:02d}» {MONTHS_GENITIVE[d.month - 1]} {d.year} г."


def month_text(report: MonthlyReport) -> str:
    return f"{MONTHS_NOMINATIVE[report.month.month - 1]} {report.month.year} г."


def _rub(kop: int) -> str:
    return str(from_kopecks(int(kop)))


def _rate_text(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate:.1f}"


def notes(report: MonthlyReport) -> list[str]:
    return [n.format(method=METHOD_TEXT.get(report.overdue_method, report.overdue_method)) for n in NOTES]


# ----------------------------------------------------------------------------- JSON / CSV

def to_json_dict(report: MonthlyReport) -> dict:
    """Issue 6's JSON: exact rubles as strings; collection_rate one decimal, null when nothing was charged."""
    rows = []
    for row in report.ordered_rows():
        rate = row.collection_rate
        rows.append({
            "category": row.category,
            "debt_start": _rub(row.debt_start_kop),
            "charged": _rub(row.charged_kop),
            "paid": _rub(row.paid_kop),
            "collection_rate": None if rate is None else f"{rate:.1f}",
            "enforcement_received": _rub(row.enforcement_kop),
            "overdue_debt": _rub(row.overdue_kop),
        })
    return {"month": month_key(report.month), "rows": rows}


def to_json(report: MonthlyReport) -> str:
    return json.dumps(to_json_dict(report), ensure_ascii=False, indent=2) + "\n"


CSV_HEADER = ("category", "category_name", "debt_start", "charged", "paid", "collection_rate",
              "enforcement_received", "overdue_debt")


def to_csv(report: MonthlyReport) -> str:
    """CSV of the form in exact rubles (comma-separated, dot decimals); the corrections line last if any."""
    buf = io.StringIO()
    w = csv_writer(buf, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for item in to_json_dict(report)["rows"]:
        w.writerow([item["category"], ROW_LABELS[item["category"]], item["debt_start"], item["charged"],
                    item["paid"], item["collection_rate"] or "", item["enforcement_received"],
                    item["overdue_debt"]])
    if report.adjustments is not None:
        w.writerow(["adjustment", ADJUSTMENT_LABEL, _rub(report.adjustments["total"]), "", "", "", "", ""])
    return buf.getvalue()


# ----------------------------------------------------------------------------- XLSX

def _table_values(row) -> list:
    rate = row.collection_rate
    return [thousands(row.debt_start_kop), thousands(row.charged_kop), thousands(row.paid_kop),
            rate if rate is not None else "—", thousands(row.enforcement_kop), thousands(row.overdue_kop)]


def to_xlsx(report: MonthlyReport, signatory: str = "", position: str = "Директор предприятия") -> bytes:
    """The form as a worksheet: title, enterprise, date, «В тыс. руб.», numbered columns 1..7, rows, signature."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Форма " + month_key(report.month)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [6, 26, 18, 16, 16, 16, 20, 18]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w

    ws["G1"] = "Приложение № 4"
    ws["G2"] = "Форма отчетности; предоставляется ежемесячно 10 числа, следующего за отчетным"
    ws["G2"].alignment = Alignment(wrap_text=True)
    ws.merge_cells("G2:H2")
    ws.row_dimensions[2].height = 30
    ws.merge_cells("A4:H4")
    ws["A4"] = TITLE
    ws["A4"].font = Font(bold=True, size=12)
    ws["A4"].alignment = center
    ws.row_dimensions[4].height = 32
    ws.merge_cells("A5:H5")
    ws["A5"] = form_date_text(report)
    ws["A5"].alignment = center
    ws.merge_cells("A6:H6")
    ws["A6"] = report.enterprise_name or "(название организации)"
    ws["A6"].alignment = center
    ws["A6"].font = Font(bold=True)
    ws.merge_cells("A7:H7")
    ws["A7"] = f"Отчётный месяц: {month_text(report)}"
    ws["A7"].alignment = center
    ws["H8"] = "В тыс. руб."
    ws["H8"].alignment = Alignment(horizontal="right")

    # header: row 9 group, row 10 column titles, row 11 column numbers 1..7
    ws.merge_cells("A9:A10")
    ws["A9"] = "№ п/п"
    ws.merge_cells("B9:B10")
    ws["B9"] = "Потребители"
    ws.merge_cells("C9:H9")
    ws["C9"] = f"Задолженность за ЖКУ, {report.month.year} год"
    for i, text in enumerate(COLUMN_HEADERS):
        ws.cell(row=10, column=3 + i, value=text)
    ws.cell(row=11, column=1, value="")
    for n in range(1, 8):
        ws.cell(row=11, column=1 + n, value=n)
    for r in (9, 10, 11):
        for c in range(1, 9):
            cell = ws.cell(row=r, column=c)
            cell.border = box
            cell.alignment = center
            cell.font = Font(bold=(r != 11), italic=(r == 11))
    ws.row_dimensions[10].height = 75

    r = 12
    for i, row in enumerate(report.ordered_rows(), start=1):
        is_total = row.category == "total"
        ws.cell(row=r, column=1, value="" if is_total else i)
        ws.cell(row=r, column=2, value=ROW_LABELS[row.category])
        for j, v in enumerate(_table_values(row)):
            cell = ws.cell(row=r, column=3 + j, value=v)
            cell.number_format = "0.0" if j == 3 else "#,##0.0"
            cell.alignment = Alignment(horizontal="right")
        for c in range(1, 9):
            ws.cell(row=r, column=c).border = box
            if is_total:
                ws.cell(row=r, column=c).font = Font(bold=True)
        r += 1
    if report.adjustments is not None:
        ws.cell(row=r, column=2, value=ADJUSTMENT_LABEL).alignment = Alignment(wrap_text=True)
        cell = ws.cell(row=r, column=3, value=thousands(report.adjustments["total"]))
        cell.number_format = "#,##0.0"
        for c in range(1, 9):
            ws.cell(row=r, column=c).border = box
        ws.row_dimensions[r].height = 30
        r += 1

    r += 1
    for text in notes(report):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=8)
        ws.cell(row=r, column=1, value=text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=r, column=1).font = Font(size=8, italic=True)
        ws.row_dimensions[r].height = 24
        r += 1
    if report.is_closed:
        ws.cell(row=r, column=1, value=f"Отчёт закрыт {report.closed.closed_at:%d.%m.%Y}; цифры — как представлены.")
        ws.cell(row=r, column=1).font = Font(size=8, italic=True)
        r += 1
    ws.print_options.horizontalCentered = True
    return sign_and_save(wb, ws, r + 2, position, signatory, sign_col=4, name_col=6)


def sign_and_save(wb, ws, row: int, position: str, signatory: str | None, *, sign_col: int, name_col: int) -> bytes:
    """The signature line of an exported form (position, «подпись», «ФИО») at `row`, landscape fitted to one page
    wide; the workbook as .xlsx bytes, every text cell defused (casework.export.workbook_bytes)."""
    from openpyxl.styles import Font

    ws.cell(row=row, column=1, value=position)
    ws.cell(row=row, column=sign_col, value="_______________")
    ws.cell(row=row, column=name_col, value=signatory or "_______________")
    ws.cell(row=row + 1, column=sign_col, value="подпись").font = Font(size=8)
    ws.cell(row=row + 1, column=name_col, value="ФИО").font = Font(size=8)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return workbook_bytes(wb)


# ----------------------------------------------------------------------------- DOCX

def _fmt_thousands(v) -> str:
    if isinstance(v, str):
        return v
    return f"{v:,.1f}".replace(",", "\u00a0").replace(".", ",")


def to_docx(report: MonthlyReport, signatory: str = "", position: str = "Директор предприятия") -> bytes:
    """The form as a Word document (landscape), same layout and notes as the XLSX."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = sec.page_height, sec.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.5))
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)

    p = doc.add_paragraph("Приложение № 4\nФорма отчетности\nПредоставляется ежемесячно 10 числа, следующего за отчетным")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(TITLE)
    run.bold = True
    doc.add_paragraph(form_date_text(report)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(report.enterprise_name or "(название организации)").bold = True
    doc.add_paragraph(f"Отчётный месяц: {month_text(report)}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("В тыс. руб.").alignment = WD_ALIGN_PARAGRAPH.RIGHT

    rows = report.ordered_rows()
    n_rows = 3 + len(rows) + (1 if report.adjustments is not None else 0)
    table = doc.add_table(rows=n_rows, cols=8)
    table.style = "Table Grid"
    head = table.rows[0].cells
    head[0].merge(table.rows[1].cells[0]).text = "№ п/п"
    head[1].merge(table.rows[1].cells[1]).text = "Потребители"
    head[2].merge(head[7]).text = f"Задолженность за ЖКУ, {report.month.year} год"
    for i, text in enumerate(COLUMN_HEADERS):
        table.rows[1].cells[2 + i].text = text
    for n in range(1, 8):
        table.rows[2].cells[n].text = str(n)
    for k, row in enumerate(rows):
        cells = table.rows[3 + k].cells
        cells[0].text = "" if row.category == "total" else str(k + 1)
        cells[1].text = ROW_LABELS[row.category]
        for j, v in enumerate(_table_values(row)):
            cells[2 + j].text = _fmt_thousands(v)
            cells[2 + j].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if report.adjustments is not None:
        cells = table.rows[3 + len(rows)].cells
        cells[1].text = ADJUSTMENT_LABEL
        cells[2].text = _fmt_thousands(thousands(report.adjustments["total"]))
    for text in notes(report):
        para = doc.add_paragraph(text)
        for run in para.runs:
            run.font.size = Pt(8)
    doc.add_paragraph()
    doc.add_paragraph(f"{position}\t\t_______________ (подпись)\t\t{signatory or '_______________ (ФИО)'}")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- drill-down lists

def rows_to_xlsx(title: str, header: list[str], rows: list[list]) -> bytes:
    """A plain list (drill-downs, analysis tables) as an XLSX sheet; money given as Decimal rubles."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for col in ws.columns:
        width = max(len(str(c.value or "")) for c in col[:200])
        ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, Decimal):
                c.number_format = "#,##0.00"
    return workbook_bytes(wb)


def rows_to_csv(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv_writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return "\ufeff" + buf.getvalue()
