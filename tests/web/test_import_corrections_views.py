"""A manager's corrected export through the web, with CSRF on: upload the 1С export, upload its corrected version,
see the changed and the missing payment in the preview, confirm «заменить данные периода» (refused without the
confirmation box), then «Отменить загрузку» (refused without its box, then done, then refused the second time)."""
import io
import re

import pytest
from sqlalchemy import func, select

from casework.accounts.models import Account, AccountBalance, LedgerEntry
from casework.extensions import db
from casework.imports.models import ImportBatch
from tests.conftest import PASSWORD
from tests.integration.test_import_corrections import REGISTRY, ledger_file
from tests.web.test_csrf import Browser

TOKEN_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


def token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    m = TOKEN_RE.search(html) or re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert m, f"no csrf_token on {path}"
    return m.group(1)


def upload(client, kind: str, data: bytes, name: str) -> str:
    t = token(client, "/imports/new")
    resp = client.post("/imports/new", data={"kind": kind, "file": (io.BytesIO(data), name), "csrf_token": t},
                       content_type="multipart/form-data")
    assert resp.status_code == 302, re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True).split("<main")[-1])[:800]
    return resp.headers["Location"]


def confirm(client, preview_url: str, **extra):
    return client.post(preview_url, data={"csrf_token": token(client, preview_url), **extra})


def latest_batch() -> ImportBatch:
    return db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))


def payments() -> int:
    return int(db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount_kop), 0))
                                 .where(LedgerEntry.kind == "payment")))


def balance(number: str) -> int:
    return db.session.scalar(select(AccountBalance.balance_kop).join(Account, Account.id == AccountBalance.account_id)
                             .where(Account.number == number))


def test_preview_replace_and_undo(csrf_on, make_user):
    client = Browser(csrf_on)  # every request in a fresh app context, as in production (no token cached in `g`)
    user = make_user("manager")
    t = token(client, "/auth/login")
    assert client.post("/auth/login", data={"username": user.username, "password": PASSWORD,
                                            "csrf_token": t}).status_code == 302
    assert confirm(client, upload(client, "accounts", REGISTRY, "реестр.csv")).status_code == 302
    url = upload(client, "ledger", ledger_file(), "Выгрузка 1С.csv")
    assert confirm(client, url).status_code == 302
    first = latest_batch()
    assert first.status == "committed" and payments() == 280000

    # the corrected export: П-17 1 500,00 → 1 200,00, П-18 deleted
    url = upload(client, "ledger", ledger_file(p17="1 200,00", with_p18=False), "Выгрузка 1С (испр).csv")
    html = client.get(url).get_data(as_text=True)
    assert "changed-rows" in html and "gone-rows" in html and 'name="replace_period"' in html
    changed = re.search(r'<table class="data small changed-rows">.*?</table>', html, re.S).group(0)
    assert "П-17" in changed and "1\xa0500,00" in changed and "1\xa0200,00" in changed
    gone = re.search(r'<table class="data small gone-rows">.*?</table>', html, re.S).group(0)
    assert "П-18" in gone and "300,00" in gone
    assert "Заменить данные периода" in html  # the Russian UI

    # «replace» without the confirmation box: refused, nothing written
    before = latest_batch().id
    resp = confirm(client, url, replace_period="y")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(url.split("localhost")[-1])
    assert latest_batch().id == before and payments() == 280000
    # a request without the CSRF token is refused
    assert client.post(url, data={"replace_period": "y", "confirm_replace": "y"}).status_code == 400
    # with it: reversals of П-17 and П-18, the new П-17
    resp = confirm(client, url, replace_period="y", confirm_replace="y")
    assert resp.status_code == 302
    rep = latest_batch()
    assert (rep.status, rep.rows_updated, rep.options["corrections"]["reversed"]) == ("committed", 1, 2)
    assert payments() == 100000 + 120000
    assert balance("000101") == 250050 * 2 - 220000 and balance("000102") == 80000
    show = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"/imports/{rep.id}/undo" in show

    # «Отменить загрузку»: the page says what is reversed; POST without the box is refused
    page = client.get(f"/imports/{rep.id}/undo").get_data(as_text=True)
    assert "undo-plan" in page and "Отменить загрузку" in page
    assert client.post(f"/imports/{rep.id}/undo",
                       data={"csrf_token": token(client, f"/imports/{rep.id}/undo")}).status_code == 400
    assert db.session.get(ImportBatch, rep.id).status == "committed"
    resp = client.post(f"/imports/{rep.id}/undo",
                       data={"csrf_token": token(client, f"/imports/{rep.id}/undo"), "confirm": "y"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(ImportBatch, rep.id).status == "undone"
    assert payments() == 280000 and balance("000101") == 250050 * 2 - 250000 and balance("000102") == 50000
    show = client.get(f"/imports/{rep.id}").get_data(as_text=True)
    assert "undone" in show and f"/imports/{rep.id}/undo" not in show
    # a second undo is refused
    page = client.get(f"/imports/{rep.id}/undo").get_data(as_text=True)
    assert "undo-refused" in page
    rows = db.session.scalar(select(func.count()).select_from(LedgerEntry))
    client.post(f"/imports/{rep.id}/undo", data={"csrf_token": token(client, f"/imports/{rep.id}/undo"),
                                                 "confirm": "y"})
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == rows


def test_a_collector_may_not_undo(client, login, app):
    login("collector")
    assert client.get("/imports/1/undo").status_code == 403
    assert client.post("/imports/1/undo", data={"confirm": "y"}).status_code == 403


def test_a_partial_file_keeps_the_accounts_it_lacks_unless_ticked(csrf_on, make_user):
    """A bank's registry of one account's payment: the other account's payment of the month is listed apart, kept by
    «заменить данные периода», and reversed only with the extra box ticked."""
    from tests.integration.test_import_corrections import HEADER, M, month_words

    client = Browser(csrf_on)
    user = make_user("manager")
    t = token(client, "/auth/login")
    client.post("/auth/login", data={"username": user.username, "password": PASSWORD, "csrf_token": t})
    confirm(client, upload(client, "accounts", REGISTRY, "реестр.csv"))
    confirm(client, upload(client, "ledger", ledger_file(), "Выгрузка 1С.csv"))
    bank = (HEADER + f"000101;{month_words(M)};Отопление;Оплачено;1 200,00;15.{M:%m.%Y};Банк;П-17\n").encode("cp1251")
    url = upload(client, "ledger", bank, "Реестр банка.csv")
    html = client.get(url).get_data(as_text=True)
    absent = re.search(r'<table class="data small absent-rows">.*?</table>', html, re.S).group(0)
    assert "000102" in absent and "П-18" in absent and "gone-rows" not in html
    assert 'name="replace_absent"' in html and "Сторнировать и записи счетов, которых нет в файле" in html
    assert confirm(client, url, replace_period="y", confirm_replace="y").status_code == 302
    assert balance("000102") == 80000 - 30000  # П-18 kept
    assert latest_batch().options["replace_absent"] is False

    url = upload(client, "ledger", bank, "Реестр банка.csv")  # same file: П-17 is now already replaced
    assert confirm(client, url, replace_period="y", confirm_replace="y", replace_absent="y").status_code == 302
    db.session.expire_all()
    assert latest_batch().options["corrections"]["absent_reversed"] == 1 and balance("000102") == 80000
