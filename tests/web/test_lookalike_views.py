"""Look-alike account numbers through the web (issue: security, item 5): an uploaded workbook with `1О000006`
(Cyrillic «О») is refused in the preview with row, column and reason and imports nothing; a number pasted with an
invisible character, bidi controls or full-width digits finds the account in every search that takes a number."""
from __future__ import annotations

import html as htmllib
import io
import re
from datetime import date, datetime

from sqlalchemy import func, select

from casework.accounts.models import Account
from casework.extensions import db
from casework.imports import services as import_services
from casework.imports.models import ImportBatch

from ..integration.test_identifier_lookalikes import ACC_HEAD, CYR_O, FULLWIDTH, MIXED_REASON, RLO, ZW, file_bytes

PASTED = ["10000006" + ZW, RLO + "10000006\u202c", FULLWIDTH, "\u2066" + "10000006" + "\u2069 "]


def upload(client, kind, data, name):
    return client.post("/imports/new", data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def accounts_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Account))


def test_uploaded_workbook_with_a_mixed_alphabet_number_is_refused_in_the_preview(client, login):
    login("manager")
    data, _name = file_bytes("xlsx", ACC_HEAD, [
        ["10000006", "Население", "Иванов Иван Иванович", "г. Ленск, ул. Ленина, д. 5, кв. 1"],
        ["1" + CYR_O + "000006", "Население", "Двойник", "г. Ленск, ул. Ленина, д. 5, кв. 1"]])
    resp = upload(client, "accounts", data, "реестр.xlsx")
    assert resp.status_code == 302
    preview_url = resp.headers["Location"]
    page = htmllib.unescape(client.get(preview_url).get_data(as_text=True))
    assert re.search(r'<td class="num">3</td><td>Лицевой счёт</td><td>' + re.escape(MIXED_REASON) + "</td>", page)
    client.post(preview_url)  # confirm without skipping the bad row: nothing is imported
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert batch.status == "rejected" and accounts_count() == 0


def test_uploaded_invisible_characters_update_the_existing_account(client, login):
    login("manager")
    for rows in ([["10000006", "Население", "Иванов Иван", "г. Ленск, ул. Ленина, д. 5, кв. 1"]],
                 [[ZW + "10000006" + ZW, "Население", "Иванова Ирина", "г. Ленск, ул. Ленина, д. 5, кв. 1"]]):
        data, _name = file_bytes("csv", ACC_HEAD, rows)
        resp = upload(client, "accounts", data, "реестр.csv")
        client.post(resp.headers["Location"])
    assert list(db.session.execute(select(Account.number, Account.debtor_name))) == [("10000006", "Иванова Ирина")]


def _two_accounts_with_a_ledger():
    acc, _n = file_bytes("csv", ACC_HEAD, [
        ["10000006", "Население", "Иванов Иван", "г. Ленск, ул. Ленина, д. 5, кв. 1"],
        ["10000007", "Население", "Петров Пётр", "г. Ленск, ул. Ленина, д. 5, кв. 2"]])
    led, _n = file_bytes("csv", ["ЛС", "Период", "Услуга", "Вид", "Сумма"], [
        ["10000006", "2025-01", "heating", "начисление", "1000"],
        ["10000007", "2025-01", "heating", "начисление", "2000"]])
    for kind, data in (("accounts", acc), ("ledger", led)):
        assert import_services.commit_import(kind, data, f"{kind}.csv", None, via="cli").status == "committed"
    db.session.commit()


def _finds_only_10000006(html: str) -> bool:
    return "10000006" in html and "10000007" not in html


def test_a_pasted_number_finds_the_account_in_the_accounts_and_report_searches(client, login):
    _two_accounts_with_a_ledger()
    login("manager")
    for q in PASTED:
        html = client.get("/accounts/", query_string={"q": q}).get_data(as_text=True)
        assert _finds_only_10000006(html.split("<tbody", 1)[-1]), repr(q)
        html = client.get("/reports/monthly/2025-01/accounts", query_string={"figure": "charged", "q": q}
                          ).get_data(as_text=True)
        assert _finds_only_10000006(html.split("<tbody", 1)[-1]), repr(q)


def test_a_pasted_number_finds_the_account_in_the_contacts_and_portfolio_searches(client, login):
    from casework.contacts import services as contacts
    from casework.legal.portfolio import run_portfolio

    _two_accounts_with_a_ledger()
    user = login("manager")
    for number in ("10000006", "10000007"):
        acc_id = db.session.scalar(select(Account.id).where(Account.number == number))
        contacts.log_contact(user, account_id=acc_id, channel="letter", outcome="letter_sent", note="Уведомление",
                             when=datetime(2025, 3, 2, 10, 0))
    run_portfolio(date(2025, 6, 30))
    db.session.commit()
    for q in PASTED:
        html = client.get("/contacts/", query_string={"q": q, "date_from": "2025-01-01"}).get_data(as_text=True)
        assert _finds_only_10000006(html.split("<tbody", 1)[-1]), repr(q)
        html = client.get("/legal/portfolio", query_string={"q": q}).get_data(as_text=True)
        assert _finds_only_10000006(html.split("<tbody", 1)[-1]), repr(q)
