"""The JSON API against a real database (SQLite and PostgreSQL): tokens made on the admin page, rows pushed through
the import pipeline with idempotency, refusals as problem details, figures equal to the account page's."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from casework.accounts.models import Account, LedgerEntry
from casework.api.models import ApiIdempotencyKey, ApiToken
from casework.extensions import db
from casework.imports.models import ImportBatch
from casework.timeutil import today

from .test_imports import load_accounts

PROBLEM = "application/problem+json"


def _month(back: int) -> date:
    d = today().replace(day=1)
    for _ in range(back):
        d = (d.replace(day=1) - __import__("datetime").timedelta(days=1)).replace(day=1)
    return d


M2, M1 = _month(2), _month(1)  # two months ago, last month: inside the import's plausible dates


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def admin_browser(app, make_user):
    """An administrator's browser (its own test client and cookies)."""
    from tests.conftest import PASSWORD

    admin = make_user("admin")
    c = app.test_client()
    assert c.post("/auth/login", data={"username": admin.username, "password": PASSWORD}).status_code == 302
    return c


@pytest.fixture()
def new_token(admin_browser):
    """new_token('write') → the token as the admin page shows it, once."""

    def make(scope: str = "write", name: str = "Биллинг") -> str:
        resp = admin_browser.post("/api-tokens/", data={"name": name, "scope": scope})
        assert resp.status_code == 200
        html = resp.get_data(as_text=True)
        m = re.search(r'<code class="api-token">(cw_[A-Za-z0-9_-]+)</code>', html)
        assert m, html[:2000]
        # shown once: the list afterwards has only its first characters
        again = admin_browser.get("/api-tokens/").get_data(as_text=True)
        assert m.group(1) not in again and m.group(1)[:10] in again
        return m.group(1)

    return make


@pytest.fixture()
def api(app):
    """A client of another system: no cookies, a bearer token per call."""
    c = app.test_client()

    def call(method: str, path: str, token: str | None = None, **kw):
        headers = dict(kw.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return getattr(c, method)(path, headers=headers, **kw)

    return call


def _payments(*amounts_kop, number="100001", reference="П"):
    return {"rows": [{"account_number": number, "service": "heating", "amount_kop": a,
                      "paid_on": M1.replace(day=10 + i % 15).isoformat(), "source": "bank",
                      "reference": f"{reference}-{i}"} for i, a in enumerate(amounts_kop)]}


def _charges():
    return {"rows": [
        {"account_number": "100001", "service": "heating", "period": M2.isoformat()[:7], "kind": "charge",
         "amount_kop": 250050},
        {"account_number": "100001", "service": "Отопление", "period": M1.isoformat()[:7], "kind": "charge",
         "amount_kop": 250050},
        {"account_number": "100002", "service": "hot_water", "period": M1.isoformat()[:7], "kind": "charge",
         "amount_kop": 80000},
    ]}


def test_token_is_stored_hashed_and_required(app, api, new_token):
    load_accounts()
    token = new_token("read")
    row = db.session.scalar(select(ApiToken))
    assert row.token_sha256 != token and len(row.token_sha256) == 64 and token not in str(row.__dict__)
    resp = api("get", "/api/v1/accounts")
    assert resp.status_code == 401 and resp.mimetype == PROBLEM
    body = resp.get_json()
    assert body["status"] == 401 and "Authorization: Bearer" in body["detail"]
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert api("get", "/api/v1/accounts", "cw_not-a-token").status_code == 401
    assert row.last_used_at is None
    ok = api("get", "/api/v1/accounts", token)
    assert ok.status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_push_payments_twice_with_the_same_key_writes_one_set_of_rows(app, api, new_token):
    load_accounts()
    token = new_token("write")
    before = count(LedgerEntry)
    body = _payments(150000, 2550)
    first = api("post", "/api/v1/payments", token, json=body, headers={"Idempotency-Key": "pay-2026-1"})
    assert first.status_code == 200, first.get_data(as_text=True)
    out = first.get_json()
    assert (out["status"], out["rows_total"], out["rows_inserted"], out["rows_duplicate"]) == ("committed", 2, 2, 0)
    assert count(LedgerEntry) == before + 2
    batches = count(ImportBatch)
    again = api("post", "/api/v1/payments", token, json=body, headers={"Idempotency-Key": "pay-2026-1"})
    assert again.status_code == 200 and again.get_json() == out
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(LedgerEntry) == before + 2 and count(ImportBatch) == batches  # nothing run again
    assert count(ApiIdempotencyKey) == 1
    # the same key with another body is refused
    other = api("post", "/api/v1/payments", token, json=_payments(1), headers={"Idempotency-Key": "pay-2026-1"})
    assert other.status_code == 422 and other.mimetype == PROBLEM
    assert other.get_json()["type"].endswith("idempotency-key-reused")
    # without a key, the same payload is recognised by the import's dedup keys and its sha256
    plain = api("post", "/api/v1/payments", token, json=body)
    assert plain.status_code == 200
    p = plain.get_json()
    assert (p["rows_inserted"], p["rows_duplicate"], p["earlier_batch_id"]) == (0, 2, out["batch_id"])
    assert p["sha256"] == out["sha256"]
    assert count(LedgerEntry) == before + 2
    rows = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "payment")
                              .order_by(LedgerEntry.amount_kop)).all()
    assert [(r.amount_kop, r.source, r.reference, r.paid_on) for r in rows] == [
        (2550, "bank", "П-1", M1.replace(day=11)), (150000, "bank", "П-0", M1.replace(day=10))]
    batch = db.session.get(ImportBatch, out["batch_id"])
    assert (batch.via, batch.kind, batch.file_sha256) == ("api", "ledger", out["sha256"])


