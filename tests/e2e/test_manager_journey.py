"""A manager imports a billing ledger file with two bad rows, reads the errors on the check page, imports the good
rows (confirming), closes the month on the reports page (confirming) and downloads the monthly form as XLSX; the
figures read back from the workbook equal `casework report monthly --format json` for the month, and the paid
figure grew by exactly the imported payments."""
from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from .helpers import login, shot

pytestmark = pytest.mark.e2e

HEADER = "Лицевой счёт;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Оплаченный период;Номер документа"
BAD_ROWS = {5: "unknown account", 10: "bad date"}  # row numbers as Excel shows them (header = row 1)


def _ledger_file(numbers: list[str], month) -> tuple[str, int]:
    """10 good payments on real accounts dated in `month`, an unknown account at row 5 and a bad date at row 10;
    returns the CSV text and the good rows' total in kopecks."""
    lines, good_total, it = [HEADER], 0, iter(numbers)
    for row in range(2, 14):
        if row == 5:
            lines.append(f"99999999;{month:%Y-%m};heating;оплата;500,00;10.{month:%m.%Y};банк;;E2E-BAD-1")
        elif row == 10:
            lines.append(f"{numbers[0]};{month:%Y-%m};heating;оплата;700,00;31.02.{month:%Y};банк;;E2E-BAD-2")
        else:
            kop = 100_000 + row * 1_234 + 7  # 1 002,47 ₽ … odd kopecks on purpose
            good_total += kop
            lines.append(f"{next(it)};{month:%Y-%m};heating;оплата;{kop // 100},{kop % 100:02d};"
                         f"{12 + row:02d}.{month:%m.%Y};банк;;E2E-{row}")
    return "\r\n".join(lines) + "\r\n", good_total


def _report_json(app, month_key: str) -> dict:
    from casework.extensions import db

    result = app.test_cli_runner().invoke(args=["report", "monthly", "--month", month_key, "--format", "json"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
    return json.loads(result.output)


def _kop(rubles_text: str) -> int:
    return int(Decimal(rubles_text) * 100)


def test_manager_imports_closes_the_month_and_downloads_the_form(page, db_read, e2e_app, tmp_path):
    from casework.accounts.models import Account
    from casework.reports.queries import thousands
    from casework.timeutil import today

    with db_read():  # the enterprise's local date (Lensk, UTC+9), as the server sees it
        month = (today().replace(day=1) - timedelta(days=1)).replace(day=1)  # the month just ended
    month_key = f"{month:%Y-%m}"
    with db_read() as db:
        numbers = list(db.session.scalars(select(Account.number).where(Account.closed_on.is_(None))
                                          .order_by(Account.number).limit(10)))
    assert len(numbers) == 10
    csv_text, good_total = _ledger_file(numbers, month)
    path = tmp_path / "ledger-e2e.csv"
    path.write_bytes(csv_text.encode("cp1251"))  # billing exports are often Windows-1251
    before = _report_json(e2e_app, month_key)
    paid_before = _kop(before["rows"][-1]["paid"])

    login(page, "manager")
    page.get_by_role("link", name="Загрузка данных").click()
    page.get_by_role("link", name="Загрузить файл").click()
    page.get_by_label("Что в файле").select_option(label="Начисления и оплаты")
    page.get_by_label("Файл (.csv или .xlsx)").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Проверить файл").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("ledger-e2e.csv"))).to_be_visible()
    shot(page, "manager-01-preview")

    stats = {page.locator(".stat").nth(i).locator(".muted").inner_text().strip():
             page.locator(".stat").nth(i).locator("strong").inner_text().strip() for i in range(3)}
    assert stats == {"Строк": "12", "Корректные строки": "10", "Ошибочные строки": "2"}, stats
    errors = page.locator("table.import-errors tbody tr")  # the preview has tables of sums and columns too
    expect(errors).to_have_count(2)
    seen = {int(errors.nth(i).locator("td").nth(0).inner_text()): errors.nth(i).locator("td").nth(2).inner_text()
            for i in range(2)}
    assert set(seen) == set(BAD_ROWS), seen
    assert "99999999" in seen[5] or "счёт" in seen[5].lower() or "счет" in seen[5].lower(), seen[5]
    assert "дат" in seen[10].lower(), seen[10]

    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    with page.expect_navigation():
        page.get_by_role("button", name="Загрузить корректные строки, пропустив 2 ошибочных").click()
    assert dialogs and "10" in dialogs[0] and "2" in dialogs[0], dialogs
    expect(page.get_by_text("Загружено: новых 10, обновлено 0, уже было 0.")).to_be_visible()
    shot(page, "manager-02-imported")

    # the monthly form of the month just ended: close it (confirmed), then download the XLSX
    page.get_by_role("link", name="Отчёты").first.click()
    page.get_by_role("link", name="Ежемесячная форма (Приложение № 4)").click()
    page.get_by_label("Месяц", exact=True).fill(month_key)
    with page.expect_navigation():
        page.get_by_label("Месяц", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(rf"month={month_key}"))
    page.get_by_label("Примечание (необязательно)").fill("E2E: закрыто после загрузки оплат")
    page.get_by_label(re.compile("Понимаю, что закрытие окончательно")).check()
    dialogs.clear()
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    with page.expect_navigation():
        page.get_by_role("button", name="Закрыть месяц").click()
    assert dialogs and month_key in dialogs[0], dialogs
    expect(page.get_by_text(f"Месяц {month_key} закрыт")).to_be_visible()
    shot(page, "manager-03-closed")

    with page.expect_download() as dl:
        page.get_by_role("link", name="Excel (по форме)").click()
    download = dl.value
    assert download.suggested_filename == f"form4-{month_key}.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()), data_only=True).active

    after = _report_json(e2e_app, month_key)
    assert _kop(after["rows"][-1]["paid"]) - paid_before == good_total
    # the rows население, прочие потребители, итого under the column numbers 1–9; columns D..I (4–9): the six figures
    # in thousands of rubles, column C (3): the debt at the reporting date = 4 + 5 − 6
    first = next(c.row for r in ws.iter_rows() for c in r if c.value == "население")
    for offset, row in enumerate(after["rows"]):
        r = first + offset
        got = [ws.cell(row=r, column=c).value for c in range(4, 10)]
        want = [thousands(_kop(row["debt_start"])), thousands(_kop(row["charged"])), thousands(_kop(row["paid"])),
                Decimal(row["collection_rate"]) if row["collection_rate"] is not None else "—",
                thousands(_kop(row["enforcement_received"])), thousands(_kop(row["overdue_debt"]))]
        assert [Decimal(str(v)) if isinstance(v, (int, float)) else v for v in got] == want, (row["category"], got)
        end = _kop(row["debt_start"]) + _kop(row["charged"]) - _kop(row["paid"])
        assert Decimal(str(ws.cell(row=r, column=3).value)) == thousands(end), row["category"]
