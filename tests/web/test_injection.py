"""Hostile text from an imported file: formula injection in every export, escaping in pages and in Word documents,
SQL injection and LIKE wildcards in every search box."""
import csv
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from casework.access import rule_for, user_may
from casework.accounts.models import Account, AccountParty, Party
from casework.cases import services as case_services
from casework.extensions import db
from casework.imports import services as import_services
from casework.timeutil import today

from ..conftest import PASSWORD
from .test_access_matrix import ROLES, _routes
from .test_csrf import Browser, _real_url

SCRIPT = "<script>alert(1)</script>"
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+7(914)123", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

ACCOUNTS_CSV = "\n".join(
    ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Квартира;Форма собственности;Телефон;Площадь"]
    + [f"F{i:05d};Население;\"{name.replace(chr(34), chr(34) * 2)}\";\"{FORMULAS[(i + 1) % 4]}, ул. Мира, д. {i}\";"
       f"г. Ленск;;собственник;;40" for i, name in enumerate(FORMULAS)]
    + [f"S00001;Население;{SCRIPT};г. Ленск, ул. <b>Мира</b>, д. 1;г. Ленск;;собственник;;40",
       "P00001;Население;Скидка 100% Петров;г. Ленск, ул. Мира, д. 2;г. Ленск;;собственник;;40",
       "P00002;Население;Иван_ов Иван;г. Ленск, ул. Мира, д. 3;г. Ленск;;собственник;;40",
       "P00003;Население;Ёлкин Фёдор;г. Ленск, ул. Мира, д. 4;г. Ленск;;собственник;;40"]) + "\n"
LEDGER_CSV = "\n".join(
    ["ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа"]
    + [f"{n};2025-{m:02d};heating;начисление;3000;;;" for n in
       ["F00000", "F00001", "F00002", "F00003", "S00001", "P00001", "P00002", "P00003"] for m in range(1, 13)]) + "\n"


@pytest.fixture()
def hostile(app, make_user):
    """Accounts imported from a file whose names and addresses are formulas and markup, each with an open case."""
    for kind, data in (("accounts", ACCOUNTS_CSV), ("ledger", LEDGER_CSV)):
        batch = import_services.commit_import(kind, data.encode(), f"{kind}.csv", None, via="cli")
        db.session.commit()
        assert batch.status == "committed", batch.options
    users = {role: make_user(role) for role in ROLES}
    accounts = {a.number: a for a in db.session.scalars(select(Account))}
    assert accounts["F00000"].debtor_name == FORMULAS[0] and accounts["S00001"].debtor_name == SCRIPT
    cases = {}
    for number, acc in accounts.items():
        c = case_services.open_case(acc.id, users["collector"], today() - timedelta(days=5),
                                    assignee_id=users["collector"].id)
        c.next_action_on, c.next_action = today(), "call"
        cases[number] = c
    db.session.commit()
    return {"users": users, "accounts": accounts, "cases": cases}


def _login(app, user):
    b = Browser(app)
    assert b.post("/auth/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return b


def _cells_of(resp) -> list[str]:
    """Every text cell of an XLSX or CSV download (formula cells come back as their formula text)."""
    data = resp.get_data()
    if data[:2] == b"PK":
        wb = load_workbook(io.BytesIO(data))
        out = []
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        out.append("=FORMULA:" + str(cell.value))
                    elif isinstance(cell.value, str):
                        out.append(cell.value)
        return out
    text = data.decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text), delimiter=";") for c in row]


def test_every_export_defuses_formulas(app, hostile):
    """Walk every GET route as every role, plain and with ?export=xlsx/csv; every download's text cells are safe,
    and the hostile names do appear (defused with a leading apostrophe) in the account and case exports."""
    ids = {"account_id": hostile["accounts"]["F00000"].id, "case_id": hostile["cases"]["F00000"].id}
    downloads, seen_defused = [], set()
    for role in ROLES:
        b = _login(app, hostile["users"][role])
        for rule in _routes(app):
            if "GET" not in rule.methods or not user_may(role, rule_for(app, rule.endpoint)):
                continue
            base = _real_url(rule, ids)
            variants = [base, base + "?export=xlsx", base + "?export=csv"]
            if base.endswith((".x", "/x")):
                variants += [base[:-1] + "xlsx", base[:-1] + "csv"]
            for url in variants:
                try:
                    resp = b.get(url)
                except Exception:  # noqa: BLE001 - a page failing is the access matrix's business, not an export
                    continue
                if resp.status_code != 200 or "attachment" not in resp.headers.get("Content-Disposition", ""):
                    continue
                if not (resp.get_data()[:2] == b"PK" or resp.mimetype == "text/csv"):
                    continue  # Word documents and ZIPs are covered by their own tests
                downloads.append((role, url))
                for cell in _cells_of(resp):
                    assert not cell.startswith("=FORMULA:"), (url, cell)
                    assert not cell.startswith(DANGEROUS), (role, url, cell)
                    for f in FORMULAS:
                        if f in cell and cell.startswith("'"):
                            seen_defused.add(f)
    urls = {u.split("?")[0] for _r, u in downloads}
    assert any(u.startswith("/accounts/export") for u in urls) and "/cases/" in urls, sorted(urls)
    assert len(urls) >= 5, sorted(urls)
    assert seen_defused == set(FORMULAS)