def test_a_bad_row_is_422_with_row_field_reason_and_nothing_is_written(app, api, new_token):
    load_accounts()
    token = new_token("write")
    before = count(LedgerEntry)
    body = _payments(1000, 2000, 3000)
    body["rows"][1]["account_number"] = "999999"
    resp = api("post", "/api/v1/payments", token, json=body, headers={"Idempotency-Key": "k-bad"})
    assert resp.status_code == 422 and resp.mimetype == PROBLEM
    p = resp.get_json()
    assert p["type"] == "urn:casework:problem:invalid-rows"
    assert "ничего не загружено" in p["detail"]
    assert p["errors"] == [{"index": 1, "field": "account_number", "pointer": "/rows/1/account_number",
                            "reason": "неизвестный лицевой счёт 999999"}]
    assert count(LedgerEntry) == before
    assert db.session.get(ImportBatch, p["batch_id"]).status == "rejected"
    assert count(ApiIdempotencyKey) == 0  # a refusal does not use up the key: the corrected body may take it
    # a charge below zero: the import's own rule, reported on the API's field
    charges = _charges()
    charges["rows"][2]["amount_kop"] = -5
    resp = api("post", "/api/v1/charges", token, json=charges)
    assert resp.status_code == 422
    errs = resp.get_json()["errors"]
    assert [(e["index"], e["field"]) for e in errs] == [(2, "amount_kop")]
    assert "отрицательная" in errs[0]["reason"].lower()
    # a body against the schema: every problem with its row and field, nothing written
    resp = api("post", "/api/v1/charges", token, json={"rows": [
        {"account_number": "100001", "service": "heating", "period": "2026-13", "kind": "charge",
         "amount_kop": 1},
        {"account_number": "100001", "service": "heating", "period": M1.isoformat()[:7], "kind": "charge"}]})
    assert resp.status_code == 422
    p = resp.get_json()
    assert p["type"].endswith("schema-violation")
    assert {(e["index"], e["field"]) for e in p["errors"]} == {(0, "period"), (1, "amount_kop")}
    assert any(e["reason"] == "поле обязательно" for e in p["errors"])
    assert count(LedgerEntry) == before
    # the corrected body takes the key
    body["rows"][1]["account_number"] = "100002"
    ok = api("post", "/api/v1/payments", token, json=body, headers={"Idempotency-Key": "k-bad"})
    assert ok.status_code == 200 and ok.get_json()["rows_inserted"] == 3


