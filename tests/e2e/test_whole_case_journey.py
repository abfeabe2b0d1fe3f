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

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from .helpers import amount_after, docx_text, login, rubles, shot

pytestmark = pytest.mark.e2e

NUMBER = "0990001"
MONTHLY_KOP = 3_000_00  # heating 2 000 ₽ and hot water 1 000 ₽ (at the norm: ПП 354 п.118)
CHARGES = (("heating", 2_000_00, None), ("hot_water", 1_000_00, 1_000_00))
FIRST_MONTH, LAST_MONTH = date(2021, 1, 1), date(2025, 2, 1)  # 50 months billed
FATHER, MOTHER, SON = "Орлов Андрей Викторович", "Орлова Елена Сергеевна", "Орлов Кирилл Андреевич"
FATHER_GEN, MOTHER_GEN, SON_GEN = "Орлова Андрея Викторовича", "Орловой Елены Сергеевны", "Орлова Кирилла Андреевича"
BAILIFFS = "Ленское РОСП УФССП России по Республике Саха (Якутия)"


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
    account id, the magistrate's and the district court's names."""
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
        district = db.session.scalar(select(Court.name).where(Court.kind == "district",
                                                              Court.name.like("Ленский%")))
    accounts = ("Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности;Площадь\r\n"
                f"{NUMBER};население;{FATHER};{address};{terr};99;собственник;54,3\r\n")
    persons = ("ЛС;ФИО;Роль;Доля;Дата рождения;Место рождения;Адрес регистрации;Дата регистрации\r\n"
               f"{NUMBER};{FATHER};собственник;1/2;14.02.1982;г. Ленск;{address};01.03.2015\r\n"
               f"{NUMBER};{MOTHER};собственник;1/4;20.07.1984;г. Якутск;{address};01.03.2015\r\n"
               f"{NUMBER};{SON};собственник;1/4;05.09.2014;г. Ленск;{address};01.03.2015\r\n")
    ledger = ["ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа;Начисление по нормативу"]
    for m in _months(FIRST_MONTH, LAST_MONTH):
        for service, kop, norm in CHARGES:
            ledger.append(f"{NUMBER};{m:%Y-%m};{service};начисление;{_kop_text(kop)};;;;"
                          + (_kop_text(norm) if norm else ""))
    with e2e_app.app_context():
        from casework.extensions import db

        for kind, text in (("accounts", accounts), ("persons", persons), ("ledger", "\r\n".join(ledger) + "\r\n")):
            batch = imports.commit_import(kind, text.encode("cp1251"), f"{kind}.csv", None, via="cli")
            db.session.commit()
            assert batch.status == "committed", (kind, batch.status, batch.message)
        account_id = db.session.scalar(select(Account.id).where(Account.number == NUMBER))
        db.session.remove()
    return account_id, court, district


# ------------------------------------------------------------------------------------------- reading documents


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

    claim_debt: Decimal     # «Заявление в суд сегодня взыщет»: principal …
    claim_penalty: Decimal  # … and penalty of the due, not time-barred months

    def claimable_parts(self) -> tuple[Decimal, Decimal]:
        """Principal and penalty a court application of the day claims, as the page states them; the principal is
        the sum of the months the limitation table marks claimable, the penalty within a kopeck per month of the
        sum of their printed penalty rows (the page rounds each row, the total is rounded once: calc-contract)."""
        ok = [m for m, (_a, status) in self.months.items() if status == "можно взыскать"]
        assert sum((self.months[m][0] for m in ok), Decimal(0)) == self.claim_debt
        rows = sum((self.penalty_by_month.get(m, Decimal(0)) for m in ok), Decimal(0))
        assert abs(rows - self.claim_penalty) <= Decimal("0.01") * len(ok), (rows, self.claim_penalty)
        return self.claim_debt, self.claim_penalty


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
    claim = page.locator("[data-claim-debt]")
    claim_debt = Decimal(claim.get_attribute("data-claim-debt")) / 100 if claim.count() else None
    claim_penalty = Decimal(claim.get_attribute("data-claim-penalty")) / 100 if claim.count() else None
    if claim.count():  # the kopecks behind the figures shown
        assert rubles(claim.locator("strong").inner_text()) == claim_debt + claim_penalty
    return Legal(stat(f"Долг на {day:%d.%m.%Y}"), stat(re.compile(r"^\s*Пени")), stat("Можно взыскать"),
                 stat("Истекла давность"), months, penalty_by_month, claim_debt, claim_penalty)


def _case_id(db_read, account_id: int) -> int:
    from casework.cases.models import Case

    with db_read() as db:
        return db.session.scalar(select(Case.id).where(Case.account_id == account_id, Case.closed_on.is_(None)))


def _to_magistrate(court_name: str) -> str:
    """«Судебный участок № 23 Ленского района …» → «Мировому судье судебного участка № 23 Ленского района …»."""
    return "Мировому судье с" + court_name[1:].replace("Судебный участок", "судебного участка", 1).replace(
        "удебный участок", "удебного участка", 1)


ORDER_WORDS = ("Должник", r"образовалась задолженность в размере", r"начислены пени по состоянию на {d} в размере")
CLAIM_WORDS = ("Ответчик", r"задолженность составляет", r"пени по ч\.14 ст\.155 ЖК РФ на {d} —")


def assert_court_paper(text: str, *, court: str, debt: Decimal, penalty: Decimal, period: str, day: date,
                       words=ORDER_WORDS) -> None:
    """What a clerk checks first: the court, the parties (adults by share, the minor only through his mother),
    the period, principal and penalty in digits and in words, the date."""
    assert text.startswith(court) or court in text.split("\n")[0], f"not addressed to {court!r}:\n{text[:500]}"
    role, debt_words, penalty_words = words
    assert f"{role}: {FATHER}" in text and f"{role}: {MOTHER}" in text
    assert f"{role}: {SON}" not in text and f"с {SON_GEN}" not in text  # never a debtor in person
    assert f"в лице законного представителя {MOTHER_GEN}" in text
    assert f"с {MOTHER_GEN}, действующей как законный представитель несовершеннолетнего собственника {SON_GEN}" in text
    assert f"с {FATHER_GEN} (1/2 доли в праве собственности)" in text
    assert f"с {MOTHER_GEN} (1/4 доли в праве собственности)" in text
    assert period in text
    # the debtors' place of residence with the settlement the billing gave in a column of its own (ГПК 124, 131)
    assert len(re.findall(r"(?:место жительства|адрес): г\. Ленск, ул\. ", text)) == 2, text[:1500]
    assert amount_after(text, debt_words) == debt
    assert amount_after(text, penalty_words.format(d=day.strftime("%d\\.%m\\.%Y"))) == penalty
    assert_in_words(text, debt)
    assert_in_words(text, penalty)
    # the shares: 1/2, 1/4 and the minor's 1/4 of the principal
    shares = [rubles(m) for m in re.findall(r"задолженност[ьи] за период [^—]+— ([\d ]+ руб\. \d{2} коп\.)", text)]
    assert shares == [debt / 2, debt / 4, debt / 4], shares
    assert f"«{day.day:02d}»" in text and str(day.year) in text  # dated


def text_bytes(page, doc_url: str) -> bytes:
    """The issued document's .docx again (for rendering to PDF)."""
    page.goto(doc_url)
    with page.expect_download() as dl:
        page.get_by_role("link", name="Скачать .docx").click()
    return dl.value.path().read_bytes()