def test_markup_in_a_name_is_shown_as_text_on_every_page(app, hostile):
    acc, case = hostile["accounts"]["S00001"], hostile["cases"]["S00001"]
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    pages = {"collector": ["/accounts/?q=alert", f"/accounts/{acc.id}", f"/cases/{case.id}", "/cases/queue",
                           "/cases/?q=alert"],
             "lawyer": ["/documents/", f"/accounts/{acc.id}", f"/cases/{case.id}"]}
    for role, urls in pages.items():
        b = _login(app, hostile["users"][role])
        for url in urls:
            html = b.get(url).get_data(as_text=True)
            assert SCRIPT not in html and "<b>Мира</b>" not in html, url
            if "documents" not in url:
                assert escaped in html, url


def test_markup_and_ampersand_in_names_give_a_valid_docx_with_the_literal_text(app):
    from docx import Document as Docx

    from casework.documents.context import load_common
    from casework.documents.services import document_file, issue_document, prepare
    from tests.factories import owned_flat

    acc = owned_flat(owners=1)
    hostile_name = 'ООО «Тепло & Свет» <Юг> "А"'
    acc.debtor_name = hostile_name
    party = db.session.scalar(select(Party).join(AccountParty).where(AccountParty.account_id == acc.id))
    party.full_name = hostile_name
    db.session.commit()
    prep = prepare("notice_debt", account_id=acc.id, common=load_common({}, date(2026, 11, 22)))
    doc = issue_document(prep, log_contact=False)
    db.session.commit()
    text = "\n".join(p.text for p in Docx(io.BytesIO(document_file(doc).read_bytes())).paragraphs)
    assert hostile_name in text
    assert "&amp;" not in text and "&lt;" not in text


@pytest.mark.parametrize("q", ["' OR 1=1 --", "'; DROP TABLE accounts; --", "\" OR \"\"=\"", "1' UNION SELECT 1--",
                               "\\", "%%", "_", "%", "Щ'", "\u202e", "😀"])
def test_hostile_search_text_neither_fails_nor_returns_everything(app, hostile, q):
    from casework.accounts.queries import search_terms

    searches = {"collector": ["/accounts/", "/cases/", "/contacts/"],
                "lawyer": ["/documents/", "/legal/portfolio"],
                "manager": ["/imports/"]}
    numbers = set(hostile["accounts"])
    for role, urls in searches.items():
        b = _login(app, hostile["users"][role])
        for url in urls:
            resp = b.get(url, query_string={"q": q})
            assert resp.status_code in (200, 404), (url, q, resp.status_code)
            html = resp.get_data(as_text=True)
            shown = {n for n in numbers if n in html}
            if url in ("/accounts/", "/cases/") and not search_terms(q):
                continue  # these searches keep letters and digits only: nothing left = no filter (documented)
            if q == "%":
                assert shown <= {"P00001"}, (url, shown)  # only the name with a literal %
            elif q == "_":
                assert shown <= {"P00002"}, (url, shown)
            else:
                assert shown == set(), (url, q, shown)
    assert db.session.scalar(select(Account.id).limit(1)) is not None  # the table is still there


def test_wildcards_are_literal_and_search_folds_yo(app, hostile):
    """Account and case search match the normalised search text (ё→е, punctuation dropped): «100%» finds the one
    name with 100 in it, not every row; «ёлкин» finds «Ёлкин». Other registries match % and _ literally."""
    b = _login(app, hostile["users"]["collector"])
    for url in ("/accounts/", "/cases/"):
        html = b.get(url, query_string={"q": "100%"}).get_data(as_text=True)
        assert "P00001" in html and "P00002" not in html and "F00000" not in html, url
        html = b.get(url, query_string={"q": "ёлкин"}).get_data(as_text=True)
        assert "P00003" in html and "P00002" not in html, url
    b = _login(app, hostile["users"]["manager"])
    html = b.get("/imports/", query_string={"q": "%"}).get_data(as_text=True)
    assert "accounts.csv" not in html  # no file name holds a literal %
    html = b.get("/imports/", query_string={"q": "ts.c"}).get_data(as_text=True)
    assert "accounts.csv" in html


@pytest.mark.parametrize("args", ["stage=' OR 1=1 --", "territory=1 OR 1=1", "assignee=abc", "debt_min=1;DROP",
                                  "hold=%27", "sort=number;DROP TABLE accounts", "dir=asc,(select 1)",
                                  "category=' OR ''='", "page=-1", "page=99999999999999999999"])
def test_hostile_filter_values_are_refused_or_ignored(app, hostile, args):
    b = _login(app, hostile["users"]["manager"])
    for base in ("/accounts/", "/cases/", "/contacts/", "/documents/", "/imports/"):
        resp = b.get(f"{base}?{args}")
        assert resp.status_code in (200, 400), (base, args, resp.status_code)
        if "stage=" in args and base == "/cases/":
            assert not re.search(r"F0000\d", resp.get_data(as_text=True))
