"""The bailiffs' side of a reconciliation, made the way they make it: an ОСП's «Реестр исполнительных производств»
(XLSX with title rows and merged two-row headers, or CSV in Windows-1251 with «;»), and ФССП notices as ЕПГУ
delivers them (XML of http://www.fssprus.ru/namespace/order/2017/2). And the writs of the app they belong to."""
from __future__ import annotations

import io
import json
from datetime import date

from openpyxl import Workbook

from casework.accounts.models import Account, AccountParty, Party
from casework.cases.models import Case, Enforcement
from casework.extensions import db
from casework.imports.services import commit_import

NS = "http://www.fssprus.ru/namespace/order/2017/2"
PETROV, SMIRNOVA, KUZNETSOV_A, KUZNETSOV_B, KOVALEVA = "200001", "200002", "200003", "200004", "200005"


def _account(number, name, birth):
    acc = Account(number=number, category="population", debtor_name=name, address=f"г. Ленск, ул. Ленина, д. 3, кв. {number[-1]}",
                  apartment=number[-1], search_text=number)
    person = Party(full_name=name, birth_date=birth)
    db.session.add_all([acc, person])
    db.session.flush()
    db.session.add(AccountParty(account_id=acc.id, party_id=person.id, role="owner"))
    return acc


def _writ(acc, number, on, amount_kop, sent_on, **kw):
    case = Case(account_id=acc.id, stage="enforcement", stage_since=sent_on, opened_on=date(2025, 10, 1))
    db.session.add(case)
    db.session.flush()
    e = Enforcement(case_id=case.id, writ_number=number, writ_date=on, amount_kop=amount_kop, destination="bailiff",
                    sent_on=sent_on, **kw)
    db.session.add(e)
    db.session.flush()
    return e


def ledger(rows):
    """Rows imported the way the billing imports them (docs/import-format.md, JSON records)."""
    data = json.dumps({"rows": [{"account_number": a, "period": p or "", "service": s, "kind": k, "amount": amt,
                                 "paid_on": on or "", "source": src or "", "paid_period": "", "reference": "",
                                 "reverses": ""} for a, p, s, k, amt, on, src in rows]}, ensure_ascii=False).encode()
    batch = commit_import("ledger", data, "billing.json", None, via="cli")
    assert batch.status == "committed", batch.options
    return batch


def make_world() -> dict[str, Enforcement]:
    """Five debtors at the bailiffs of Ленское РОСП; Смирнова's first transfer is already in the billing's ledger
    (split over two services, as the billing posts a receipt); two writs share a number (two judicial sites)."""
    accs = {n: _account(n, name, birth) for n, name, birth in [
        (PETROV, "Петров Иван Сергеевич", date(1975, 4, 12)),
        (SMIRNOVA, "Смирнова Ольга Петровна", date(1982, 11, 3)),
        (KUZNETSOV_A, "Кузнецов Пётр Ильич", date(1960, 7, 1)),
        (KUZNETSOV_B, "Кузнецова Нина Ивановна", date(1962, 2, 2)),
        (KOVALEVA, "Ковалёва Анна Ивановна", date(1990, 1, 30))]}
    out = {
        PETROV: _writ(accs[PETROV], "ВС № 012345678", date(2026, 2, 10), 4_520_000, date(2026, 3, 1)),
        SMIRNOVA: _writ(accs[SMIRNOVA], "2-1234/2026", date(2026, 3, 15), 1_870_050, date(2026, 4, 1)),
        KUZNETSOV_A: _writ(accs[KUZNETSOV_A], "2-777/2026", date(2026, 4, 20), 500_000, date(2026, 5, 5)),
        KUZNETSOV_B: _writ(accs[KUZNETSOV_B], "2-777/2026", date(2026, 4, 20), 700_000, date(2026, 5, 6)),
        KOVALEVA: _writ(accs[KOVALEVA], "2-555/2026", date(2026, 5, 5), 900_000, date(2026, 6, 1)),
    }
    db.session.commit()
    charges = [(n, "2026-01", "heating", "charge", "3000.00", None, None) for n in accs] + \
              [(n, "2026-01", "cold_water", "charge", "500.00", None, None) for n in accs]
    ledger(charges + [(SMIRNOVA, None, "heating", "payment", "2000.00", "2026-06-15", "bank"),
                      (SMIRNOVA, None, "cold_water", "payment", "1000.00", "2026-06-15", "bank")])
    db.session.commit()
    return out


