"""The shared XLSX/CSV writer: exact money, formats, and the formula-injection guard."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from casework.export import Column, csv_writer, iter_csv, neutralise, safe_text, workbook_bytes, write_xlsx

COLUMNS = [Column("Лицевой счёт"), Column("Должник"), Column("Долг", "kop"), Column("Сумма", "money"),
           Column("Месяцев", "int"), Column("Дата", "date"), Column("Период", "period")]
ROWS = [
    ("001", "Иванов И. И.", 123456, Decimal("10.05"), 3, date(2026, 1, 31), date(2025, 12, 1)),
    ("=HYPERLINK(\"http://x\")", "+7 914 000", -5, Decimal("-0.01"), 0, None, None),
    ("@SUM(A1)", "-2+3", 0, None, None, None, None),
    ("\tTAB", "\rCR", 1, Decimal("0"), 1, None, None),
]


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+7 914", "'+7 914"), ("-1+1", "'-1+1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    (" =HYPERLINK(\"http://x\")", "' =HYPERLINK(\"http://x\")"), ("\n=1+1", "'\n=1+1"), ("\u00a0 @SUM(A1)", "'\u00a0 @SUM(A1)"),
    ("  -2+3+cmd|' /C calc'!A0", "'  -2+3+cmd|' /C calc'!A0"), ("-", "'-"), ("- 1", "'- 1"), ("-1e3", "'-1e3"),
    ("-1", "-1"), ("-1234,56", "-1234,56"), ("-0.05", "-0.05"),  # plain numbers stay numbers
    ("Иванов", "Иванов"), ("1=1", "1=1"), ("", ""), (None, ""), ("  ", "  "),
])
def test_safe_text_prefixes_only_dangerous_leading_characters(text, expected):
    assert safe_text(text) == expected


def test_neutralise_keeps_numbers_and_dates():
    assert neutralise(-5) == -5 and neutralise(Decimal("-1.50")) == Decimal("-1.50")
    assert neutralise(date(2026, 1, 1)) == date(2026, 1, 1) and neutralise(None) is None
    assert neutralise("=1+1") == "'=1+1"


def test_csv_writer_defuses_every_cell():
    buf = io.StringIO()
    w = csv_writer(buf, delimiter=";")
    w.writerow(["=HYPERLINK(\"http://x\")", " @SUM(A1)", -5, Decimal("-0.05"), "-12,50", None])
    w.writerows([["+7 914"]])
    rows = list(csv.reader(io.StringIO(buf.getvalue()), delimiter=";"))
    assert rows == [["'=HYPERLINK(\"http://x\")", "' @SUM(A1)", "-5", "-0.05", "-12,50", ""], ["'+7 914"]]


def test_workbook_bytes_defuses_text_and_formula_cells_of_a_hand_laid_sheet():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"] = "=cmd|' /C calc'!A0"
    ws["B1"] = -5
    ws["C1"] = Decimal("-1.25")
    ws.merge_cells("A2:C2")
    ws["A2"] = " =HYPERLINK(\"http://x\")"
    wb.create_sheet("Второй")["A1"] = "@SUM(A1)"
    assert ws["A1"].data_type == "f"
    back = load_workbook(io.BytesIO(workbook_bytes(wb)))
    cells = [c for sheet in back.worksheets for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert back.active["A1"].value == "'=cmd|' /C calc'!A0" and back.active["B1"].value == -5
    assert Decimal(str(back.active["C1"].value)) == Decimal("-1.25")
    assert back.active["A2"].value == "' =HYPERLINK(\"http://x\")"
    assert back["Второй"]["A1"].value == "'@SUM(A1)"


def _roundtrip(**kw):
    buf = io.BytesIO()
    n = write_xlsx(COLUMNS, iter(ROWS), buf, sheet_title="Счета/2026", **kw)
    buf.seek(0)
    return n, load_workbook(buf).active


def test_xlsx_keeps_values_exact_and_typed():
    n, ws = _roundtrip(totals=["Итого", None, sum(r[2] for r in ROWS), None, None, None, None])
    assert n == len(ROWS)
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(c.title for c in COLUMNS)
    first = rows[1]
    assert first[0] == "001"
    assert Decimal(str(first[2])) == Decimal("1234.56")
    assert Decimal(str(first[3])) == Decimal("10.05")
    assert first[4] == 3
    assert first[5].date() == date(2026, 1, 31)
    assert first[6].date() == date(2025, 12, 1)
    assert Decimal(str(rows[2][2])) == Decimal("-0.05")
    assert rows[-1][0] == "Итого"
    assert Decimal(str(rows[-1][2])) == Decimal("1234.52")
    assert ws.title == "Счета 2026"


def test_xlsx_defuses_formulas_in_text_cells():
    _n, ws = _roundtrip()
    cells = {c.coordinate: c for row in ws.iter_rows() for c in row}
    assert cells["A3"].value == "'=HYPERLINK(\"http://x\")"
    assert cells["A3"].data_type == "s"
    assert cells["B3"].value == "'+7 914 000"
    assert cells["A4"].value == "'@SUM(A1)"
    assert cells["B4"].value == "'-2+3"
    assert cells["A5"].value == "'\tTAB"
    assert not any(c.data_type == "f" for c in cells.values())


def test_xlsx_formats_bold_header_and_widths():
    _n, ws = _roundtrip()
    assert all(c.font.b for c in ws[1])
    assert ws["C2"].number_format == "#,##0.00"
    assert ws["D2"].number_format == "#,##0.00"
    assert ws["F2"].number_format == "DD.MM.YYYY"
    assert ws["E2"].number_format == "#,##0"
    assert ws.column_dimensions["B"].width >= 20
    assert ws.freeze_panes == "A2"


def test_xlsx_refuses_float_money():
    with pytest.raises(TypeError):
        write_xlsx([Column("x", "money")], [(0.1,)], io.BytesIO())


def test_csv_is_semicolon_separated_with_bom_decimal_comma_and_guard():
    text = "".join(iter_csv(COLUMNS, iter(ROWS), totals=["Итого", None, 123452, None, None, None, None]))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Лицевой счёт"
    assert rows[1] == ["001", "Иванов И. И.", "1234,56", "10,05", "3", "31.01.2026", "12.2025"]
    assert rows[2][0] == "'=HYPERLINK(\"http://x\")"
    assert rows[2][1] == "'+7 914 000"
    assert rows[2][2] == "-0,05"
    assert rows[3][1] == "'-2+3"
    assert rows[-1][:3] == ["Итого", "", "1234,52"]


def test_csv_streams_in_chunks():
    many = (("n%d" % i, "x", i, None, None, None, None) for i in range(2000))
    chunks = list(iter_csv(COLUMNS, many))
    assert len(chunks) > 3
    assert sum(c.count("\r\n") for c in chunks) == 2001