def test_balances_read_back_equal_the_account_page(app, api, new_token, admin_browser):
    load_accounts()
    token = new_token("write")
    assert api("post", "/api/v1/charges", token, json=_charges()).status_code == 200
    assert api("post", "/api/v1/payments", token, json=_payments(100000)).status_code == 200
    resp = api("get", "/api/v1/accounts/100001/balance", token)
    assert resp.status_code == 200
    b = resp.get_json()
    assert b["figures"]["balance_kop"] == 250050 * 2 - 100000
    acc = db.session.scalar(select(Account).where(Account.number == "100001"))
    page = admin_browser.get(f"/accounts/{acc.id}").get_data(as_text=True)
    shown = re.search(r'<th>Долг</th><td class="stat">([^<]+)</td>', page).group(1)
    with app.test_request_context():
        from casework.i18n import format_money

        assert format_money(b["figures"]["balance_kop"], kopecks=True) == shown
        overdue = re.search(r"<th>Просрочено</th><td>([^<]+)</td>", page).group(1)
        assert format_money(b["figures"]["overdue_kop"], kopecks=True) == overdue
    # the legal figures are the calculator page's (the legal area's calculation, through the adapter)
    from casework.legal.services import account_calculation

    calc = account_calculation(acc.id, today())
    legal = b["legal"]
    assert legal is not None, b["legal_error"]
    assert (legal["debt_kop"], legal["penalty_kop"], legal["claimable_kop"]) == (
        calc.debt_kop, calc.penalty_kop, calc.claimable_kop)
    assert legal["debt_kop"] == 250050 * 2 - 100000
    # accounts: paginated, filtered by number; the case stage
    lst = api("get", "/api/v1/accounts?per_page=2", token).get_json()
    assert (lst["total"], len(lst["items"]), lst["items"][0]["number"]) == (3, 2, "100001")
    assert api("get", "/api/v1/accounts?per_page=2&page=2", token).get_json()["items"][0]["number"] == "100003"
    one = api("get", "/api/v1/accounts?number=100002", token).get_json()
    assert [a["number"] for a in one["items"]] == ["100002"] and one["items"][0]["balance_kop"] == 80000
    assert api("get", "/api/v1/accounts?page=0", token).status_code == 400
    case = api("get", "/api/v1/accounts/100001/case", token).get_json()
    assert case == {"account_number": "100001", "case": None, "cases_total": 0}
    from casework.cases import services as case_services

    admin = db.session.scalar(select(ApiToken)).created_by
    opened = case_services.open_case(acc.id, admin, today())
    db.session.commit()
    case = api("get", "/api/v1/accounts/100001/case", token).get_json()
    assert case["case"]["id"] == opened.id and case["case"]["stage"] == opened.stage
    assert case["case"]["stage_label"] and case["cases_total"] == 1
    missing = api("get", "/api/v1/accounts/nope/balance", token)
    assert missing.status_code == 404 and missing.mimetype == PROBLEM and "nope" in missing.get_json()["detail"]


def test_revoked_token_is_401_and_read_only_token_cannot_write(app, api, new_token, admin_browser):
    load_accounts()
    writer, reader = new_token("write", "Касса"), new_token("read", "Портал")
    before = count(LedgerEntry)
    resp = api("post", "/api/v1/payments", reader, json=_payments(100))
    assert resp.status_code == 403 and resp.mimetype == PROBLEM
    assert resp.get_json()["type"].endswith("insufficient-scope")
    assert count(LedgerEntry) == before
    assert api("get", "/api/v1/accounts", reader).status_code == 200
    assert api("get", "/api/v1/accounts", writer).status_code == 200  # write may read
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "Касса"))
    assert admin_browser.post(f"/api-tokens/{row.id}/revoke").status_code == 302
    for method, path in (("get", "/api/v1/accounts"), ("post", "/api/v1/payments")):
        resp = api(method, path, writer, json=_payments(100))
        assert resp.status_code == 401 and resp.get_json()["detail"] == "API-токен неизвестен или отозван."
    assert count(LedgerEntry) == before
    assert "отозван" in admin_browser.get("/api-tokens/").get_data(as_text=True)


