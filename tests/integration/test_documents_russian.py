"""Every shipped letter, issued for a citizen and for an organisation debtor of the Lensk district and read back from
the .docx as a court clerk reads it: the enterprise, its signatory, the courts and the debtor in the case the
sentence needs, writ numbers with one «№», a date on every paper, and «Итого пени» equal to the printed rows."""
from __future__ import annotations

import io
import re
import uuid
from datetime import date

import pytest
from docx import Document as Docx
from sqlalchemy import insert, select

from casework.accounts.models import Account, AccountParty, Building, LedgerEntry, Party, Service
from casework.cases.models import Court
from casework.documents import russian as ru
from casework.documents.context import load_common, load_source
from casework.documents.letters import LETTERS
from casework.documents.rendering import docx_text
from casework.documents.services import document_file, issue_document, prepare
from casework.enterprise.models import get_enterprise
from casework.extensions import db

TODAY = date(2026, 11, 22)
CREDITOR = "Муниципальное унитарное предприятие «Теплоэнергосервис»"
CREDITOR_GEN = "Муниципального унитарного предприятия «Теплоэнергосервис»"
SECTOR_22 = "Судебный участок № 22 Ленского района Республики Саха (Якутия)"
LENSK_RS = "Ленский районный суд Республики Саха (Якутия)"
ARBITRAZH = "Арбитражный суд Республики Саха (Якутия)"
ORG_NAME = "Общество с ограниченной ответственностью «Ленаторг»"

# a ledger whose penalty rows, each rounded on its own, print one kopeck less than the engine's total
CHARGES = [(170445, 199213), (133086, 116864), (161823, 179875), (498963, 167831), (347592, 149513),
           (210076, 74604), (355777, 57431), (304372, 163447), (418472, 50552), (464816, 166755)]
PAYMENTS = [(388294, date(2026, 5, 19)), (63596, date(2026, 7, 1)), (21703, date(2026, 2, 21))]

PARAMS = {"bailiff_unit": "Ленское РОСП УФССП России по Республике Саха (Якутия)",
          "bailiff_address": "678144, г. Ленск, ул. Октябрьская, д. 24", "employer_name": "ООО «Витимское речное пароходство»",
          "writ_number": "№ ФС № 012345678", "writ_date": date(2026, 6, 1), "writ_court": LENSK_RS,
          "restriction_service": "горячее водоснабжение", "restriction_date": date(2026, 11, 20),
          "writeoff_ground": "истечение срока исковой давности", "statement_from": date(2026, 1, 1),
          "statement_to": date(2026, 10, 31), "agreement_months": 4, "agreement_first_date": date(2026, 12, 15),
          "enforce_kop": 5_000_000}
# the claim after a cancelled order goes to the district court; the order's number typed with its own «№»
CLAIM_PARAMS = {"court_name": LENSK_RS, "court_address": "678144, г. Ленск, ул. Ленина, д. 38",
                "writ_number": "№ 2-1234/2026", "order_cancelled_on": date(2026, 8, 1)}

DATE_RE = re.compile(r"«\d{2}» (?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря) "
                     r"\d{4} г\.|\b\d{2}\.\d{2}\.\d{4}\b")
# what a sentence must never carry after «в пользу», «в лице», «выданный», «на основании»: a nominative
NOMINATIVES = (CREDITOR, "Муниципальное", "МУП «", "Директор", "директор ", "Ковалёв Андрей", LENSK_RS, "Ленский",
               "Судебный участок", "мировой судья", "Мировой судья", ARBITRAZH, "Устав ", "Устав,", "Устав.", ORG_NAME,
               "Саввинова Мария", "Общество")
NOMINATIVE_ADJECTIVE = re.compile(r"^[А-ЯЁа-яё-]+(?:ое|ый|ий|ая|ее)\b")


@pytest.fixture()
def lensk(app):
    ent = get_enterprise()
    ent.name, ent.short_name = CREDITOR, "МУП «Теплоэнергосервис»"
    ent.inn, ent.kpp, ent.ogrn = "1414012345", "141401001", "1021400567890"
    ent.legal_address = "678144, Республика Саха (Якутия), г. Ленск, ул. Победы, д. 10"
    ent.signatory_name, ent.signatory_position, ent.signatory_basis = "Ковалёв Андрей Николаевич", "Директор", "Устава"
    courts = {}
    for code, kind, name, oktmo in (("LEN-MS22", "magistrate", SECTOR_22, "98627101"),
                                    ("LEN-RS", "district", LENSK_RS, "98627101"),
                                    ("ASRSYA", "arbitrazh", ARBITRAZH, "98701000")):
        courts[code] = Court(code=code, kind=kind, name=name, oktmo=oktmo, address="678144, г. Ленск, ул. Ленина, д. 38")
        db.session.add(courts[code])
    db.session.flush()
    return courts


