"""Data for the commission's reports built the way the app receives it: accounts and ledger through the imports
area (`commit_import`, the files an enterprise uploads), courts and bailiff units through the court directory,
cases, court filings, orders and writs through the cases area's services (with their guards).

Accounts (the same «ул. Лесная, д. 13» in three settlements):

======  ==========  =========================  ============  ====================================
number  category    debtor                     settlement    what happens (2026)
======  ==========  =========================  ============  ====================================
300001  population  Иванов Иван Иванович       п. Витим      order filed 06.04; writ to bailiffs 15.05
300002  population  Петрова Анна Сергеевна     с. Нюя        order filed 12.05; writ to employer 10.06
300003  other       ООО «Лесная»               г. Ленск      order filed (arbitrazh) 15.06
300004  other       ООО «Ромашка»              г. Ленск      order filed 20.03 (Q1); writ to bailiffs 10.04
300005  population  Сидоров Пётр Петрович      г. Ленск      order filed 02.07 (Q3)
======  ==========  =========================  ============  ====================================

So in the II quarter of 2026 the applications filed are 300001 (April), 300002 (May), 300003 (June) and the
writs sent are 300004 (April), 300001 (May), 300002 (June); the I and III quarters hold one filing each.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from casework.accounts.models import Account, Building
from casework.cases import directory, services
from casework.extensions import db
from casework.imports.services import commit_import

ACCOUNTS = ("Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности\n"
            "300001;Население;Иванов Иван Иванович;ул. Лесная, д. 13;п. Витим;1;собственник\n"
            "300002;Население;Петрова Анна Сергеевна;ул. Лесная, д. 13;с. Нюя;2;собственник\n"
            "300003;Прочие;ООО «Лесная»;ул. Лесная, д. 13;г. Ленск;;\n"
            "300004;Прочие;ООО «Ромашка»;ул. Ленина, д. 1;г. Ленск;;\n"
            "300005;Население;Сидоров Пётр Петрович;ул. Ленина, д. 2;г. Ленск;7;собственник\n")

FILED = {"300001": date(2026, 4, 6), "300002": date(2026, 5, 12), "300003": date(2026, 6, 15),
         "300004": date(2026, 3, 20), "300005": date(2026, 7, 2)}
PRINCIPAL = {"300001": 2_400_000, "300002": 1_800_000, "300003": 6_000_000, "300004": 4_800_000,
             "300005": 1_200_000}
PENALTY = {"300001": 10_000, "300002": 0, "300003": 25_050, "300004": 0, "300005": 0}
# number → (sent on, destination, amount in kopecks, issued on, received on)
WRITS = {"300004": (date(2026, 4, 10), "bailiff", 4_800_000, date(2026, 3, 23), date(2026, 3, 25)),
         "300001": (date(2026, 5, 15), "bailiff", 2_410_000, date(2026, 4, 20), date(2026, 4, 22)),
         "300002": (date(2026, 6, 10), "employer", 1_800_000, date(2026, 5, 20), date(2026, 5, 21))}
Q2_FILINGS = ("300001", "300002", "300003")
Q2_WRITS = ("300004", "300001", "300002")


def _ledger() -> bytes:
    """12 months of 2025 charged for every account (population 2 000 ₽, other 5 000 ₽ a month), nothing paid."""
    lines = ["ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа"]
    for number in FILED:
        amount = "5000,00" if number in ("300003", "300004") else "2000,00"
        for m in range(1, 13):
            lines.append(f"{number};2025-{m:02d};heating;начисление;{amount};;;")
    return ("\n".join(lines) + "\n").encode()


def build(user) -> dict:
    """Import, set up the directory, file and send; returns {number: account id} and the directory ids."""
    for kind, data, name in (("accounts", ACCOUNTS.encode(), "accounts.csv"), ("ledger", _ledger(), "ledger.csv")):
        batch = commit_import(kind, data, name, user, via="cli")
        assert batch.status == "committed", batch.options
    magistrate = directory.save_court(None, user, kind="magistrate", name="Судебный участок № 23 Ленского района",
                                      oktmo="98627101")
    arbitrazh = directory.save_court(None, user, kind="arbitrazh", name="Арбитражный суд Республики Саха (Якутия)",
                                     oktmo="98701000")
    directory.link_buildings(magistrate, user, building_ids=list(db.session.scalars(select(Building.id))))
    unit = directory.save_bailiff_unit(None, user, name="Ленское РОСП УФССП России по Республике Саха (Якутия)")
    ids = dict(db.session.execute(select(Account.number, Account.id)).all())
    cases, records = {}, {}
    for number, filed_on in sorted(FILED.items(), key=lambda kv: kv[1]):
        case = services.open_case(ids[number], user, date(2026, 3, 1))
        cases[number] = case
        records[number] = services.record_court_filing(
            case, user, filed_on, kind="order", filed_on=filed_on, principal_kop=PRINCIPAL[number],
            penalty_kop=PENALTY[number], duty_kop=None, case_number=f"2-{number[-1]}/2026")
    for number, (sent_on, destination, amount, issued_on, received_on) in sorted(WRITS.items(),
                                                                                 key=lambda kv: kv[1][0]):
        services.update_court_record(records[number], user, received_on, outcome="issued", issued_on=issued_on,
                                     received_on=received_on)
        services.send_writ(cases[number], user, sent_on, writ_number=f"ВС {number}", writ_date=issued_on,
                           amount_kop=amount, destination=destination,
                           bailiff_unit_id=unit.id if destination == "bailiff" else None,
                           payer_name="ООО «Работодатель»" if destination == "employer" else None, sent_on=sent_on)
    db.session.flush()
    return {"accounts": ids, "magistrate": magistrate.id, "arbitrazh": arbitrazh.id, "unit": unit.id}
