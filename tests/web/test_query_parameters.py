"""Oversized and negative integers in query parameters (issue: security, item 6): 400 naming the field, never a
500 — on both engines (PostgreSQL refuses an INTEGER beyond 2³¹−1 and a BIGINT beyond 2⁶³−1 where SQLite takes the
former; Python's dates refuse a year 0 or 10**20).

Every integer parameter the list pages read goes through `casework.pagination.int_arg` / `check_int` /
`check_kopecks`; the documents pages (not changed here) are covered by the error handler's net for numbers the
database refuses.
"""
from __future__ import annotations

import pytest

from casework.cases.models import Court
from casework.extensions import db

HUGE = "99999999999999999999"
ENDLESS = "9" * 5000  # more digits than Python's int() reads from a string
BEYOND_BIGINT = "9223372036854775808"
BEYOND_INT = "2147483648"

# (path, parameter, values answered 400, a value answered 200)
PARAMS = [
    ("/accounts/", "debt_min", [HUGE, "-" + HUGE, "92233720368547758,08"], "1 500,50"),
    ("/accounts/", "debt_max", [HUGE, "-" + HUGE], "-5"),
    ("/accounts/export.csv", "debt_min", [HUGE], "100"),
    ("/cases/", "debt_min", [HUGE, "-" + HUGE], "100"),
    ("/cases/", "debt_max", [HUGE], "-5"),
    ("/cases/", "assignee", [HUGE, BEYOND_BIGINT, BEYOND_INT, "-1", ENDLESS], "0"),
    ("/cases/", "territory", [HUGE, BEYOND_INT, "-3"], "1"),
    ("/cases/queue", "user", [HUGE, BEYOND_INT, "-1"], "1"),
    ("/cases/neglected", "user", [HUGE, BEYOND_INT, "-1"], "1"),
    ("/cases/courts/{court}/buildings", "territory", [HUGE, BEYOND_INT, "-1"], "1"),
    ("/legal/reference", "year", [HUGE, BEYOND_INT, "0", "-1", "10000"], "2024"),
    ("/legal/portfolio", "within", [HUGE, BEYOND_INT, "-1", "36601"], "30"),
    ("/audit/", "entity_id", [HUGE, BEYOND_BIGINT, BEYOND_INT, "-1", ENDLESS, "-" + ENDLESS], "5"),
    ("/reports/measures", "territory", [HUGE, BEYOND_INT, "-1"], "1"),
    # not changed here (documents): the net under int_arg answers what the database refuses on both engines
    ("/documents/", "batch", [HUGE, BEYOND_BIGINT], "3"),
    ("/documents/new", "account_id", [HUGE], None),
    ("/documents/new", "case_id", [HUGE], None),
    ("/documents/new", "building_id", [HUGE], None),
]


@pytest.fixture()
def manager(client, login):
    login("manager")
    court = Court(code="test-court", name="Судебный участок № 1", address="г. Ленск")
    db.session.add(court)
    db.session.commit()
    return court.id


@pytest.mark.parametrize("path,name,bad,good", PARAMS, ids=[f"{p}?{n}" for p, n, *_r in PARAMS])
def test_an_out_of_range_number_is_a_400_naming_the_field(client, manager, path, name, bad, good):
    path = path.format(court=manager)
    for value in bad:
        resp = client.get(path, query_string={name: value})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400, (path, name, value, resp.status_code)
        assert f"{name}»" in body or f"({name})" in body, (path, name, value, body[-800:])
        assert "вне допустимого диапазона" in body or "слишком велика" in body, body[-800:]
    if good is not None:
        resp = client.get(path, query_string={name: good})
        resp.get_data()  # an export streams: read it to the end
        resp.close()
        assert resp.status_code == 200, (path, name, good, resp.status_code)


def test_the_message_names_the_form_field_and_the_range(client, manager):
    body = client.get("/accounts/", query_string={"debt_min": HUGE}).get_data(as_text=True)
    assert "Сумма в поле «Долг от, ₽» (debt_min) слишком велика." in body
    body = client.get("/legal/reference", query_string={"year": "0"}).get_data(as_text=True)
    assert "Значение 0 в поле «year» вне допустимого диапазона: ожидается целое число от 1 до 9999." in body


def test_a_page_number_out_of_range_still_shows_a_page(client, manager):
    """`page` keeps its clamp (1 … MAX_PAGE): a bookmark with a huge or negative page shows the nearest page."""
    for path in ("/accounts/", "/cases/", "/audit/", "/documents/", "/legal/portfolio"):
        for value in (HUGE, "-1", "0"):
            assert client.get(path, query_string={"page": value}).status_code == 200, (path, value)


def test_a_month_parameter_on_the_drilldown_is_ignored_not_a_500(client, manager):
    """The drilldown's export links repeat the query; a stray `month=` in it collided with the path's month."""
    resp = client.get("/reports/monthly/2025-01/accounts", query_string={"figure": "charged", "month": HUGE})
    assert resp.status_code == 200
    assert "month=" + HUGE not in resp.get_data(as_text=True)
