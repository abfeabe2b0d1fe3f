"""Exports of the form read back: XLSX cells with openpyxl, DOCX with python-docx, CSV and JSON."""
from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

from openpyxl import load_workbook

from casework.reports import export
from casework.reports.services import monthly_report

from .test_monthly_report import FEB, hand_data, rub  # noqa: F401


def _find(ws, text):
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and text in c.value:
                return c
    raise AssertionError(f"{text!r} not in sheet")


def test_xlsx_is_laid_out_like_the_form(hand_data):
    from casework.enterprise.models import get_enterprise
    from casework.extensions import db

    get_enterprise().name = "МУП «Теплосеть»"
    db.session.commit()
    wb = load_workbook(io.BytesIO(export.to_xlsx(monthly_report(FEB), "Иванов И.И.")))
    ws = wb.active
    assert _find(ws, "Информация о начислениях, сборе платежей")
    assert _find(ws, "МУП «Теплосеть»")
    assert _find(ws, "«01» марта 2026 г.")  # reporting date: the 1st of the following month
    assert _find(ws, "В тыс. руб.")
    numbers = _find(ws, "Потребители")
    num_row = numbers.row + 2
    assert [ws.cell(row=num_row, column=c).value for c in range(2, 9)] == [1, 2, 3, 4, 5, 6, 7]
    pop = _find(ws, "население")
    assert ws.cell(row=pop.row, column=1).value == 1
    vals = [ws.cell(row=pop.row, column=c).value for c in range(3, 9)]
    # 13 500 → 13.5; 6 800 → 6.8; 6 500 → 6.5; 95.6 %; 2 500 → 2.5; 7 500 → 7.5
    assert [Decimal(str(v)) for v in vals] == [Decimal(x) for x in ("13.5", "6.8", "6.5", "95.6", "2.5", "7.5")]
    other = _find(ws, "прочие потребители")
    assert Decimal(str(ws.cell(row=other.row, column=3).value)) == Decimal("51.2")
    total = _find(ws, "итого")
    # total rounded from the exact sum 64 734.56, not from the rounded rows (13.5 + 51.2 = 64.7 here too)
    assert Decimal(str(ws.cell(row=total.row, column=3).value)) == Decimal("64.7")
    assert Decimal(str(ws.cell(row=total.row, column=5).value)) == Decimal("76.5")
    assert ws.cell(row=pop.row, column=3).number_format == "#,##0.0"
    assert _find(ws, "Директор предприятия")
    assert _find(ws, "Иванов И.И.")
    assert _find(ws, "Собираемость = оплачено ÷ начислено")


def test_docx_reads_back(hand_data):
    from docx import Document

    doc = Document(io.BytesIO(export.to_docx(monthly_report(FEB))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Информация о начислениях" in text and "В тыс. руб." in text and "Директор предприятия" in text
    table = doc.tables[0]
    cells = [[c.text for c in r.cells] for r in table.rows]
    assert cells[2][1:8] == ["1", "2", "3", "4", "5", "6", "7"]
    pop = next(r for r in cells if r[1] == "население")
    assert pop[2:8] == ["13,5", "6,8", "6,5", "95,6", "2,5", "7,5"]


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
    assert load_workbook(out).active["A4"].value.startswith("Информация")
    result = runner.invoke(args=["report", "close", "--month", "2026-02", "--yes"])
    assert result.exit_code == 0, result.output
    assert monthly_report(FEB).is_closed
    result = runner.invoke(args=["report", "close", "--month", "2026-02", "--yes"])
    assert result.exit_code != 0 and "2026-02" in result.output
