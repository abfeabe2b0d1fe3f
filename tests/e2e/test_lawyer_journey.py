"""A lawyer computes the penalty and the state duty for a debtor's account, issues the court-order application
(заявление о вынесении судебного приказа) from the case and downloads it. The calculation page and the duty
calculator show casework.legal.services.account_calculation; the application claims the months of that calculation
the form's month checklist ticks by default (due, not time-barred: casework.legal.adapter.claim_selection), and the
.docx carries exactly the principal and penalty the checklist sums show, and the duty on them."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import amount_after, docx_text, login, rubles, shot

pytestmark = pytest.mark.e2e


def test_lawyer_computes_and_issues_a_court_order_application(page, db_read):
    from casework.cases.models import Case
    from casework.domain.duty import compute_duty
    from casework.domain.money import from_kopecks
    from casework.legal.reference import load_duty_scales
    from casework.legal.services import account_calculation
    from casework.timeutil import today

    login(page, "lawyer")
    page.get_by_role("link", name="Дела", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Дела")).to_be_visible()
    # the list is sorted by debt, largest first: the lawyer takes the top debtor who is a citizen (population;
    # organisations and entrepreneurs go to the arbitrazh court: tests/integration/test_arbitrazh.py)
    from sqlalchemy import select

    from casework.accounts.models import Account

    links = page.locator("table tbody tr td:nth-child(2) a")
    numbers = [links.nth(i).inner_text().strip() for i in range(min(links.count(), 50))]
    # … whose claim today still fits a court order (ГПК 121: up to 500 000 ₽; the penalty grows every day, so the
    # largest debtors cross it — the app then offers the claim instead: tests/integration/test_court_claim.py)
    from casework.domain.stages import COURT_ORDER_LIMIT_KOP
    from casework.legal.adapter import claim_selection

    with db_read() as db:
        citizens = dict(db.session.execute(select(Account.number, Account.id).where(
            Account.number.in_(numbers), Account.category == "population")).all())
        on = today()

        def fits_an_order(n: str) -> bool:
            return claim_selection(account_calculation(citizens[n], on)).total_kop <= COURT_ORDER_LIMIT_KOP

        number = next(n for n in numbers if n in citizens and fits_an_order(n))
    first = links.filter(has_text=number).first
    with page.expect_navigation():
        first.click()
    expect(page.get_by_role("heading", level=1, name=re.compile(rf"Дело {number}"))).to_be_visible()
    case_url = page.url
    case_id = int(re.search(r"/cases/(\d+)$", case_url).group(1))
    shot(page, "lawyer-01-case")

    # 1. penalty and limitation of the account, as of today
    page.get_by_role("link", name="Пени и давность").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(rf"Пени и давность.*{number}"))).to_be_visible()
    with db_read():  # the enterprise's local date (Lensk, UTC+9), as the server sees it
        day = today()
    debt_card = page.locator(".stat").filter(has_text=f"Долг на {day:%d.%m.%Y}")
    penalty_card = page.locator(".stat").filter(has_text=re.compile(r"^\s*Пени"))
    shown_debt = rubles(debt_card.locator("strong").inner_text())
    shown_penalty = rubles(penalty_card.locator("strong").inner_text())
    shot(page, "lawyer-02-calculation")

    with db_read() as db:
        account_id = db.session.get(Case, case_id).account_id
        calc = account_calculation(account_id, day)
        scales = load_duty_scales()
    assert calc.penalty is not None, calc.penalty_error
    assert shown_debt == from_kopecks(calc.debt_kop)
    assert shown_penalty == from_kopecks(calc.penalty_kop)
    assert shown_debt > 0 and shown_penalty > 0

    # 2. the duty calculator on principal + penalty, typed the Russian way
    claim = shown_debt + shown_penalty
    page.get_by_role("link", name="Калькуляторы").click()
    page.get_by_role("link", name="Госпошлина", exact=True).click()
    page.get_by_label("Цена иска, руб.").fill(f"{claim:.2f}".replace(".", ","))
    page.get_by_label("Суд", exact=True).select_option(label="Мировой судья / районный суд")
    page.get_by_label("Заявление", exact=True).select_option(label="Судебный приказ")
    page.get_by_label("Дата подачи").fill(day.isoformat())
    with page.expect_navigation():
        page.get_by_label("Цена иска, руб.").press("Enter")
    heading = page.get_by_role("heading", level=2, name=re.compile(r"^Госпошлина: "))
    expect(heading).to_be_visible()
    shown_duty = rubles(heading.inner_text().split(":", 1)[1])
    shot(page, "lawyer-03-duty")
    expected_duty = compute_duty(claim, "general", "court_order", day, scales).to_pay
    assert shown_duty == expected_duty

    # 3. the application from the case: choose, preview, issue (confirmed), download
    page.goto(case_url)
    page.get_by_role("link", name="Подготовить документ").click()
    expect(page.get_by_role("heading", level=1, name="Новый документ")).to_be_visible()
    with page.expect_navigation():
        page.get_by_label("Документ").select_option(label="Заявление о вынесении судебного приказа")
    expect(page.get_by_role("heading", level=2, name="Заявление о вынесении судебного приказа")).to_be_visible()
    # the months claimed: the checklist's sums of the default ticks
    expect(page.get_by_text("Взыскиваемые месяцы")).to_be_visible()
    form_debt = rubles(page.locator("[data-sum=debt]").inner_text())
    form_penalty = rubles(page.locator("[data-sum=penalty]").inner_text())
    with db_read() as db:
        from casework.legal.adapter import claim_selection

        claim_months = claim_selection(account_calculation(account_id, day))
    assert (form_debt, form_penalty) == (from_kopecks(claim_months.debt_kop), from_kopecks(claim_months.penalty_kop))
    assert 0 < form_debt <= shown_debt
    month = page.locator("input[name=claim_period]:checked").first.get_attribute("value")
    box = page.locator(f"#claim-{month}")  # the sums follow the ticks (casework.js)
    box.uncheck()
    assert rubles(page.locator("[data-sum=debt]").inner_text()) < form_debt
    box.check()
    assert rubles(page.locator("[data-sum=debt]").inner_text()) == form_debt
    with page.expect_navigation():
        page.get_by_role("button", name="Просмотреть подставляемые значения").click()
    expect(page.get_by_role("heading", name="Предпросмотр")).to_be_visible()
    shot(page, "lawyer-04-preview")
    dialogs = []

    def _accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", _accept)
    with page.expect_navigation():
        page.get_by_role("button", name="Выдать и присвоить номер").click()
    assert dialogs and "номер" in dialogs[0], dialogs
    expect(page.get_by_text(re.compile(r"Документ № .+ выдан\."))).to_be_visible()
    shot(page, "lawyer-05-issued")
    with page.expect_download() as dl:
        page.get_by_role("link", name="Скачать .docx").click()
    download = dl.value
    assert download.suggested_filename.endswith("_court_order_application.docx")
    text = docx_text(download.path().read_bytes())

    assert "о вынесении судебного приказа" in text
    assert number in text
    doc_debt = amount_after(text, r"образовалась задолженность в размере")
    doc_penalty = amount_after(text, r"начислены пени по состоянию на \d{2}\.\d{2}\.\d{4} в размере")
    doc_duty = amount_after(text, r"Госпошлина:")
    claimed = form_debt + form_penalty
    assert (doc_debt, doc_penalty) == (form_debt, form_penalty)
    assert doc_duty == compute_duty(claimed, "general", "court_order", day, scales).to_pay
    assert amount_after(text, r"Сумма требований:") == claimed
