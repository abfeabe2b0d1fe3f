"""Exports of the form read back: XLSX cells with openpyxl, DOCX with python-docx, CSV and JSON."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

from docx.oxml.ns import qn
from openpyxl import load_workbook

from casework.reports import export
from casework.reports.services import monthly_report

from .report_data import FEB, rub


def _find(ws, text):
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and text in c.value:
                return c
    raise AssertionError(f"{text!r} not in sheet")


SEED_HEADERS = ["№ п/п", "Потребители", "Задолженность за ЖКУ, 2026 год",
                "Задолженность на начало отчетного месяца", "Начислено в отчетном месяце",
                "Оплачено в отчетном месяце", "Собираемость платежей в отчетном месяце (%)",
                "Сумма полученная по исполнительным производствам за отчетный месяц",
                "Сумма просроченной задолженности на отчетную дату"]
# population in February (see hand_data): at the reporting date 12 300 + 1 500 = 13 800 → 13.8; at the start
# 13 500 → 13.5; charged 6 800 → 6.8; paid 6 500 → 6.5; 95.6 %; enforcement 2 500 → 2.5; overdue 7 500 → 7.5
POPULATION = ["13.8", "13.5", "6.8", "6.5", "95.6", "2.5", "7.5"]


def _merged_width(ws, cell) -> float:
    """Width in characters of the cell, or of the merged range it starts."""
    from openpyxl.utils import get_column_letter

    cols = [cell.column]
    for rng in ws.merged_cells.ranges:
        if rng.min_row == cell.row and rng.min_col == cell.column:
            cols = list(range(rng.min_col, rng.max_col + 1))
    return sum(ws.column_dimensions[get_column_letter(c)].width or 8.43 for c in cols)


def _fits(ws, cell, size: float = 11) -> bool:
    """Nothing clipped: the text fits on one line of the (merged) width, or wraps into a row tall enough —
    estimated with generous glyph widths (a character of an 11-point font ≈ one width unit)."""
    text = str(cell.value)
    per_line = max(1, int(_merged_width(ws, cell) * 11 / size / 1.15))
    lines = -(-len(text) // per_line)
    if lines == 1:
        return True
    height = ws.row_dimensions[cell.row].height or 15
    return bool(cell.alignment.wrap_text) and height >= lines * size * 1.2


def test_xlsx_is_laid_out_like_the_form(hand_data):
    from casework.enterprise.models import get_enterprise
    from casework.extensions import db

    get_enterprise().name = "Муниципальное унитарное предприятие «Теплосеть» муниципального образования «Ленский район»"
    db.session.commit()
    wb = load_workbook(io.BytesIO(export.to_xlsx(monthly_report(FEB), "Иванов И.И.")))
    ws = wb.active
    # the lines of Приложение № 4, in its order, none clipped
    lines = ["Приложение № 4", "к постановлению и.о. главы", "Форма отчетности", "Предоставляется ежемесячно",
             "10 числа, следующего за отчетным", "Информация о начислениях, сборе платежей",
             "«01» марта 2026 г.", "Муниципальное унитарное предприятие «Теплосеть»", "(название организации)",
             "В тыс. руб."]
    cells = [_find(ws, text) for text in lines]
    assert [c.row for c in cells] == sorted(c.row for c in cells)
    for c in cells:
        assert _fits(ws, c, c.font.sz or 11), c.value
    # nine columns numbered 1–9 under the seed's titles
    head = _find(ws, "№ п/п")
    assert [ws.cell(row=head.row, column=c).value for c in range(1, 10)] == SEED_HEADERS
    for c in range(1, 10):
        assert _fits(ws, ws.cell(row=head.row, column=c), 10), SEED_HEADERS[c - 1]
    assert [ws.cell(row=head.row + 1, column=c).value for c in range(1, 10)] == list(range(1, 10))
    pop = _find(ws, "население")
    assert pop.row == head.row + 2 and ws.cell(row=pop.row, column=1).value == 1
    assert [str(ws.cell(row=pop.row, column=c).value) for c in range(3, 10)] == POPULATION
    assert ws.cell(row=pop.row, column=4).number_format.startswith("#,##0.0")
    other = _find(ws, "прочие потребители")
    assert Decimal(str(ws.cell(row=other.row, column=4).value)) == Decimal("51.2")
    total = _find(ws, "итого")
    # total rounded from the exact sum 64 734.56, not from the rounded rows (13.5 + 51.2 = 64.7 here too)
    assert Decimal(str(ws.cell(row=total.row, column=4).value)) == Decimal("64.7")
    assert Decimal(str(ws.cell(row=total.row, column=6).value)) == Decimal("76.5")
    # the signature right under the table (no definitions in between), the definitions after it
    sign = _find(ws, "Директор предприятия")
    assert sign.row == total.row + 2
    assert _find(ws, "Иванов И.И.").row == sign.row
    assert _find(ws, "подпись").row == _find(ws, "ФИО").row == sign.row + 1
    assert _find(ws, "Собираемость платежей в отчетном").row < sign.row < _find(ws, "Гр. 7 = гр. 6 ÷ гр. 5").row
    # printed on A4 landscape, one page wide, everything in the print area
    ps = ws.page_setup
    assert (ps.orientation, int(ps.paperSize), int(ps.fitToWidth), int(ps.fitToHeight)) == ("landscape", 9, 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    area = str(ws.print_area)
    assert area.startswith("'") and area.endswith(f"$A$1:$I${ws.max_row}")


def test_xlsx_corrections_line_sits_under_column_4(hand_data):
    from casework.reports.services import close_month

    from .report_data import entry, refresh_figures

    close_month(date(2026, 1, 1), None, date(2026, 2, 2))
    entry(hand_data["A2"], "recalculation", date(2026, 1, 1), -rub("300"))
    refresh_figures(date(2026, 3, 1))
    report = monthly_report(FEB)
    # A3's February opening balance (50 000) is in February's start but not in January's submitted end; −300 late
    assert report.adjustments["total"] == rub("50000") - rub("300")
    ws = load_workbook(io.BytesIO(export.to_xlsx(report))).active
    line = _find(ws, "в т.ч. корректировки прошлых периодов")
    assert Decimal(str(ws.cell(row=line.row, column=4).value)) == Decimal("49.7")
    assert line.row == _find(ws, "итого").row + 1 and _find(ws, "Директор предприятия").row == line.row + 2
    assert _find(ws, "Строка «в т.ч. корректировки прошлых периодов» (в гр. 4)")


def _docx_parts(data: bytes):
    from docx import Document

    doc = Document(io.BytesIO(data))
    frame = doc.tables[0]
    inner = frame.cell(0, 0).tables[0]
    return doc, frame, inner


def test_docx_is_laid_out_like_the_form(hand_data):
    doc, frame, table = _docx_parts(export.to_docx(monthly_report(FEB), "Иванов И.И."))
    text = "\n".join(p.text for p in doc.paragraphs)
    for line in ("Приложение № 4", "к постановлению и.о. главы", "Форма отчетности", "Предоставляется ежемесячно",
                 "10 числа, следующего за отчетным", "Информация о начислениях", "«01» марта 2026 г.",
                 "(название организации)"):
        assert line in text, line
    cells = [[c.text for c in r.cells] for r in table.rows]
    assert cells[0] == SEED_HEADERS
    assert cells[1] == [str(n) for n in range(1, 10)]
    pop = next(r for r in cells if r[1] == "население")
    assert pop[0] == "1" and pop[2:] == [v.replace(".", ",") for v in POPULATION]
    sec = doc.sections[0]
    assert sec.page_width > sec.page_height  # landscape
    assert round(sec.page_width.cm, 1) == 29.7 and round(sec.page_height.cm, 1) == 21.0


def test_docx_keeps_the_signature_with_the_table(hand_data):
    """The units line, the table and the signature share one row that may not break across pages, so the signature
    can never fall alone onto the next page (also with the corrections line)."""
    from casework.reports.services import close_month

    from .report_data import entry, refresh_figures

    close_month(date(2026, 1, 1), None, date(2026, 2, 2))
    entry(hand_data["A2"], "recalculation", date(2026, 1, 1), -rub("300"))
    refresh_figures(date(2026, 3, 1))
    doc, frame, table = _docx_parts(export.to_docx(monthly_report(FEB), "Иванов И.И."))
    assert len(frame.rows) == 1 and len(frame.columns) == 1
    assert frame.rows[0]._tr.trPr is not None and frame.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None
    block = frame.cell(0, 0)
    texts = [p.text for p in block.paragraphs]
    assert texts[0] == "В тыс. руб."
    assert any(t.startswith("Директор предприятия") and "Иванов И.И." in t for t in texts)
    assert any("подпись" in t and "ФИО" in t for t in texts)
    assert [c.text for c in table.rows[-1].cells][1] == "в т.ч. корректировки прошлых периодов"
    assert [c.text for c in table.rows[-1].cells][3] == "49,7"
    # the definitions come after the frame, outside it
    body = [p.text for p in doc.paragraphs]
    assert "Примечания:" in body and not any("Примечания" in t for t in texts)


def test_json_has_the_issue_schema_with_exact_rubles(hand_data):
    doc = json.loads(export.to_json(monthly_report(FEB)))
    assert set(doc) == {"month", "rows"} and doc["month"] == "2026-02"
    assert [r["category"] for r in doc["rows"]] == ["population", "other", "total"]
    keys = {"category", "debt_start", "charged", "paid", "collection_rate", "enforcement_received", "overdue_debt"}
    money = re.compile(r"^-?\d+\.\d{2}$")
    for r in doc["rows"]:
        assert set(r) == keys
        for k in keys - {"category", "collection_rate"}:
            assert money.match(r[k]), (k, r[k])
        assert re.match(r"^\d+\.\d$", r["collection_rate"])
    other = doc["rows"][1]
    assert other == {"category": "other", "debt_start": "51234.56", "charged": "10000.00", "paid": "70000.00",
                     "collection_rate": "700.0", "enforcement_received": "0.00", "overdue_debt": "1234.56"}


def test_csv_and_cli(hand_data, runner):
    rows = list(csv.DictReader(io.StringIO(export.to_csv(monthly_report(FEB)))))
    assert rows[0]["category"] == "population" and rows[0]["paid"] == "6500.00"
    result = runner.invoke(args=["report", "monthly", "--month", "2026-02", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"][2]["debt_start"] == "64734.56"
    result = runner.invoke(args=["report", "monthly", "--month", "2026-02", "--format", "csv"])
    assert result.output.splitlines()[0].startswith("category,")
    result = runner.invoke(args=["report", "monthly", "--month", "2026-13", "--format", "json"])
    assert result.exit_code != 0 and "2026-13" in result.output


def test_cli_writes_xlsx_and_closes(hand_data, runner, tmp_path):
    out = tmp_path / "f.xlsx"
    result = runner.invoke(args=["report", "monthly", "--month", "2026-02", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _find(load_workbook(out).active, "Информация о начислениях")
    result = runner.invoke(args=["report", "close", "--month", "2026-02", "--yes"])
    assert result.exit_code == 0, result.output
    assert monthly_report(FEB).is_closed
    result = runner.invoke(args=["report", "close", "--month", "2026-02", "--yes"])
    assert result.exit_code != 0 and "2026-02" in result.output