def render_for_the_clerk(docs: dict[str, bytes]) -> None:
    """Each court paper through LibreOffice to PDF and pdftoppm to PNG pages (70 dpi), kept for a person to look at;
    the PDF must have a page and carry the text of the .docx (fonts embedded, nothing lost)."""
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from .helpers import ARTIFACTS

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice and shutil.which("pdftoppm"), "LibreOffice and poppler-utils are needed to render the papers"
    out = ARTIFACTS / "clerk"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for code, data in docs.items():
            src = Path(tmp) / f"{code}.docx"
            src.write_bytes(data)
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/lo", "--headless", "--convert-to", "pdf",
                            "--outdir", tmp, str(src)], check=True, capture_output=True, timeout=180)
            pdf = src.with_suffix(".pdf")
            assert pdf.exists() and pdf.stat().st_size > 1000, code
            shutil.copy(pdf, out / pdf.name)
            subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(out / code)], check=True, timeout=120)
            if shutil.which("pdftotext"):
                text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                                      text=True).stdout
                assert NUMBER in text or FATHER.split()[0] in text, code
            assert list(out.glob(f"{code}*.png")), code


def _party_ids(db_read) -> dict[str, int]:
    from casework.accounts.models import Party

    with db_read() as db:
        return {n: i for n, i in db.session.execute(select(Party.full_name, Party.id).where(
            Party.full_name.in_((FATHER, MOTHER, SON))))}


