"""One citizen debtor from notice to write-off through the pages (issue 14, «Done when»).

A flat owned by two adults (1/2 and 1/4) and their 11-year-old son (1/4), set up as the outside world provides it:
the billing's accounts file, the persons file and the ledger file (casework.imports). On a clock the test moves
(fixed days of 2025), the manager opens the case, the collector issues the notice and the ПП 354 warning and records
its delivery, signs a payment agreement the debtor then breaks (the daily job finds it), the lawyer issues the court
order application to the magistrate, records the order and its cancellation on the debtor's objection, issues the
claim to the district court (the sum is above the ГПК 23 ceiling), records the decision and the writ, issues the
enforcement application to the bailiffs, the payments through the bailiffs come in a ledger file, and the
time-barred months are written off in part: proposed by the lawyer, approved by the manager.

Every .docx is read back: the court, the parties (the adults by share, the minor only through his mother as legal
representative), the periods, the amounts in digits and in words, equal to the account's legal page (/legal/account)
read on the same day."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import docx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from .helpers import login, rubles, shot

pytestmark = pytest.mark.e2e

NUMBER = "0990001"
MONTHLY_KOP = 3_000_00
NORM_KOP = 3_000_00
FIRST_MONTH, LAST_MONTH = date(2021, 1, 1), date(2025, 2, 1)  # 50 months billed
FATHER, MOTHER, SON = "Орлов Андрей Викторович", "Орлова Елена Сергеевна", "Орлов Кирилл Андреевич"
FATHER_GEN, MOTHER_GEN, SON_GEN = "Орлова Андрея Викторовича", "Орловой Елены Сергеевны", "Орлова Кирилла Андреевича"


class Clock:
    """The business day the server sees (noon in Lensk, UTC+9), moved by the journey."""

    def __init__(self, day: date):
        self.day = day

    def __call__(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 3, 0, tzinfo=timezone.utc)


def _months(first: date, last: date):
    m = first
    while m <= last:
        yield m
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def _kop_text(kop: int) -> str:
    return f"{kop // 100},{kop % 100:02d}"


def _setup(e2e_app, db_read) -> tuple[int, str]:
    """The billing's three files for one flat in a demo building served by a magistrate sector; returns the
    account id and the court's name."""
    from casework.accounts.models import Account, Building, Territory
    from casework.cases.models import Court
    from casework.imports import services as imports

    with db_read() as db:
        b, terr, court = db.session.execute(
            select(Building, Territory.name, Court.name).join(Territory, Territory.id == Building.territory_id)
            .join(Court, Court.id == Building.court_id).where(Court.kind == "magistrate",
                                                              Territory.name.like("%Ленск%"))
            .order_by(Building.id).limit(1)).one()
        address = f"{b.address}, кв. 99"
    accounts = ("Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности;Площадь\r\n"
                f"{NUMBER};население;{FATHER};{address};{terr};99;собственник;54,3\r\n")
    persons = ("ЛС;ФИО;Роль;Доля;Дата рождения;Место рождения;Адрес регистрации;Дата регистрации\r\n"
               f"{NUMBER};{FATHER};собственник;1/2;14.02.1982;г. Ленск;{address};01.03.2015\r\n"
               f"{NUMBER};{MOTHER};собственник;1/4;20.07.1984;г. Якутск;{address};01.03.2015\r\n"
               f"{NUMBER};{SON};собственник;1/4;05.09.2014;г. Ленск;{address};01.03.2015\r\n")
    ledger = ["ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа;Начисление по нормативу"]
    for m in _months(FIRST_MONTH, LAST_MONTH):
        ledger.append(f"{NUMBER};{m:%Y-%m};heating;начисление;{_kop_text(MONTHLY_KOP)};;;;{_kop_text(NORM_KOP)}")
    with e2e_app.app_context():
        from casework.extensions import db

        for kind, text in (("accounts", accounts), ("persons", persons), ("ledger", "\r\n".join(ledger) + "\r\n")):
            batch = imports.commit_import(kind, text.encode("cp1251"), f"{kind}.csv", None, via="cli")
            db.session.commit()
            assert batch.status == "committed", (kind, batch.status, batch.message)
        account_id = db.session.scalar(select(Account.id).where(Account.number == NUMBER))
        db.session.remove()
    return account_id, court


# ------------------------------------------------------------------------------------------- reading documents


def docx_text(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts).replace("\u00a0", " ")


def amount_after(text: str, pattern: str) -> Decimal:
    m = re.search(pattern + r"\s*(-?[\d ]+ руб\. \d{2} коп\.)", text)
    assert m, f"«{pattern}» followed by an amount is not in the document:\n{text[:4000]}"
    return rubles(m.group(1))


def assert_in_words(text: str, amount: Decimal) -> None:
    """The amount is also written out in words the way casework.documents.russian spells it."""
    from casework.documents import russian as ru

    words = ru.amount_in_words(int(amount * 100))
    assert words.lower() in text.lower(), f"{amount} in words («{words}») is not in the document:\n{text[:4000]}"


@dataclass
class Legal:
    debt: Decimal          # «Долг на …»
    penalty: Decimal       # «Пени» (every month)
    claimable: Decimal     # «Можно взыскать»
    time_barred: Decimal   # «Истекла давность»
    months: dict           # month «01.2025»-like label → (unpaid, status text)
    penalty_by_month: dict  # month label → penalty


def read_legal_page(page, account_id: int, day: date) -> Legal:
    """The account's legal page for `day` as the lawyer reads it."""
    page.goto(f"/legal/account/{account_id}?as_of={day.isoformat()}")
    expect(page.get_by_role("heading", level=1, name=re.compile("Пени и давность"))).to_be_visible()
    stats = page.locator(".stat")

    def stat(label) -> Decimal:
        return rubles(stats.filter(has_text=label).first.locator("strong").inner_text())

    tables = page.locator("table.data")
    months, penalty_by_month = {}, {}
    lim = page.locator("h2", has_text="Давность по месяцам").locator("xpath=following-sibling::table[1]")
    for row in lim.locator("tbody tr").all():
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        months[cells[0]] = (rubles(cells[1]), cells[5])
    pen = page.locator("h2", has_text=re.compile(r"^\s*Пени\s*$")).locator("xpath=following-sibling::table[1]")
    for row in pen.locator("tbody tr").all():
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        penalty_by_month[cells[0]] = penalty_by_month.get(cells[0], Decimal(0)) + rubles(cells[7])
    assert tables.count() >= 2
    return Legal(stat(f"Долг на {day:%d.%m.%Y}"), stat(re.compile(r"^\s*Пени")), stat("Можно взыскать"),
                 stat("Истекла давность"), months, penalty_by_month)


# ------------------------------------------------------------------------------------------- the journey


def test_one_debtor_from_notice_to_partial_write_off(page, db_read, e2e_app, monkeypatch):
    from casework import timeutil

    clock = Clock(date(2025, 3, 3))
    monkeypatch.setattr(timeutil, "_clock", clock)
    account_id, magistrate = _setup(e2e_app, db_read)

    # 1. the manager opens the case from the queue's new debtors
    login(page, "manager")
    page.goto("/cases/queue")
    row = page.locator("tr", has_text=NUMBER)
    with page.expect_navigation():
        row.get_by_role("button", name="Открыть дело").click()
    shot(page, "journey-01-opened")
    legal = read_legal_page(page, account_id, clock.day)
    assert legal.debt == Decimal(MONTHLY_KOP * 50) / 100