def make_debtor(court, *, kind, name, category, gender=None, **party):
    tag = uuid.uuid4().hex[:8]
    b = Building(address=f"г. Ленск, ул. Ленина, д. {tag}", court_id=court.id)
    db.session.add(b)
    db.session.flush()
    acc = Account(number=f"L{tag}", category=category, tenure="other" if category == "other" else "owner",
                  debtor_name=name, address=f"{b.address}, кв. 5", apartment="5", building_id=b.id)
    db.session.add(acc)
    db.session.flush()
    p = Party(kind=kind, full_name=name, gender=gender, registration_address="678144, г. Ленск, ул. Ленина, д. 1",
              **party)
    db.session.add(p)
    db.session.flush()
    db.session.add(AccountParty(account_id=acc.id, party_id=p.id, role="owner"))
    svc = {s.code: s.id for s in db.session.scalars(select(Service))}
    rows = []
    for m, amounts in enumerate(CHARGES, start=1):
        for code, amount in zip(("heating", "hot_water"), amounts):
            rows.append(dict(account_id=acc.id, service_id=svc[code], period=date(2026, m, 1), kind="charge",
                             amount_kop=amount, entry_key=f"{tag}-{code}-{m}"))
    for i, (amount, paid_on) in enumerate(PAYMENTS):
        rows.append(dict(account_id=acc.id, service_id=svc["heating"], period=date(2026, 3, 1), kind="payment",
                         amount_kop=amount, paid_on=paid_on, source="bank", entry_key=f"{tag}-pay{i}"))
    db.session.execute(insert(LedgerEntry), rows)
    db.session.flush()
    return acc


def _warning_delivered(acc, delivered_on, norm_kop=50_000):
    """The case's restriction warning (hot water, at the norm `norm_kop` a month) delivered on that day (ПП 354
    пп.118–119), as the restriction act needs."""
    from casework.cases import services as cases

    svc = db.session.scalar(select(Service).where(Service.code == "hot_water"))
    svc.norm_monthly_kop = norm_kop
    case = cases.open_case(acc.id, None, delivered_on)
    cases.record_warning_delivered(case, delivered_on, None, service_id=svc.id, today=TODAY)
    db.session.commit()
    return case


def issue(code, acc=None, params=None, today=TODAY, **kw):
    common = load_common(dict(PARAMS, **(CLAIM_PARAMS if code == "claim_after_cancel" else {}), **(params or {})),
                         today)
    prep = prepare(code, account_id=acc.id if acc is not None else None, common=common, **kw)
    # the court history is the one typed in PARAMS (an order of 01.06.2026): the applications issued here are not
    # recorded as the case's filings of today (tests/integration/test_case_flow.py checks that they are)
    doc = issue_document(prep, link=False)
    db.session.commit()
    data = document_file(doc).read_bytes()
    return doc, data, docx_text(data).replace("\u00a0", " ")  # no-break spaces read as spaces


def after(text: str, marker: str) -> list[str]:
    return [text[m.end():m.end() + 80] for m in re.finditer(rf"(?i)\b{marker}\s+", text)]


def check_russian(code: str, text: str) -> None:
    """The clerk's reading of one document."""
    assert "{{" not in text and "{%" not in text, code
    for marker in ("в пользу", "в лице", "выданный", "на основании"):
        for rest in after(text, marker):
            assert not rest.startswith(NOMINATIVES), f"{code}: «{marker} {rest}»"
            assert not NOMINATIVE_ADJECTIVE.match(rest), f"{code}: «{marker} {rest}»"
    assert "№ ФС" not in text and not re.search(r"№\s*№", text), code
    assert DATE_RE.search(text), f"{code}: no date"


def printed_penalties(data: bytes) -> tuple[list[int], int, int]:
    """(the rows' penalties, the table's «Итого», the «Итого пени» line) of the calculation, in kopecks."""
    def kop(s):
        m = re.search(r"(-?[\d ]+)(?:,| руб\. )(\d{2})", s)
        return int(m.group(1).replace(" ", "")) * 100 + int(m.group(2))

    d = Docx(io.BytesIO(data))
    rows = d.tables[0].rows
    body = [kop(r.cells[9].text) for r in rows[1:-1]]
    table_total = kop(rows[-1].cells[9].text)
    line = next(p.text for p in d.paragraphs if p.text.startswith("Итого пени:"))
    return body, table_total, kop(line)


