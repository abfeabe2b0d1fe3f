"""ГИС ЖКХ debt request samples (tests/data/gis) and the accounts, persons and court records they are about."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from casework.accounts.models import Account, AccountBalance, AccountParty, Building, Party, Premises
from casework.cases.models import Case, CourtRecord
from casework.extensions import db

DATA = Path(__file__).parent / "data" / "gis"
S1, S2, S3, S4, S5 = (f"5a1e1f0c-0b1d-4e7a-9c55-1a2b3c4d5e0{i}" for i in range(1, 6))
ORG_PPA = "11111111-2222-4333-8444-555555555555"
EXECUTOR = "66666666-7777-4888-8999-000000000000"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _account(number, address, flat, building, *persons, balance_kop=None, premises=None):
    acc = Account(number=number, category="population", debtor_name=persons[0][0] if persons else "—",
                  address=f"{address}, кв. {flat}", apartment=flat, building=building,
                  premises=premises or Premises(building=building, number=flat))
    db.session.add(acc)
    db.session.flush()
    for name, role in persons:
        parts = name.split()
        p = Party(full_name=name, last_name=parts[0], first_name=parts[1], middle_name=parts[2],
                  snils="112-233-445 95" if name.startswith("Семёнова") else None)
        db.session.add(p)
        db.session.flush()
        db.session.add(AccountParty(account_id=acc.id, party_id=p.id, role=role))
    if balance_kop is not None:
        db.session.add(AccountBalance(account_id=acc.id, as_of=date(2026, 6, 1), balance_kop=balance_kop))
    return acc


def make_world():
    """Ленск: ул. Мира, 1 — кв. 5 (Семёнова Алёна Петровна, debt), кв. 7 (Иванов); ул. Ленина, 3, кв. 2 — two open
    accounts (an old one not closed in billing and the new one)."""
    mira = Building(address="г. Ленск, ул. Мира, д. 1")
    lenina = Building(address="г. Ленск, ул. Ленина, д. 3")
    a5 = _account("100005", "г. Ленск, ул. Мира, д. 1", "5", mira, ("Семёнова Алёна Петровна", "owner"),
                  ("Семёнов Пётр Ильич", "registered"), balance_kop=4_500_000)
    a7 = _account("100007", "г. Ленск, ул. Мира, д. 1", "7", mira, ("Иванов Иван Иванович", "owner"),
                  balance_kop=1_000_00)
    b1 = _account("100020", "г. Ленск, ул. Ленина, д. 3", "2", lenina, ("Орлова Анна Сергеевна", "owner"))
    b2 = _account("100021", "г. Ленск, ул. Ленина, д. 3", "2", lenina, ("Орлов Игорь Олегович", "owner"),
                  premises=b1.premises)
    db.session.commit()
    return {"a5": a5, "a7": a7, "b1": b1, "b2": b2}


def court_record(account, *, kind="order", outcome="issued", number="2-1234/2025", issued=date(2025, 11, 10),
                 in_force=date(2025, 12, 5), cancelled=None, amount_kop=3_812_450, period=(date(2024, 1, 1),
                                                                                          date(2025, 8, 31))):
    case = db.session.query(Case).filter_by(account_id=account.id).first()
    if case is None:
        case = Case(account_id=account.id, stage="court_order", stage_since=date(2025, 10, 1),
                    opened_on=date(2025, 9, 1))
        db.session.add(case)
        db.session.flush()
    rec = CourtRecord(case_id=case.id, kind=kind, case_number=number, principal_kop=amount_kop - 60_000,
                      duty_kop=60_000, period_from=period[0], period_to=period[1], filed_on=date(2025, 10, 20),
                      issued_on=issued, in_force_on=in_force, cancelled_on=cancelled, outcome=outcome)
    db.session.add(rec)
    db.session.commit()
    return rec


def web_xlsx(rows: list[list]) -> bytes:
    """A list of requests as the ГИС ЖКХ web interface's Excel export is assumed to look (docs/gis-zhkh.md): a title
    row, then the header, then one row per request."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Реестр запросов о наличии задолженности за ЖКУ"])
    ws.append(["Номер запроса", "Дата направления запроса", "Срок ответа", "Организация, направившая запрос",
               "Адрес объекта жилищного фонда", "Номер помещения", "ФИО заявителя", "СНИЛС заявителя",
               "Период с", "Период по"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