HEAD_PARENT = ["№ п/п", "Исполнительное производство", None, None, "Исполнительный документ", None, "Должник", None,
               "Сумма долга, руб.", "Взыскано, руб.", "Платёжное поручение", None, "Окончание", None,
               "Судебный пристав-исполнитель"]
HEAD_CHILD = [None, "Номер", "Дата возбуждения", "Состояние", "Номер", "Дата", "ФИО", "Дата рождения", None, None,
              "Дата", "Сумма", "Дата", "Основание", None]
MERGED = ["A5:A6", "B5:D5", "E5:F5", "G5:H5", "I5:I6", "J5:J6", "K5:L5", "M5:N5", "O5:O6"]
ROWS = [
    [1, "12345/26/14021-ИП", "05.03.2026", "окончено", "ВС № 012345678", "10.02.2026", "Петров Иван Сергеевич",
     "12.04.1975", "45 200,00", "0,00", None, None, "20.11.2026",
     "п. 4 ч. 1 ст. 46 — отсутствие имущества, на которое может быть обращено взыскание", "Иванова А. А."],
    [2, "23456/26/14021-ИП", "10.04.2026", "в производстве", "2-1234/2026", "15.03.2026", "Смирнова Ольга Петровна",
     "03.11.1982", "18 700,50", "6 000,00", "15.06.2026", "3 000,00", None, None, "Иванова А. А."],
    [None, None, None, None, None, None, None, None, None, None, "20.09.2026", "3 000,00", None, None, None],
    [3, "34567/26/14021-ИП", "12.05.2026", "в производстве", "2‑777/2026", "20.04.2026", "Кузнецов П. И.", None,
     "5 000,00", "0,00", None, None, None, None, "Сидоров В. В."],
    [4, "45678/26/14021-ИП", "14.05.2026", "в производстве", "2-9999/2026", "01.04.2026", "Неизвестный Олег Олегович",
     "01.01.1970", "1 000,00", "0,00", None, None, None, None, "Сидоров В. В."],
    [5, "56789/26/14021-ИП", "10.06.2026", "окончено", "2-555/2026", "06.05.2026", "КОВАЛЕВА АННА ИВАНОВНА",
     "30.01.1990", "9 000,00", "9 000,00", "25.11.2026", "9 000,00", "28.11.2026", "ст.47 ч.1 п.1", "Сидоров В. В."],
]


def reconciliation_xlsx() -> bytes:
    """«Реестр исполнительных производств» as an ОСП exports it: title rows, two-row merged header, totals."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Реестр"
    ws.append(["УФССП России по Республике Саха (Якутия)"])
    ws.append(["Ленское РОСП"])
    ws.append(["Реестр исполнительных производств по взыскателю МУП «Теплоэнергосервис» на 01.12.2026"])
    ws.append([])
    ws.append(HEAD_PARENT)
    ws.append(HEAD_CHILD)
    for cell in ("A1:O1", "A2:O2", "A3:O3", *MERGED):
        ws.merge_cells(cell)
    for r in ROWS:
        ws.append(r)
    ws.append([None, "Итого", None, None, None, None, None, None, "78 900,50", "15 000,00"])
    ws.append(["Судебный пристав-исполнитель ____________ Иванова А. А."])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def reconciliation_csv() -> bytes:
    """The same register as the ОСП's CSV «Акт сверки»: one flat header under two title lines, «;», Windows-1251."""
    head = ["Отдел", "Рег. номер ИП", "Дата возбуждения ИП", "Статус ИП", "№ ИД", "Дата ИД", "ФИО должника",
            "Дата рождения должника", "Сумма по ИД", "Перечислено взыскателю", "Дата окончания",
            "Основание окончания"]
    lines = ["Акт сверки исполнительных производств;;;", "Взыскатель: МУП «Теплоэнергосервис»;;;", ";".join(head),
             ";".join(["Ленское РОСП", "12345/26/14021-ИП", "05.03.2026", "Окончено", "ВС012345678", "10.02.2026",
                       "Петров Иван Сергеевич", "12.04.1975", "45200,00", "0", "20.11.2026", "46-1-4"])]
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def notice_xml(**fields) -> bytes:
    """A ФССП постановление as ЕПГУ delivers it (root OIp of the order/2017/2 namespace; DocType O_IP_RES_REOPEN —
    «о возбуждении»). The element names are those public readers of these files use; DbtrBornDate and OspName are
    assumed (docs/fssp.md)."""
    base = {"Id": "8804112233", "DocType": "O_IP_RES_REOPEN", "DocDate": "2026-03-05",
            "DocName": "Постановление о возбуждении исполнительного производства", "DebtorType": "2",
            "DbtrName": "Петров Иван Сергеевич", "DbtrBornDate": "1975-04-12", "IpNo": "12345/26/14021-ИП",
            "IpRiseDate": "2026-03-05", "IdDocNo": "ВС № 012345678", "IdDocDate": "2026-02-10",
            "IdDeloNo": "2-301/2026", "IdCrdrName": "МУП «Теплоэнергосервис»", "IdDebtSum": "45200.00",
            "Spi": "Иванова Анна Андреевна", "OspName": "Ленское РОСП УФССП России по Республике Саха (Якутия)"}
    base.update(fields)
    ns = base.pop("_ns", NS)
    nested = base.pop("_nested", "")
    body = "".join(f"<f:{k}>{v}</f:{k}>" for k, v in base.items() if v is not None)
    return f'<?xml version="1.0" encoding="UTF-8"?><f:OIp xmlns:f="{ns}">{nested}{body}</f:OIp>'.encode()