def _mark_parent(page, ids: dict[str, int]) -> None:
    """On the defendants form: the minor's share is claimed from his mother, his legal representative."""
    expect(page.get_by_text("несовершеннолетний").first).to_be_visible()
    page.locator(f'input[name="rep_{ids[SON]}"][value="{ids[MOTHER]}"]').check()


def accept_confirms(page) -> list[str]:
    """Every confirm() of the journey is read and accepted (the user clicks «OK»); returns the messages seen."""
    seen: list[str] = []

    def _accept(dialog):
        seen.append(dialog.message)
        dialog.accept()

    page.on("dialog", _accept)
    page.confirms = seen
    return seen


def issue_document(page, case_url: str, code: str, title: str, fill: dict | None = None, before_issue=None) -> tuple[str, str]:
    """From the case: «Подготовить документ», choose the letter `code` (headed `title`), type `fill` (label → value), preview, issue (confirmed)
    and download the .docx; returns its text and the document page's URL."""
    page.goto(case_url)
    page.get_by_role("link", name="Подготовить документ").click()
    expect(page.get_by_role("heading", level=1, name="Новый документ")).to_be_visible()
    # the letter list submits its form on change from casework.js: wait until the script is there (a loaded machine
    # showed the heading before it), then for the page of the letter chosen
    page.wait_for_load_state("load")
    page.get_by_label("Документ").select_option(value=code)
    page.wait_for_url(re.compile(rf"[?&]code={code}(&|$)"))
    expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    for label, value in (fill or {}).items():
        page.get_by_label(label, exact=True).fill(value)
    if before_issue:
        before_issue(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Просмотреть подставляемые значения").click()
    expect(page.get_by_role("heading", name="Предпросмотр")).to_be_visible()
    before = len(page.confirms)
    with page.expect_navigation():
        page.get_by_role("button", name="Выдать и присвоить номер").click()
    assert len(page.confirms) > before and "номер" in page.confirms[-1], "issuing asks for confirmation"
    expect(page.get_by_text(re.compile(r"Документ № .+ выдан\."))).to_be_visible()
    doc_url = page.url
    with page.expect_download() as dl:
        page.get_by_role("link", name="Скачать .docx").click()
    return docx_text(dl.value.path().read_bytes()), doc_url


# ------------------------------------------------------------------------------------------- the journey


def test_one_debtor_from_notice_to_partial_write_off(page, db_read, e2e_app, monkeypatch, tmp_path):
    from casework import timeutil

    clock = Clock(date(2025, 3, 3))
    monkeypatch.setattr(timeutil, "_clock", clock)
    account_id, magistrate, district = _setup(e2e_app, db_read)
    accept_confirms(page)

    # 1. the manager opens the case from the queue's new debtors
    login(page, "manager")
    page.goto("/cases/queue")
    row = page.locator("tr", has_text=NUMBER)
    with page.expect_navigation():
        row.get_by_role("button", name="Открыть дело").click()
    shot(page, "journey-01-opened")
    legal = read_legal_page(page, account_id, clock.day)
    assert legal.debt == Decimal(MONTHLY_KOP * 50) / 100

    # 2. the collector issues the notice of debt from the case
    case_id = _case_id(db_read, account_id)
    case_url = f"/cases/{case_id}"
    page.context.clear_cookies()
    login(page, "collector")
    text, doc_url = issue_document(page, case_url, "notice_debt", "Уведомление о задолженности")
    shot(page, "journey-02-notice")
    legal = read_legal_page(page, account_id, clock.day)
    assert amount_after(text, r"в размере") == legal.debt == Decimal("150000.00")
    assert_in_words(text, legal.debt)
    assert f"с {FIRST_MONTH:%d.%m.%Y} по 28.02.2025" in text and "Орлову Андрею Викторовичу" in text

    # 3. a week later the ПП 354 warning; delivered by hand two days after
    clock.day = date(2025, 3, 10)
    text, warning_url = issue_document(page, case_url, "warning_restriction", "Предупреждение об ограничении (приостановлении) коммунальной услуги")
    legal = read_legal_page(page, account_id, clock.day)
    assert amount_after(text, r"имеется задолженность по оплате коммунальных услуг в размере") == legal.debt
    assert_in_words(text, legal.debt)
    assert "коммунальной услуги «горячее водоснабжение»" in text
    clock.day = date(2025, 3, 12)
    page.goto(warning_url)
    page.get_by_label("Дата доставки").fill(clock.day.isoformat())
    page.get_by_label("Способ доставки").select_option(label="Вручено под подпись")
    page.get_by_label("Подтверждение доставки").fill("подпись Орлова А. В. на втором экземпляре")
    with page.expect_navigation():
        page.get_by_role("button", name="Зарегистрировать вручение").click()
    shot(page, "journey-03-warning-delivered")
    page.goto(case_url)
    # the delivered warning is registered on the case: restriction possible after 20 days (ПП 354 п.119)
    expect(page.locator("ol.timeline")).to_contain_text("12.03.2025")

    # 4. the debtor comes to sign a payment agreement for the last three years' debt (36 months, 108 000 ₽: he
    # acknowledges that much, ГК 203, 206 п.2), 6 instalments from 10.04.2025 — and pays none of them
    clock.day = date(2025, 3, 20)
    page.goto(f"/contacts/case/{case_id}/agreements/new")
    page.get_by_label("Сумма долга по соглашению, ₽").fill("108000,00")
    page.get_by_label("Количество ежемесячных платежей").fill("6")
    page.get_by_label("Срок первого платежа").fill("2025-04-10")
    with page.expect_navigation():
        page.get_by_role("button", name="Показать график").click()
    expect(page.locator("table")).to_contain_text("18 000,00")
    with page.expect_navigation():
        page.get_by_role("button", name="Сохранить черновик").click()
    page.get_by_label("Дата подписания").fill(clock.day.isoformat())
    page.get_by_label("Подписал (должник)").fill("Орлов А. В.")
    with page.expect_navigation():
        page.get_by_role("button", name="Отметить подписание").click()
    shot(page, "journey-04-agreement-signed")
    page.goto(case_url)
    expect(page.locator(".timeline")).to_contain_text("Подписано соглашение")
    # the instalments are not paid: the daily job (cron) finds the agreement broken and the case is worked again
    for day in (date(2025, 4, 11), date(2025, 5, 12), date(2025, 6, 2)):
        clock.day = day
        res = e2e_app.test_cli_runner().invoke(args=["daily", "--today", day.isoformat()])
        assert res.exit_code == 0, res.output
    with db_read() as db:
        from casework.contacts.models import PaymentAgreement

        assert db.session.scalar(select(PaymentAgreement.status).where(
            PaymentAgreement.account_id == account_id)) == "broken"
    page.goto(case_url)  # on 11.04 (within the grace days) the job closed the case as under a kept agreement
    expect(page.locator(".timeline")).to_contain_text("ежедневное задание: соглашение о погашении исполняется")
    # … and once an instalment was missed opened the same case again, with its notice, warning and agreement
    expect(page.locator(".timeline")).to_contain_text("соглашение о погашении не исполняется, работа по делу возобновлена")
    assert _case_id(db_read, account_id) == case_id, "the broken agreement reopens the case, not a new one"

    # 5. the lawyer applies for a court order to the magistrate: the months due and not time-barred
    clock.day = date(2025, 6, 16)
    page.context.clear_cookies()
    login(page, "lawyer")
    ids = _party_ids(db_read)
    legal = read_legal_page(page, account_id, clock.day)
    text, order_url = issue_document(page, case_url, "court_order_application",
                                     "Заявление о вынесении судебного приказа",
                                     before_issue=lambda p: _mark_parent(p, ids))
    claim_debt, claim_penalty = legal.claimable_parts()
    assert claim_debt == Decimal("108000.00") and legal.time_barred == Decimal("42000.00")
    assert_court_paper(text, court=_to_magistrate(magistrate), debt=claim_debt, penalty=claim_penalty,
                       period="с 01.03.2022 по 28.02.2025", day=clock.day)
    assert amount_after(text, "Сумма требований:") == claim_debt + claim_penalty
    assert "о вынесении судебного приказа" in text
    shot(page, "journey-05-order-application")
    court_docs = {"court_order_application": text_bytes(page, order_url)}
    page.goto(case_url)  # the issued application is the case's filing, with the same figures
    record = page.locator("details", has=page.get_by_label("Результат")).first
    expect(record.locator("summary")).to_contain_text("16.06.2025")

    # 6. the order is issued on 25.06, the debtor receives it on 01.07, objects on 08.07 and the judge cancels it
    clock.day = date(2025, 7, 2)
    page.goto(case_url)
    record = page.locator("details", has=page.get_by_label("Результат")).first
    record.get_by_label("Номер судебного дела").fill("2-1487/2025")
    record.get_by_label("Результат").select_option(label="Выдан")
    record.get_by_label("Дата выдачи / решения").fill("2025-06-25")
    record.get_by_label("Должник получил приказ").fill("2025-07-01")
    with page.expect_navigation():
        record.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Судебное дело сохранено.")).to_be_visible()
    clock.day = date(2025, 7, 15)
    page.goto(case_url)
    record = page.locator("details", has=page.get_by_label("Результат")).first
    record.get_by_label("Результат").select_option(label="Отменён")
    record.get_by_label("Дата возражений должника").fill("2025-07-08")
    record.get_by_label("Дата отмены").fill("2025-07-14")
    with page.expect_navigation():
        record.get_by_role("button", name="Сохранить").click()
    shot(page, "journey-06-order-cancelled")

    # 7. the claim after the cancelled order: above the magistrate's ceiling, to the district court
    clock.day = date(2025, 8, 4)
    legal = read_legal_page(page, account_id, clock.day)
    text, claim_url = issue_document(page, case_url, "claim_after_cancel", "Исковое заявление о взыскании задолженности",
                                     before_issue=lambda p: _mark_parent(p, ids))
    claim_debt, claim_penalty = legal.claimable_parts()
    assert claim_debt == Decimal("108000.00")
    assert claim_debt + claim_penalty > Decimal("50000")  # above the ГПК 23 ч.1 п.5 ceiling: the district court
    assert "районный суд" in district and "Мировому судье" not in text
    assert_court_paper(text, court=f"В {district}", debt=claim_debt, penalty=claim_penalty,
                       period="с 01.03.2022 по 28.02.2025", day=clock.day, words=CLAIM_WORDS)
    assert amount_after(text, "Цена иска:") == claim_debt + claim_penalty
    assert "Судебный приказ № 2-1487/2025 от «25» июня 2025 г. отменён определением от «14» июля 2025 г." in text
    father_line = re.search(rf"взыскать с {FATHER_GEN} \(1/2 доли[^;]*?всего ([\d ]+ руб\. \d{{2}} коп\.)", text)
    assert father_line, text
    father_total = rubles(father_line.group(1))  # his share of principal and penalty and of the duty (ГПК 98)
    mother_line = re.search(rf"взыскать с {MOTHER_GEN} \(1/4 доли[^;]*?всего ([\d ]+ руб\. \d{{2}} коп\.)", text)
    mother_total = rubles(mother_line.group(1))
    court_docs["claim_after_cancel"] = text_bytes(page, claim_url)
    shot(page, "journey-07-claim")

    # 8. the district court satisfies the claim on 15.09; in force on 16.10; the writ (исполнительный лист) comes
    clock.day = date(2025, 10, 20)
    page.goto(case_url)
    record = page.locator("details", has=page.get_by_label("Результат")).first
    expect(record.locator("summary")).to_contain_text("04.08.2025")
    record.get_by_label("Номер судебного дела").fill("2-612/2025")
    record.get_by_label("Результат").select_option(label="Иск удовлетворён")
    record.get_by_label("Дата выдачи / решения").fill("2025-09-15")
    record.get_by_label("Вступил в силу").fill("2025-10-16")
    record.get_by_label("Присуждено, ₽").fill(f"{claim_debt + claim_penalty:.2f}".replace(".", ","))
    with page.expect_navigation():
        record.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Судебное дело сохранено.")).to_be_visible()
    page.get_by_text("Направить исполнительный документ").click()
    writ = page.locator("form", has=page.get_by_label("Номер исполнительного документа"))
    writ.get_by_label("Номер исполнительного документа").fill("ФС № 045612378")
    writ.get_by_label("Дата исполнительного документа").fill("2025-10-17")
    # the writ against the father for his 1/2 (the court gives each defendant his own writ)
    writ.get_by_label("Сумма, ₽").fill(f"{father_total:.2f}".replace(".", ","))
    writ.get_by_label("Куда направлен").select_option(label="Отделение судебных приставов")
    writ.get_by_label("Отделение судебных приставов").select_option(label=BAILIFFS)
    writ.get_by_label("Дата направления").fill(clock.day.isoformat())
    with page.expect_navigation():
        writ.get_by_role("button", name="Направить").click()
    expect(page.get_by_text("Исполнительный документ отмечен как направленный.")).to_be_visible()
    shot(page, "journey-08-writ")

    # 9. the application to the bailiffs: the writ and the unit recorded on the case, nothing retyped
    text, enf_url = issue_document(page, case_url, "enforcement_application",
                                   "Заявление о возбуждении исполнительного производства")
    assert text.startswith(BAILIFFS)
    assert f"Должник: {FATHER}" in text and f"Должник: {SON}" not in text
    assert re.search(r"адрес: г\. Ленск, ул\. ", text)
    assert ("исполнительный документ ФС № 045612378 от «17» октября 2025 г., выданный Ленским районным судом "
            "Республики Саха (Якутия)") in text
    assert amount_after(text, r"задолженности по оплате жилищно-коммунальных услуг в размере") == father_total
    assert_in_words(text, father_total)
    assert "«20» октября 2025 г." in text
    court_docs["enforcement_application"] = text_bytes(page, enf_url)

    # … and the mother's writ for her own 1/4: the application names her, with her sum
    page.goto(case_url)
    page.get_by_text("Направить исполнительный документ").click()
    writ = page.locator("form", has=page.get_by_label("Номер исполнительного документа"))
    writ.get_by_label("Номер исполнительного документа").fill("ФС № 045612379")
    writ.get_by_label("Дата исполнительного документа").fill("2025-10-17")
    writ.get_by_label("Сумма, ₽").fill(f"{mother_total:.2f}".replace(".", ","))
    writ.get_by_label("Куда направлен").select_option(label="Отделение судебных приставов")
    writ.get_by_label("Отделение судебных приставов").select_option(label=BAILIFFS)
    writ.get_by_label("Дата направления").fill(clock.day.isoformat())
    with page.expect_navigation():
        writ.get_by_role("button", name="Направить").click()
    expect(page.get_by_text("Исполнительный документ отмечен как направленный.")).to_be_visible()
    text, _url = issue_document(page, case_url, "enforcement_application",
                                "Заявление о возбуждении исполнительного производства",
                                before_issue=lambda p: p.locator('[name="p_writ_debtor"]').fill(MOTHER))
    assert f"Должник: {MOTHER}" in text and f"Должник: {FATHER}" not in text and "дата рождения: 20.07.1984" in text
    assert f"о взыскании с {MOTHER_GEN}" in text and "ФС № 045612379" in text
    assert amount_after(text, r"задолженности по оплате жилищно-коммунальных услуг в размере") == mother_total
    assert_in_words(text, mother_total)
    shot(page, "journey-09-enforcement-application")

    # 10. the receipts through the bailiffs come in the billing's ledger file (source ФССП), loaded by the manager
    clock.day = date(2025, 12, 15)
    receipts = tmp_path / "оплаты-ноябрь-декабрь.csv"
    receipts.write_bytes(("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа\r\n"
                          f"{NUMBER};2025-11;heating;оплата;30000,00;20.11.2025;ФССП;ИП-88412/25-1\r\n"
                          f"{NUMBER};2025-12;heating;оплата;25000,00;10.12.2025;ФССП;ИП-88412/25-2\r\n"
                          ).encode("cp1251"))
    page.context.clear_cookies()
    login(page, "manager")
    page.goto("/imports/new")
    page.get_by_label("Что в файле").select_option(label="Начисления и оплаты")
    page.get_by_label("Файл (.csv или .xlsx)").set_input_files(str(receipts))
    with page.expect_navigation():
        page.get_by_role("button", name="Проверить файл").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Загрузка", exact=True).click()
    expect(page.get_by_text("Загружено: новых 2")).to_be_visible()
    shot(page, "journey-10-receipts")
    legal = read_legal_page(page, account_id, clock.day)
    assert legal.debt == Decimal("95000.00")  # 150 000 − 55 000 received
    barred = [m for m, (_a, status) in legal.months.items() if status.startswith("истекла давность")]
    assert legal.time_barred == Decimal("42000.00") and len(barred) == 14  # the receipts left the barred months
    assert barred[0] == "январь 2021" and barred[-1] == "февраль 2022"

    # 11. the time-barred months are written off in part: proposed by the lawyer, approved by the manager (two
    # persons); the months the writ covers stay in the debt
    page.context.clear_cookies()
    login(page, "lawyer")
    page.goto(case_url)
    page.get_by_text("Предложить списание").first.click()
    form = page.locator("form", has=page.get_by_label("Основание"))
    form.get_by_label("Основание").select_option(label="Истёк срок исковой давности")
    months = form.get_by_label("Только эти месяцы с истёкшей давностью (пусто — весь долг)")
    options = [o.strip() for o in months.locator("option").all_inner_texts()]
    assert options == [f"{m:%m.%Y}" for m in _months(FIRST_MONTH, date(2022, 2, 1))], options
    months.select_option(label=options)
    form.get_by_label("Подтверждающий документ (номер, дата, кем выдан)").fill(
        "Расчёт сроков исковой давности на 15.12.2025; служебная записка юриста № 41")
    with page.expect_navigation():
        form.get_by_role("button", name="Предложить списание").click()
    expect(page.get_by_text("Списание предложено; утвердить его должен другой руководитель, не вы.")).to_be_visible()
    expect(page.get_by_role("button", name="Утвердить списание")).to_have_count(0)  # not by the one who proposed
    page.context.clear_cookies()
    login(page, "manager")
    page.goto(case_url)
    with page.expect_navigation():
        page.get_by_role("button", name="Утвердить списание").click()
    expect(page.get_by_text("Списание утверждено.")).to_be_visible()
    shot(page, "journey-11-write-off")
    legal = read_legal_page(page, account_id, clock.day)
    assert (legal.debt, legal.time_barred, legal.claimable) == (Decimal("53000.00"), 0, Decimal("53000.00"))
    page.goto(case_url)
    expect(page.get_by_text("Этап: Исполнительное производство с 20.10.2025")).to_be_visible()  # the writ goes on
    with db_read() as db:
        from casework.cases.models import WriteOffProposal

        p = db.session.scalars(select(WriteOffProposal).where(WriteOffProposal.case_id == case_id)).one()
        assert p.decision == "approved" and p.proposed_by != p.decided_by and p.amount_kop == 42_000_00
        assert sorted(p.periods) == [f"{m:%Y-%m}" for m in _months(FIRST_MONTH, date(2022, 2, 1))]

    # 12. the court papers as a clerk sees them: rendered to PDF and to PNG pages under tests/e2e/artifacts/clerk/
    render_for_the_clerk(court_docs)