def test_limits_and_errors_are_problem_details(app, api, new_token, monkeypatch):
    load_accounts()
    token = new_token("write")
    monkeypatch.setitem(app.config, "API_MAX_BODY_BYTES", 2000)
    big = _payments(*range(1, 60))
    resp = api("post", "/api/v1/payments", token, json=big)
    assert resp.status_code == 413 and resp.mimetype == PROBLEM
    resp = api("post", "/api/v1/payments", token, data="{not json", content_type="application/json")
    assert resp.status_code == 400 and resp.mimetype == PROBLEM
    resp = api("post", "/api/v1/payments", token, data="a=1", content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 415
    assert api("get", "/api/v1/nothing-here", token).mimetype == PROBLEM
    assert api("get", "/api/v1/payments", token).status_code == 405
    monkeypatch.setitem(app.config, "API_RATE_LIMIT_PER_MINUTE", 3)
    token = new_token("read", "Опросчик")  # a fresh token: the requests above counted for the first one
    codes = [api("get", "/api/v1/accounts", token).status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    resp = api("get", "/api/v1/accounts", token)
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1


def test_openapi_document_is_served_and_is_openapi_31(app, api):
    resp = api("get", "/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/payments", "/api/v1/charges", "/api/v1/accounts", "/api/v1/accounts/{number}/balance",
            "/api/v1/accounts/{number}/case"} <= set(doc["paths"])
    # every API route is in the document, and nothing else
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1/")}
    assert routes == set(doc["paths"])


def test_the_same_key_sent_twice_at_once_writes_one_set_of_rows(app, new_token):
    """Two deliveries of one request race (a client retrying on a timeout): the rows are written once, both get
    the same answer and one Idempotency-Key row is kept."""
    import threading

    from .test_concurrency import _run_threads

    load_accounts()
    token = new_token("write")
    before = count(LedgerEntry)
    body = _payments(*range(100, 400))
    start = threading.Barrier(2)

    def deliver():
        c = app.test_client()
        start.wait(10)
        resp = c.post("/api/v1/payments", json=body, headers={"Authorization": f"Bearer {token}",
                                                             "Idempotency-Key": "race-1"})
        return resp.status_code, resp.get_json()

    results = _run_threads([deliver, deliver])
    assert all(isinstance(r, tuple) for r in results), results
    (s1, b1), (s2, b2) = results
    assert (s1, s2) == (200, 200), results
    assert b1 == b2 and b1["rows_inserted"] == 300
    assert count(LedgerEntry) == before + 300
    assert count(ApiIdempotencyKey) == 1


def test_control_characters_are_refused_not_passed_to_the_database(app, api, new_token):
    """PostgreSQL refuses NUL in text: a NUL (or a line break) in a value or a path is a 4xx, never a 500."""
    load_accounts()
    token = new_token("write")
    before = count(LedgerEntry)
    assert api("get", "/api/v1/accounts/%00/balance", token).status_code == 404
    assert api("get", "/api/v1/accounts/a%00b/case", token).status_code == 404
    assert api("get", "/api/v1/accounts?number=%00", token).status_code == 400
    body = _payments(100)
    body["rows"][0]["reference"] = "a\x00b"
    resp = api("post", "/api/v1/payments", token, json=body)
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == [{"index": 0, "field": "reference", "pointer": "/rows/0/reference",
                                          "reason": "текст должен быть одной строкой без управляющих символов"}]
    assert count(LedgerEntry) == before


def test_a_failure_inside_the_import_writes_nothing_and_answers_500_problem(app, api, new_token, monkeypatch):
    from casework.imports import ledger

    load_accounts()
    token = new_token("write")
    before = count(LedgerEntry)

    def boom(n):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ledger, "after_chunk", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    resp = api("post", "/api/v1/payments", token, json=_payments(100, 200), headers={"Idempotency-Key": "f-1"})
    assert resp.status_code == 500 and resp.mimetype == PROBLEM
    assert resp.get_json()["detail"] == "Внутренняя ошибка; запрос не выполнен."
    assert count(LedgerEntry) == before and count(ApiIdempotencyKey) == 0
    failed = db.session.scalars(select(ImportBatch).where(ImportBatch.status == "failed")).all()
    assert [(b.via, "disk on fire" in b.message) for b in failed] == [("api", True)]
    monkeypatch.setattr(ledger, "after_chunk", None)
    ok = api("post", "/api/v1/payments", token, json=_payments(100, 200), headers={"Idempotency-Key": "f-1"})
    assert ok.status_code == 200 and ok.get_json()["rows_inserted"] == 2


def test_token_page_refuses_a_nameless_token_and_lists_scope_creator_and_use(app, api, admin_browser, new_token):
    resp = admin_browser.post("/api-tokens/", data={"name": "  ", "scope": "write"})
    assert resp.status_code == 200 and "cw_" not in resp.get_data(as_text=True)
    assert count(ApiToken) == 0
    token = new_token("read", "Портал оплаты")
    api("get", "/api/v1/accounts", token)
    html = admin_browser.get("/api-tokens/").get_data(as_text=True)
    row = re.search(r"<tr><td>Портал оплаты</td>.*?</tr>", html, re.S).group(0)
    assert "чтение" in row and "никогда" not in row and "активен" in row
    stored = db.session.scalar(select(ApiToken))
    assert stored.created_by is not None and stored.created_by.username in row
