"""A manager imports a registry of new accounts (numbers with leading zeros), then the month's оборотно-сальдовая
ведомость exactly as 1С saves it (title rows, merged two-level header, subtotals per service and house, «Итого»,
account numbers stored as numbers); reads on the check page the sheet's title and period, the sums by kind and
month and how the columns are read; imports it; uploads the same file again and is told it was already imported."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from ..osv_builder import MONTH_NAMES, OsvLine, build_osv
from .helpers import login, shot

pytestmark = pytest.mark.e2e

NUMBERS = ("0090101", "0090102", "0090201")


def _upload(page, kind_label: str, path) -> None:
    page.goto("/imports/new")
    page.get_by_label("Что в файле").select_option(label=kind_label)
    page.get_by_label("Файл (.csv или .xlsx)").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Проверить файл").click()


def test_manager_imports_a_1c_turnover_sheet(page, db_read, tmp_path):
    from casework.accounts.models import Account, LedgerEntry
    from casework.timeutil import today

    month = (today().replace(day=1) - timedelta(days=1)).replace(day=1)  # the month just ended
    registry = tmp_path / "реестр-осв.csv"
    registry.write_bytes(("Лицевой счёт;Категория;ФИО;Адрес\n"
                          f"{NUMBERS[0]};Физическое лицо;Сидоров Пётр;г. Ленск, ул. Новая, д. 9, кв. 1\n"
                          f"{NUMBERS[1]};Физическое лицо;Кузнецова Ольга;г. Ленск, ул. Новая, д. 9, кв. 2\n"
                          f"{NUMBERS[2]};Бюджетные организации;МБОУ СОШ № 3;г. Ленск, ул. Школьная, д. 1\n"
                          ).encode("cp1251"))
    D = Decimal
    lines = [OsvLine(NUMBERS[0], "Отопление", D("1200.00"), D("2500.50"), D("2000.00"), "ул. Новая, д. 9"),
             OsvLine(NUMBERS[1], "Отопление", D("-150.00"), D("2500.50"), D("2500.50"), "ул. Новая, д. 9"),
             OsvLine(NUMBERS[2], "Отопление", D("0"), D("18000.00"), D("9000.00"), "ул. Школьная, д. 1"),
             OsvLine(NUMBERS[0], "ГВС", D("300.25"), D("800.00"), D("1100.25"), "ул. Новая, д. 9")]
    title = f"Оборотно-сальдовая ведомость по счету 62 за {MONTH_NAMES[month.month - 1]} {month.year} г."
    sheet = tmp_path / "ОСВ 62.xlsx"
    sheet.write_bytes(build_osv(lines, title=title, houses=True, organisation="МУП «Ленскводоканал»"))

    login(page, "manager")
    _upload(page, "Реестр лицевых счетов", registry)
    with page.expect_navigation():
        page.get_by_role("button", name="Загрузка").click()
    expect(page.get_by_text("Загружено: новых 3")).to_be_visible()

    _upload(page, "Оборотно-сальдовая ведомость", sheet)
    expect(page.get_by_role("heading", level=1, name=re.compile("ОСВ 62.xlsx"))).to_be_visible()
    card = page.locator(".osv-info")
    expect(card).to_contain_text("МУП «Ленскводоканал»")
    expect(card).to_contain_text(title)
    expect(card).to_contain_text("Шапка таблицы — в строке 5.")
    stats = {page.locator(".stat").nth(i).locator(".muted").inner_text().strip():
             page.locator(".stat").nth(i).locator("strong").inner_text().strip() for i in range(3)}
    assert stats == {"Строк": "4", "Корректные строки": "4", "Ошибочные строки": "0"}, stats
    sums = page.locator(".import-sums")
    expect(sums).to_contain_text("Суммы по видам и месяцам")
    charges = sums.locator("tr", has_text="Начисления").locator("td").last.inner_text()
    assert charges.replace("\u00a0", " ").replace("\u202f", " ") == "23 801,00 ₽", charges  # 2500,50 × 2 + 18000 + 800
    page.locator(".osv-info summary").click()
    expect(card).to_contain_text("ул. Школьная, д. 1")
    page.locator(".column-mapping summary").click()
    expect(page.locator(".column-mapping")).to_contain_text("«Сальдо на начало периода: Дебет» − «Сальдо на начало "
                                                            "периода: Кредит»")
    shot(page, "osv-01-preview")

    with page.expect_navigation():
        page.get_by_role("button", name="Загрузка").click()
    expect(page.get_by_text("Загружено: новых 11, обновлено 0, уже было 0.")).to_be_visible()
    shot(page, "osv-02-imported")
    with db_read() as db:
        ids = db.session.scalars(select(Account.id).where(Account.number.in_(NUMBERS))).all()
        total = db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.account_id.in_(ids)))
    assert total == 11  # 3 openings (one a credit: a negative recalculation), 4 charges, 4 payments

    _upload(page, "Оборотно-сальдовая ведомость", sheet)
    expect(page.locator(".already-imported")).to_contain_text("Этот файл уже загружался")
    shot(page, "osv-03-again")