@pytest.mark.parametrize("debtor", ["citizen", "organisation"])
def test_every_shipped_letter_reads_as_russian_a_court_accepts(lensk, debtor):
    if debtor == "citizen":
        acc = make_debtor(lensk["LEN-MS22"], kind="person", name="Саввинова Мария Петровна", category="population",
                          gender="f", snils="123-456-789 01", birth_date=date(1980, 4, 2), birth_place="г. Ленск")
        debtor_gen, debtor_dat = "Саввиновой Марии Петровны", "Саввиновой Марии Петровне"
    else:
        acc = make_debtor(lensk["LEN-MS22"], kind="organization", name=ORG_NAME, category="other",
                          inn="1414098765", ogrn="1141400001234")
        debtor_gen = "Общества с ограниченной ответственностью «Ленаторг»"
        debtor_dat = "Обществу с ограниченной ответственностью «Ленаторг»"
    case = _warning_delivered(acc, date(2026, 10, 20))  # the restriction act's guard: the 20 days ran out on 09.11
    from casework.cases.models import BailiffUnit, Enforcement

    db.session.add(Enforcement(  # a writ at the bailiffs, silent since the summer: the complaint about inaction
        case_id=case.id, writ_number="ВС № 012345678", writ_date=date(2026, 3, 2), amount_kop=4_520_000,
        destination="bailiff", sent_on=date(2026, 4, 1), proceedings_number="12345/26/14021-ИП",
        proceedings_opened_on=date(2026, 4, 10), bailiff_name="Иванова Анна Андреевна",
        bailiff_unit=BailiffUnit(name="Ленское РОСП УФССП России по Республике Саха (Якутия)",
                                 address="678144, г. Ленск, ул. Победы, д. 10")))
    db.session.commit()
    texts, issued, docs = {}, [], {}
    for code, letter in LETTERS.items():
        if letter.subject == "account":
            # an arbitrazh claim needs the pre-claim letter sent 30 days before (АПК ст.4 ч.5)
            early = code == "pretrial_claim" and debtor == "organisation"
            doc, data, texts[code] = issue(code, acc, today=date(2026, 10, 1) if early else TODAY)
            issued.append(doc)
            docs[code] = doc
            if code == "debt_calculation":
                calc_data = data
    b_doc, _d, texts["building_notice"] = issue("building_notice", building_id=acc.building_id)
    _r, _d, texts["dispatch_register"] = issue("dispatch_register", documents=issued + [b_doc],
                                              params={"register_recipient": "АО «Почта России»"})
    assert set(texts) == set(LETTERS), "every shipped template is rendered"
    for code, text in texts.items():
        check_russian(code, text)

    doc_date = "«22» ноября 2026 г."
    court_order, claim = texts["court_order_application"], texts["claim_after_cancel"]
    assert doc_date in court_order and doc_date in claim
    for code in ("court_order_application", "claim_after_cancel", "enforcement_application", "employer_letter",
                 "bailiff_inaction_complaint"):
        assert f"в пользу {CREDITOR_GEN}" in texts[code], code
        assert debtor_gen in texts[code], code
    if debtor == "citizen":
        assert "Мировому судье судебного участка № 22 Ленского района Республики Саха (Якутия)" in court_order
        assert "В Ленский районный суд Республики Саха (Якутия)" in claim
    else:
        assert f"В {ARBITRAZH}" in court_order and "ИНН 1414098765" in court_order
    assert "Судебный приказ № 2-1234/2026 от" in claim
    assert texts["notice_debt"].count(debtor_dat) >= 1
    assert (f"{CREDITOR}, именуемое в дальнейшем «Кредитор», в лице директора Ковалёва Андрея Николаевича, "
            "действующего на основании Устава, с одной стороны") in texts["payment_agreement"]
    for code in ("enforcement_application", "employer_letter"):
        assert ("исполнительный документ ФС № 012345678 от «01» июня 2026 г., выданный Ленским районным судом "
                "Республики Саха (Якутия), о взыскании с ") in texts[code], code
    assert "Подлинник исполнительного документа ФС № 012345678." in texts["enforcement_application"]
    raw = docx_text(document_file(docs["enforcement_application"]).read_bytes())
    assert "ФС\u00a0№\u00a0012345678" in raw  # never «№» at a line's end
    assert f"Комиссия {CREDITOR_GEN} рассмотрела" in texts["writeoff_act"]

    # «Итого пени» is the engine's total, and the printed rows add up to it to the kopeck
    src = load_source(acc.id, load_common({}, TODAY))
    own = [int(r.penalty * 100) for r in src.penalty.rows]
    assert sum(own) != src.penalty_kop, "the ledger must be one where rows rounded one by one miss the total"
    rows, table_total, line_total = printed_penalties(calc_data)
    assert len(rows) == len(src.penalty.rows)
    assert sum(rows) == table_total == line_total == src.penalty_kop
    assert all(abs(a - b) <= 1 for a, b in zip(rows, own))
    assert "сумма равна итогу" in texts["debt_calculation"]  # the kopeck is explained on the paper
    assert ru.money(src.penalty_kop) in court_order  # the application states the same figure


def test_the_enterprise_forms_an_administrator_stored_are_printed(lensk):
    ent = get_enterprise()
    ent.name_gen = "МУП «Теплоэнергосервис» (Муниципального унитарного предприятия)"
    ent.signatory_position_gen, ent.signatory_name_gen = "генерального директора", "Ковалёва А. Н."
    acc = make_debtor(lensk["LEN-MS22"], kind="person", name="Иванов Иван Иванович", category="population")
    _doc, _data, text = issue("court_order_application", acc)
    assert "в пользу МУП «Теплоэнергосервис» (Муниципального унитарного предприятия):" in text
    _doc, _data, text = issue("payment_agreement", acc)
    assert "в лице генерального директора Ковалёва А. Н., действующего на основании Устава" in text
    assert "с Иванова Ивана Ивановича" in issue("enforcement_application", acc)[2]