#: the captions of the «Банк данных исполнительных производств» table (fssp.gov.ru/iss/ip), as the site shows them
BANK_HEAD = ["Должник (физ. лицо: ФИО, дата и место рождения; юр. лицо: наименование, юр. адрес, фактический адрес)",
             "Исполнительное производство (номер, дата возбуждения)",
             "Реквизиты исполнительного документа (вид, дата принятия органом, номер, наименование органа, выдавшего "
             "исполнительный документ)",
             "Дата, причина окончания или прекращения ИП (статья, часть, пункт основания)", "Сервис",
             "Предмет исполнения, сумма непогашенной задолженности", "Отдел судебных приставов (наименование, адрес)",
             "Судебный пристав-исполнитель, телефон для получения информации"]


def bank_csv() -> bytes:
    """A search of the bank saved as a sheet: one row a proceeding, the cells combining values the way the bank
    writes them (the end as «date, article, part, clause»; the bailiff with the phone after «<br>»). The people,
    numbers and sums are invented to match `make_world`."""
    rows = [BANK_HEAD,
            ["ПЕТРОВ ИВАН СЕРГЕЕВИЧ 12.04.1975 РОССИЯ Г. ЛЕНСК", "12345/26/14021-ИП от 05.03.2026",
             "Судебный приказ от 10.02.2026 № ВС 012345678 СУДЕБНЫЙ УЧАСТОК № 35 ЛЕНСКОГО РАЙОНА",
             "2026-11-20, 46, 1, 4", "", "Задолженность по платежам за жилую площадь, коммунальные платежи, включая "
             "пени: 45200.00 руб. Исполнительский сбор: 3164.00 руб.",
             "Ленское РОСП 678144, Россия, Респ. Саха (Якутия), , г. Ленск, , ул. Ленина, д. 1, ",
             "ИВАНОВА А. А.<br>+74113700000"],
            ["СМИРНОВА ОЛЬГА ПЕТРОВНА 03.11.1982 Г. ЛЕНСК", "23456/26/14021-ИП от 10.04.2026 11111/26/14021-СД",
             "Судебный приказ от 15.03.2026 № 2-1234/2026 СУДЕБНЫЙ УЧАСТОК № 35 ЛЕНСКОГО РАЙОНА", "", "",
             "Задолженность по платежам за жилую площадь, коммунальные платежи, включая пени: 12 700.50 руб.",
             "Ленское РОСП 678144, Россия, Респ. Саха (Якутия), , г. Ленск", "ИВАНОВА А. А.<br>+74113700000"]]
    buf = io.StringIO()
    import csv as _csv

    _csv.writer(buf, delimiter=";").writerows(rows)
    return buf.getvalue().encode("utf-8")
