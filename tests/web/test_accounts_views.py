"""Accounts pages through the test client: list, search, paging links, export, the account page and PII."""
import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from casework.accounts.models import Account, AccountBalance, AccountMonth, AccountParty, LedgerEntry, Party, Service
from casework.accounts.queries import search_text_for
from casework.audit.models import AuditEvent
from casework.extensions import db


def _account(number, name, address="г. Ленск, ул. Ленина, д. 1", phone=None, balance=0, **kw):
    db.session.execute(insert(Account), [dict(number=number, debtor_name=name, address=address, phone=phone,
                                              category=kw.pop("category", "population"),
                                              search_text=search_text_for(number, name, address, phone), **kw)])
    acc_id = db.session.scalar(select(Account.id).where(Account.number == number))
    db.session.execute(insert(AccountBalance), [dict(account_id=acc_id, as_of=date(2026, 3, 31), balance_kop=balance,
                                                     overdue_kop=balance, months_in_arrears=1 if balance else 0,
                                                     oldest_debt_days=45 if balance else None)])
    return acc_id


@pytest.fixture()
def accounts(app):
    ids = [_account(f"10{i:05d}", f"Петров{i} Пётр", balance=100 * i) for i in range(1, 61)]
    ids.append(_account("2000001", "=HYPERLINK(\"http://evil\")", balance=12_345, category="other"))
    db.session.commit()
    return ids


def test_list_shows_russian_interface_totals_and_rows(client, login, accounts):
    login("collector")
    resp = client.get("/accounts/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Лицевые счета" in html or "Счета" in html
    assert "1000001" in html and "1000050" in html and "1000051" not in html  # 50 per page
    total = sum(100 * i for i in range(1, 61)) + 12_345
    assert "61" in html and f"{total // 100:,}".replace(",", "\u00a0") in html


def test_search_is_case_insensitive_for_cyrillic(client, login, accounts):
    login("lawyer")
    html = client.get("/accounts/?q=ПЕТРОВ12").get_data(as_text=True)
    assert "1000012" in html and "1000011" not in html


def test_pager_links_keep_the_filters(client, login, accounts):
    login("manager")
    html = client.get("/accounts/?q=петров&category=population&sort=balance&dir=desc").get_data(as_text=True)
    nxt = re.search(r'href="([^"]+)" rel="next"', html)
    assert nxt, "a next-page link"
    link = nxt.group(1).replace("&amp;", "&")
    for part in ("q=", "category=population", "sort=balance", "dir=desc", "page=2"):
        assert part in link
    html2 = client.get(link).get_data(as_text=True)
    # sorted by debt, descending: page 2 holds the 10th..1st smallest of 60 → numbers 1000010 … 1000001
    assert "1000010" in html2 and "1000001" in html2 and "1000060" not in html2


def test_bad_amount_is_explained_and_ignored(client, login, accounts):
    login("manager")
    resp = client.get("/accounts/?debt_min=много")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert "1000001" in html


def test_debt_range_in_rubles_with_decimal_comma(client, login, accounts):
    login("manager")
    html = client.get("/accounts/?debt_min=4,50&debt_max=6,00").get_data(as_text=True)  # 5 ₽ and 6 ₽
    assert "1000005" in html and "1000006" in html and "1000004" not in html and "1000007" not in html


def test_xlsx_export_holds_every_filtered_row_and_defuses_formulas(client, login, accounts):
    login("collector")
    resp = client.get("/accounts/export.xlsx?sort=number")
    assert resp.status_code == 200
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(values_only=True))
    body = rows[1:-1]
    assert len(body) == 61  # all rows, not the page of 50
    assert body[0][0] == "1000001" and Decimal(str(body[0][7])) == Decimal("1.00")
    evil = [r for r in body if r[0] == "2000001"][0]
    assert evil[1] == "'=HYPERLINK(\"http://evil\")"
    assert Decimal(str(rows[-1][7])) == Decimal(sum(100 * i for i in range(1, 61)) + 12_345) / 100
    assert "61" in rows[-1][0]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_csv_export_follows_the_filter(client, login, accounts):
    login("collector")
    resp = client.get("/accounts/export.csv?category=other")
    assert resp.status_code == 200
    text = resp.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r[0] for r in rows[1:-1]] == ["2000001"]
    assert rows[1][7] == "123,45"


