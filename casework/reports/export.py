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
# the header of Приложение № 4 as the resolution prints it (the act's own date and number are left blank there)
APPENDIX_LINES = ("Приложение № 4", "к постановлению и.о. главы", "от _______________2023г.",
                  "№___________________")
FORM_LINES = ("Форма отчетности", "Предоставляется ежемесячно", "10 числа, следующего за отчетным")
ORGANISATION_CAPTION = "(название организации)"
UNITS = "В тыс. руб."
ROW_LABELS = {"population": "население", "other": "прочие потребители", "total": "итого"}
ADJUSTMENT_LABEL = "в т.ч. корректировки прошлых периодов"
DEBT_HEADER = "Задолженность за ЖКУ, {year} год"  # column 3
COLUMN_HEADERS = (  # columns 4–9
    "Задолженность на начало отчетного месяца",
    "Начислено в отчетном месяце",
    "Оплачено в отчетном месяце",
    "Собираемость платежей в отчетном месяце (%)",
    "Сумма полученная по исполнительным производствам за отчетный месяц",
    "Сумма просроченной задолженности на отчетную дату",
)
NOTES = (
    "Гр. 3 — задолженность за ЖКУ на отчетную дату (на конец отчетного месяца): гр. 4 + гр. 5 − гр. 6.",
    "Гр. 4 — входящие остатки, начисления и перерасчёты прошлых периодов за вычетом оплат, датированных до 1-го "
    "числа отчетного месяца.",
    "Гр. 5 — начисления и перерасчёты отчетного периода. Гр. 6 — платежи, датированные отчетным месяцем "
    "(сторно — с минусом).",
    "Гр. 7 = гр. 6 ÷ гр. 5 × 100, один знак после запятой, округление половины вверх; «—», если начислений нет.",
    "Гр. 8 — платежи месяца с источником «исполнительное производство».",
    "Гр. 9 — часть долга на конец месяца из начислений, срок оплаты которых наступил (ЖК РФ ст.155 ч.1), после "
    "распределения платежей ({method}).",
    "Суммы рассчитаны в копейках и округлены до 0,1 тыс. руб. только при выводе; «итого» округлено от точной суммы.",
)
ADJUSTMENT_NOTE = ("Строка «в т.ч. корректировки прошлых периодов» (в гр. 4): задолженность на начало отчетного "
                   "месяца минус задолженность на конец предыдущего месяца по представленному отчету ({base}) — "
                   "суммы прошлых периодов, загруженные после его закрытия.")
METHOD_TEXT = {"fifo": "в порядке очерёдности начислений", "legal": "по правилам ГК РФ ст.319.1 с учётом "
               "назначения платежа и исковой давности"}


def column_headers(report: MonthlyReport) -> list[str]:
    """The nine column titles of the form (numbered 1–9 under them)."""
    return ["№ п/п", "Потребители", DEBT_HEADER.format(year=report.month.year), *COLUMN_HEADERS]


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
    out = [n.format(method=METHOD_TEXT.get(report.overdue_method, report.overdue_method)) for n in NOTES]
    if report.adjustments is not None and report.adjustment_base is not None:
        base = report.adjustment_base
        out.append(ADJUSTMENT_NOTE.format(base=f"{MONTHS_NOMINATIVE[base.month - 1]} {base.year} г."))
    return out


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
    """Columns 3–9 of a row: thousands of rubles (one decimal) and the collection rate."""
    rate = row.collection_rate
    return [thousands(row.debt_end_kop), thousands(row.debt_start_kop), thousands(row.charged_kop),
            thousands(row.paid_kop), rate if rate is not None else "—", thousands(row.enforcement_kop),
            thousands(row.overdue_kop)]


XLSX_WIDTHS = (6, 24, 16, 16, 14, 14, 15, 18, 17)  # columns A–I, in characters
XLSX_FONT = "Times New Roman"
# one decimal, a space's width kept clear of the right border («_ »); Russian Excel shows «# ##0,0»
THOUSANDS_FORMAT = "#,##0.0_ ;-#,##0.0_ "
RATE_FORMAT = "0.0_ "
NCOL = 9


def _lines_needed(text: str, chars_per_line: int) -> int:
    """How many lines a wrapped text takes at about `chars_per_line` characters a line (words kept whole)."""
    lines, used = 1, 0
    for word in text.split():
        need = len(word) + (1 if used else 0)
        if used and used + need > chars_per_line:
            lines, used = lines + 1, len(word)
        else:
            used += need
    return lines


