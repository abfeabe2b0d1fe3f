"""Test data: a 1С «Оборотно-сальдовая ведомость» as 1С saves it to Excel.

    ООО «Теплосеть» (row 1)
    Оборотно-сальдовая ведомость по счету 62 за Ноябрь 2026 г. (row 2)
    Выводимые данные: БУ (данные бухгалтерского учета) (row 3)
    (row 4 empty)
    Лицевой счет | Сальдо на начало периода | Обороты за период | Сальдо на конец периода   (row 5, merged groups;
                 | Дебет | Кредит           | Дебет | Кредит     | Дебет | Кредит              row 6; A5:A6 merged)
    Отопление    | subtotals of the service (bold, outline level 1)
    ул. Ленина, д. 5 | subtotals of the house (optional, outline level 2)
    123          | an account: the number stored as a number when `numbers_as_numbers` (Excel drops «000»)
    …
    Итого        | grand totals (bold)

Balances are written on the debit side when positive and on the credit side when negative, as 1С does.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

MONTH_NAMES = ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь",
               "Ноябрь", "Декабрь")


@dataclass
class OsvLine:
    account: str
    service: str
    opening: Decimal
    charged: Decimal
    paid: Decimal
    house: str = ""
    closing: Decimal | None = None  # None: opening + charged − paid (set it to build a sheet that does not balance)

    @property
    def end(self) -> Decimal:
        return self.opening + self.charged - self.paid if self.closing is None else self.closing


def _dk(value: Decimal) -> tuple[float | None, float | None]:
    """A signed balance as 1С shows it: (debit, credit), the other cell empty."""
    if value > 0:
        return float(value), None
    if value < 0:
        return None, float(-value)
    return None, None


def _num(value: Decimal) -> float | None:
    return float(value) if value else None


def build_osv(lines: list[OsvLine], *, organisation: str = "ООО «Теплосеть»",
              title: str = "Оборотно-сальдовая ведомость по счету 62 за Ноябрь 2026 г.",
              extra_title: list[str] | None = None, layout: str = "service_first", houses: bool = False,
              numbers_as_numbers: bool = True, total: bool = True, total_override: dict | None = None) -> bytes:
    """The sheet as an .xlsx file. layout: service_first (service → [house →] accounts), account_first (account →
    services) or plain (accounts only; the service is named in `extra_title`, e.g. «Отбор: Услуга Равно
    "Отопление"»)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "TDSheet"  # the sheet name 1С gives
    bold = Font(bold=True)
    ws["A1"] = organisation
    ws["A2"] = title
    ws["A2"].font = Font(bold=True, size=14)
    r = 3
    for line in ["Выводимые данные: БУ (данные бухгалтерского учета)"] + list(extra_title or []):
        ws.cell(row=r, column=1, value=line)
        r += 1
    h = r + 1
    ws.cell(row=h, column=1, value="Лицевой счет")
    ws.merge_cells(start_row=h, start_column=1, end_row=h + 1, end_column=1)
    for col, group in ((2, "Сальдо на начало периода"), (4, "Обороты за период"), (6, "Сальдо на конец периода")):
        ws.cell(row=h, column=col, value=group)
        ws.merge_cells(start_row=h, start_column=col, end_row=h, end_column=col + 1)
        ws.cell(row=h + 1, column=col, value="Дебет")
        ws.cell(row=h + 1, column=col + 1, value="Кредит")
    for row in (h, h + 1):
        for col in range(1, 8):
            ws.cell(row=row, column=col).font = bold
            ws.cell(row=row, column=col).alignment = Alignment(horizontal="center", wrap_text=True)
    r = h + 2

    def put(label, figures: tuple[Decimal, Decimal, Decimal, Decimal], level: int, is_bold: bool = False):
        nonlocal r
        opening, charged, paid, closing = figures
        ws.cell(row=r, column=1, value=label)
        values = (*_dk(opening), _num(charged), _num(paid), *_dk(closing))
        for col, v in enumerate(values, start=2):
            c = ws.cell(row=r, column=col, value=v)
            c.number_format = "#,##0.00"
        if is_bold:
            for col in range(1, 8):
                ws.cell(row=r, column=col).font = bold
        if level:
            ws.row_dimensions[r].outline_level = level
        r += 1

    def figures(group: list[OsvLine]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        return (sum((x.opening for x in group), Decimal(0)), sum((x.charged for x in group), Decimal(0)),
                sum((x.paid for x in group), Decimal(0)), sum((x.end for x in group), Decimal(0)))

    def account_cell(number: str):
        return int(number) if numbers_as_numbers and number.isdigit() else number

    if layout == "service_first":
        for service in dict.fromkeys(x.service for x in lines):
            group = [x for x in lines if x.service == service]
            put(service, figures(group), 1, True)
            if houses:
                for house in dict.fromkeys(x.house for x in group):
                    sub = [x for x in group if x.house == house]
                    put(house, figures(sub), 2, True)
                    for x in sub:
                        put(account_cell(x.account), (x.opening, x.charged, x.paid, x.end), 3)
            else:
                for x in group:
                    put(account_cell(x.account), (x.opening, x.charged, x.paid, x.end), 2)
    elif layout == "account_first":
        for account in dict.fromkeys(x.account for x in lines):
            group = [x for x in lines if x.account == account]
            put(account_cell(account), figures(group), 1, True)
            for x in group:
                put(x.service, (x.opening, x.charged, x.paid, x.end), 2)
    else:
        for x in lines:
            put(account_cell(x.account), (x.opening, x.charged, x.paid, x.end), 1)
    if total:
        tot = figures(lines)
        if total_override:
            tot = tuple(total_override.get(k, v) for k, v in zip(("opening", "charged", "paid", "closing"), tot))
        put("Итого", tot, 0, True)
    ws.column_dimensions["A"].width = 28
    for col in "BCDEFG":
        ws.column_dimensions[col].width = 15
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sample_lines() -> list[OsvLine]:
    """Three accounts with leading zeros, two services, one overpayment (a credit balance), two houses."""
    D = Decimal
    return [
        OsvLine("000101", "Отопление", D("1000.00"), D("2500.50"), D("2000.00"), "ул. Ленина, д. 5"),
        OsvLine("000102", "Отопление", D("-150.00"), D("2500.50"), D("2500.50"), "ул. Ленина, д. 5"),
        OsvLine("000201", "Отопление", D("0"), D("1800.00"), D("0"), "ул. Мира, д. 1"),
        OsvLine("000101", "ГВС", D("300.25"), D("800.00"), D("1100.25"), "ул. Ленина, д. 5"),
        OsvLine("000201", "ГВС", D("0"), D("640.10"), D("100.00"), "ул. Мира, д. 1"),
    ]