def test_unknown_export_format_and_missing_account_are_404(client, login, accounts):
    login("admin")
    assert client.get("/accounts/export.pdf").status_code == 404
    assert client.get("/accounts/999999").status_code == 404


@pytest.fixture()
def account_with_party(app):
    acc_id = _account("3000001", "Смирнова Анна", phone="8 914 765-43-21", balance=350_000)
    db.session.execute(insert(Party), [dict(kind="person", full_name="Смирнова Анна Сергеевна",
                                            birth_date=date(1980, 5, 17), birth_place="г. Якутск",
                                            passport_series="9804", passport_number="123456",
                                            snils="112-233-445 95", phone="+7 914 111-22-33")])
    party_id = db.session.scalar(select(Party.id))
    db.session.execute(insert(AccountParty), [dict(account_id=acc_id, party_id=party_id, role="owner", share_num=1,
                                                   share_den=2)])
    db.session.execute(insert(AccountMonth), [
        dict(account_id=acc_id, month=date(2026, 2, 1), opening_kop=0, debt_start_kop=300_000, charged_kop=100_000,
             recalculated_kop=0, paid_kop=50_000, paid_enforcement_kop=20_000, debt_end_kop=350_000)])
    heating = db.session.scalar(select(Service.id).where(Service.code == "heating"))
    db.session.execute(insert(LedgerEntry), [
        dict(account_id=acc_id, service_id=heating, period=date(2026, 2, 1), kind="charge", amount_kop=100_000,
             paid_on=None, source=None, reference=None, entry_key="c"),
        dict(account_id=acc_id, service_id=heating, period=date(2026, 2, 1), kind="payment", amount_kop=50_000,
             paid_on=date(2026, 2, 12), source="enforcement", reference="ИП 123/26", entry_key="p")])
    db.session.commit()
    return acc_id, party_id


def _pii_events(party_id):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pii.view",
                                                       AuditEvent.entity == "parties",
                                                       AuditEvent.entity_id == party_id)).all()


def test_collector_sees_masked_identifiers_and_no_pii_view_is_logged(client, login, account_with_party):
    acc_id, party_id = account_with_party
    login("collector")
    html = client.get(f"/accounts/{acc_id}").get_data(as_text=True)
    assert "Смирнова Анна Сергеевна" in html and "1/2" in html
    assert "123456" not in html and "••3456" in html
    assert "112-233-445 95" not in html and "5 95" in html
    assert "111-22-33" not in html and "•••-22-33" in html
    assert "765-43-21" not in html
    assert "17.05.1980" not in html
    assert _pii_events(party_id) == []


def test_lawyer_sees_identifiers_and_the_view_is_audited(client, login, account_with_party):
    acc_id, party_id = account_with_party
    user = login("lawyer")
    html = client.get(f"/accounts/{acc_id}").get_data(as_text=True)
    assert "9804 123456" in html and "112-233-445 95" in html and "+7 914 111-22-33" in html
    assert "17.05.1980" in html
    events = _pii_events(party_id)
    assert len(events) == 1 and events[0].user_id == user.id and events[0].changes["account_id"] == acc_id
    client.get(f"/accounts/{acc_id}")
    assert len(_pii_events(party_id)) == 2  # every view, not only the first


def test_account_page_shows_figures_ledger_and_payments(client, login, account_with_party):
    acc_id, _ = account_with_party
    login("manager")
    html = client.get(f"/accounts/{acc_id}").get_data(as_text=True)
    assert "3\u00a0500,00" in html  # debt
    assert "Отопление" in html  # per-service detail
    assert "ИП 123/26" in html and "12.02.2026" in html
    assert "200,00" in html  # paid via enforcement in the month row


def test_a_sort_link_without_filters_shows_no_filter_errors(client, login):
    """Column-sort links carry only sort/dir: absent filters mean «все», not «Неверный вариант»."""
    login("manager")
    resp = client.get("/accounts/?sort=balance&dir=desc")
    assert resp.status_code == 200
    assert "Неверный вариант" not in resp.get_data(as_text=True)