def to_xlsx(report: MonthlyReport, signatory: str = "", position: str = "Директор предприятия") -> bytes:
    """The form as a worksheet laid out like Приложение № 4: the appendix and form lines on the right, the title,
    the reporting date «01» …, the organisation, «В тыс. руб.», nine columns numbered 1–9, the rows, the
    corrections line, the director's signature; the definitions under it. A4 landscape, one page wide."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    from ..export import safe_text

    wb = Workbook()
    ws = wb.active
    ws.title = "Форма " + month_key(report.month)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for i, w in enumerate(XLSX_WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = w

    def put(row: int, col: int, value, *, to_col: int | None = None, size: float = 11, bold: bool = False,
            italic: bool = False, h: str = "left", wrap: bool = True, v: str = "center", indent: int = 0):
        if to_col and to_col > col:
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=to_col)
        cell = ws.cell(row=row, column=col, value=value)
        cell.font = Font(name=XLSX_FONT, size=size, bold=bold, italic=italic)
        cell.alignment = Alignment(horizontal=h, vertical=v, wrap_text=wrap, indent=indent)
        return cell

    r = 1
    for text in APPENDIX_LINES:  # top right, as in the resolution
        put(r, 7, text, to_col=NCOL)
        r += 1
    r += 1
    for text in FORM_LINES:
        put(r, 6, text, to_col=NCOL, h="right")
        r += 1
    r += 1
    put(r, 1, TITLE, to_col=NCOL, size=12, bold=True, h="center")
    ws.row_dimensions[r].height = 34
    r += 1
    put(r, 1, form_date_text(report), to_col=NCOL, h="center")
    r += 2
    name = safe_text(report.enterprise_name)
    put(r, 2, name, to_col=8, bold=True, h="center", v="bottom")
    for c in range(2, 9):
        ws.cell(row=r, column=c).border = Border(bottom=thin)
    ws.row_dimensions[r].height = 15 * _lines_needed(name, int(sum(XLSX_WIDTHS[1:8]) * 0.85)) + 4
    r += 1
    put(r, 2, ORGANISATION_CAPTION, to_col=8, size=8, h="center", v="top")
    r += 2
    put(r, 1, UNITS, to_col=2)
    r += 1

    # header: the nine titles, then their numbers 1–9
    headers = column_headers(report)
    for c, text in enumerate(headers, start=1):
        put(r, c, text, size=10, h="center").border = box
    tallest = max(_lines_needed(t, int(XLSX_WIDTHS[c] * 1.05)) for c, t in enumerate(headers))
    ws.row_dimensions[r].height = 14 * tallest + 6
    r += 1
    for c in range(1, NCOL + 1):
        put(r, c, c, size=9, h="center").border = box
    r += 1
    for i, row in enumerate(report.ordered_rows(), start=1):
        is_total = row.category == "total"
        put(r, 1, "" if is_total else i, h="center", bold=is_total).border = box
        put(r, 2, ROW_LABELS[row.category], bold=is_total, indent=1).border = box
        for j, value in enumerate(_table_values(row)):
            cell = put(r, 3 + j, value, h="right", bold=is_total, wrap=False)
            cell.number_format = RATE_FORMAT if j == 4 else THOUSANDS_FORMAT
            cell.border = box
        ws.row_dimensions[r].height = 18
        r += 1
    if report.adjustments is not None:
        put(r, 1, "").border = box
        put(r, 2, ADJUSTMENT_LABEL, size=10, italic=True, indent=1).border = box
        for c in range(3, NCOL + 1):
            cell = put(r, c, thousands(report.adjustments["total"]) if c == 4 else "", h="right", italic=True,
                       wrap=False)
            cell.number_format = THOUSANDS_FORMAT
            cell.border = box
        ws.row_dimensions[r].height = 30
        r += 1

    r += 1
    r = signature_block(ws, r, position, signatory, sign_cols=(4, 6), name_cols=(7, 9), font=XLSX_FONT)
    r += 1
    put(r, 1, "Примечания:", to_col=NCOL, size=8, bold=True)
    r += 1
    chars = int(sum(XLSX_WIDTHS) * 1.3)  # 8-point text across the merged row
    for text in notes(report):
        put(r, 1, text, to_col=NCOL, size=8, italic=True, v="top")
        ws.row_dimensions[r].height = 11.5 * _lines_needed(text, chars) + 2
        r += 1
    if report.is_closed:
        put(r, 1, f"Отчёт закрыт {report.closed.closed_at:%d.%m.%Y}; цифры — как представлены.", to_col=NCOL,
            size=8, italic=True)
        r += 1
    ws.print_area = f"A1:I{r - 1}"
    print_setup(ws)
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    return workbook_bytes(wb)


def signature_block(ws, row: int, position: str, signatory: str | None, *, sign_cols: tuple[int, int],
                    name_cols: tuple[int, int], font: str | None = None) -> int:
    """The signature line of an exported form at `row`: the position, a line to sign on with «подпись» under it,
    the name (or a line) with «ФИО» under it. Returns the row after the block."""
    from openpyxl.styles import Alignment, Font

    from ..export import safe_text

    def put(r: int, cols: tuple[int, int], value, size: float = 11):
        if cols[1] > cols[0]:
            ws.merge_cells(start_row=r, start_column=cols[0], end_row=r, end_column=cols[1])
        cell = ws.cell(row=r, column=cols[0], value=value)
        cell.font = Font(name=font, size=size) if font else Font(size=size)
        cell.alignment = Alignment(horizontal="center", vertical="bottom")

    ws.cell(row=row, column=1, value=safe_text(position))
    if font:
        ws.cell(row=row, column=1).font = Font(name=font, size=11)
    put(row, sign_cols, "____________________")
    put(row, name_cols, safe_text(signatory) if signatory else "_______________")
    put(row + 1, sign_cols, "подпись", 8)
    put(row + 1, name_cols, "ФИО", 8)
    return row + 2


def print_setup(ws) -> None:
    """A4 landscape, fitted to one page wide (as many pages tall as needed), centred."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def sign_and_save(wb, ws, row: int, position: str, signatory: str | None, *, sign_col: int, name_col: int) -> bytes:
    """The signature line of an exported form (position, «подпись», «ФИО») at `row`, landscape fitted to one page
    wide; the workbook as .xlsx bytes, every text cell defused (casework.export.workbook_bytes)."""
    signature_block(ws, row, position, signatory, sign_cols=(sign_col, sign_col), name_cols=(name_col, name_col))
    print_setup(ws)
    return workbook_bytes(wb)


# ----------------------------------------------------------------------------- DOCX

def _fmt_thousands(v) -> str:
    if isinstance(v, str):
        return v
    return f"{v:,.1f}".replace(",", "\u00a0").replace(".", ",")


DOCX_WIDTHS_CM = (1.0, 4.6, 3.0, 3.0, 2.9, 2.9, 3.0, 3.6, 3.0)  # 27.0 cm of the 27.3 between the margins


def _keep_with_next(paragraph) -> None:
    paragraph.paragraph_format.keep_with_next = True
    paragraph.paragraph_format.keep_together = True


def _row_cant_split(row, header: bool = False) -> None:
    """A table row that is never split across pages (the header rows repeat on a next page)."""
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _cell(cell, text: str, *, align=None, bold: bool = False, italic: bool = False, size: float | None = None):
    from docx.shared import Pt

    cell.text = ""
    para = cell.paragraphs[0]
    run = para.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    if align is not None:
        para.alignment = align
    para.paragraph_format.space_before, para.paragraph_format.space_after = Pt(1), Pt(1)
    _keep_with_next(para)  # every row keeps with the next: the table stays with the signature under it


def to_docx(report: MonthlyReport, signatory: str = "", position: str = "Директор предприятия") -> bytes:
    """The form as a Word document laid out like Приложение № 4 (A4 landscape): the same lines, nine columns
    numbered 1–9, the signature kept on the page of the table; the definitions after the signature."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    sec.left_margin, sec.right_margin = Cm(1.2), Cm(1.2)
    sec.top_margin, sec.bottom_margin = Cm(1.0), Cm(1.0)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.space_before = Pt(0)
    center, right, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT

    def para(text: str = "", *, align=None, bold: bool = False, size: float | None = None, indent_cm: float = 0,
             before: float = 0, after: float = 0, into=doc, p=None):
        p = p if p is not None else into.add_paragraph()
        if text:
            run = p.add_run(text)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        if indent_cm:
            p.paragraph_format.left_indent = Cm(indent_cm)
        p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(before), Pt(after)
        _keep_with_next(p)
        return p

    for text in APPENDIX_LINES:
        para(text, indent_cm=20.5, size=10)
    para(size=6)
    for text in FORM_LINES:
        para(text, align=right, size=10)
    para(TITLE, align=center, bold=True, size=12, before=10, after=4)
    para(form_date_text(report), align=center, after=8)
    org = para(report.enterprise_name or "", align=center, bold=True)
    org.paragraph_format.left_indent, org.paragraph_format.right_indent = Cm(6), Cm(6)
    _bottom_border(org)
    para(ORGANISATION_CAPTION, align=center, size=8, after=6)
    # «В тыс. руб.», the table and the signature go in one unsplittable row of a borderless frame: they are never
    # parted by a page break (Word would also honour keep-with-next from a table; LibreOffice does not)
    frame = doc.add_table(rows=1, cols=1)
    frame.alignment = WD_TABLE_ALIGNMENT.CENTER
    frame.autofit = False
    _no_cell_margins(frame)
    _row_cant_split(frame.rows[0])
    block = frame.cell(0, 0)
    frame.columns[0].width = block.width = Cm(sum(DOCX_WIDTHS_CM))
    para(UNITS, align=left, after=2, p=block.paragraphs[0])

    rows = report.ordered_rows()
    n_rows = 2 + len(rows) + (1 if report.adjustments is not None else 0)
    table = block.add_table(rows=n_rows, cols=NCOL)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, w in enumerate(DOCX_WIDTHS_CM):
        table.columns[i].width = Cm(w)
        for cell in table.columns[i].cells:
            cell.width = Cm(w)
    for c, text in enumerate(column_headers(report)):
        cell = table.rows[0].cells[c]
        _cell(cell, text, align=center, size=9)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell(table.rows[1].cells[c], str(c + 1), align=center, size=9)
    _row_cant_split(table.rows[0], header=True)
    _row_cant_split(table.rows[1], header=True)
    for k, row in enumerate(rows):
        cells = table.rows[2 + k].cells
        is_total = row.category == "total"
        _cell(cells[0], "" if is_total else str(k + 1), align=center, bold=is_total, size=10)
        _cell(cells[1], ROW_LABELS[row.category], bold=is_total, size=10)
        for j, v in enumerate(_table_values(row)):
            _cell(cells[2 + j], _fmt_thousands(v), align=right, bold=is_total, size=10)
        _row_cant_split(table.rows[2 + k])
    if report.adjustments is not None:
        cells = table.rows[2 + len(rows)].cells
        for c in range(NCOL):
            _cell(cells[c], "")
        _cell(cells[1], ADJUSTMENT_LABEL, italic=True, size=9)
        _cell(cells[3], _fmt_thousands(thousands(report.adjustments["total"])), align=right, italic=True, size=10)
        _row_cant_split(table.rows[2 + len(rows)])

    # the signature, under the table in the same frame (the cell's paragraph after the table is the space)
    para(after=10, p=block.paragraphs[-1])
    sign = para(f"{position}\t____________________\t{signatory or '____________________'}", into=block)
    caption = para("\tподпись\tФИО", size=8, into=block)
    for line in (sign, caption):
        line.paragraph_format.tab_stops.add_tab_stop(Cm(13.5), WD_TAB_ALIGNMENT.CENTER)
        line.paragraph_format.tab_stops.add_tab_stop(Cm(21.0), WD_TAB_ALIGNMENT.CENTER)

    head = doc.add_paragraph()
    head.paragraph_format.space_before = Pt(10)
    run = head.add_run("Примечания:")
    run.bold, run.font.size = True, Pt(8)
    _keep_with_next(head)
    for text in notes(report):
        p = doc.add_paragraph()
        p.add_run(text).font.size = Pt(8)
    if report.is_closed:
        p = doc.add_paragraph()
        p.add_run(f"Отчёт закрыт {report.closed.closed_at:%d.%m.%Y}; цифры — как представлены.").font.size = Pt(8)
    doc.core_properties.title = f"{TITLE} — {month_text(report)}"
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _no_cell_margins(table) -> None:
    """No inner margins in the cells of `table` (the frame around the form's table adds no indent)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    margins = OxmlElement("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    table._tbl.tblPr.append(margins)


def _bottom_border(paragraph) -> None:
    """A line under the paragraph (the organisation's name is written on it, as on the printed form)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(k), v)
    borders.append(bottom)
    p_pr.insert_element_before(borders, *_PPR_AFTER_PBDR)


# the children of w:pPr that the schema places after w:pBdr (Word refuses them out of order)
_PPR_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                   "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                   "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                   "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                   "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


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
