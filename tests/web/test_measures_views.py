"""The measures page and its downloads through the test client."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from ..integration.measures_data import build


def test_page_filters_and_exports(client, login, make_user):
    login("manager")
    ids = build(make_user("manager").id)
    from casework.extensions import db
    db.session.commit()
    resp = client.get("/reports/measures?month=2026-03")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'name="group"' in html and "badge warn" in html  # 2 filed against a target of 10
    resp = client.get(f"/reports/measures?month=2026-03&group=territory&territory={ids['t2']}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Витим" in html
    resp = client.get("/reports/measures?month=2026-03&tenure=owner")
    assert resp.status_code == 200
    for fmt, magic in (("xlsx", b"PK"), ("docx", b"PK"), ("csv", "\ufeff".encode())):
        resp = client.get(f"/reports/measures?month=2026-03&group=tenure&export={fmt}")
        assert resp.status_code == 200 and resp.data.startswith(magic), fmt
        assert f"measures-2026-03.{fmt}" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(client.get("/reports/measures?month=2026-03&export=xlsx").data)).active
    assert any(row[0] == "1" and row[2] == 3 for row in ws.iter_rows(values_only=True))


def test_collector_may_not_open_it(client, login):
    login("collector")
    assert client.get("/reports/measures?month=2026-03").status_code == 403
    assert client.get("/reports/measures?month=2026-03&export=xlsx").status_code == 403


# ------------------------------------------------------------------ what the commissions ask for

def _commission(login, make_user, role="manager"):
    from casework.extensions import db

    from ..integration.commission_data import build

    user = login(role)
    ids = build(make_user("lawyer"))
    db.session.commit()
    return user, ids


def test_quarter_with_the_split_and_the_registers(client, login, make_user):
    _user, ids = _commission(login, make_user)
    html = client.get("/reports/measures?period=2026-Q2").get_data(as_text=True)
    assert "II квартал 2026" in html and "за квартал" in html
    assert "Население" in html and "Прочие потребители" in html
    # the registers of п.21 and п.26 list the records themselves, with a link to the account
    assert html.count('href="/accounts/') >= 6
    for number in ("300001", "300002", "300003", "300004"):
        assert f">{number}</a>" in html
    assert "300005" not in html  # filed in July
    assert "ООО «Работодатель»" in html and "Арбитражный суд Республики Саха (Якутия)" in html
    # the same period chosen on the form (kind, year, quarter)
    assert "II квартал 2026" in client.get("/reports/measures?kind=quarter&year=2026&q=2").get_data(as_text=True)
    assert "2026 год" in client.get("/reports/measures?kind=year&year=2026&q=2").get_data(as_text=True)
    html = client.get("/reports/measures?period=2026-Q2&category=other").get_data(as_text=True)
    assert ">300003</a>" in html and ">300004</a>" in html and ">300001</a>" not in html
    resp = client.get("/reports/measures?period=2026-Q9")
    assert resp.status_code == 200 and "2026-Q9" in resp.get_data(as_text=True)  # said, and the default shown


def test_register_and_report_downloads(client, login, make_user):
    _commission(login, make_user)
    resp = client.get("/reports/measures?period=2026-Q2&export=xlsx&register=filings")
    assert resp.status_code == 200 and "filings-2026-Q2.xlsx" in resp.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    assert [r[3] for r in rows if isinstance(r[0], int)] == ["300001", "300002", "300003"]
    resp = client.get("/reports/measures?period=2026-Q2&export=xlsx&register=writs")
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    assert [r[3] for r in rows if isinstance(r[0], int)] == ["300004", "300001", "300002"]
    for fmt in ("xlsx", "docx", "csv"):
        resp = client.get(f"/reports/measures?period=2026-Q2&group=territory&export={fmt}")
        assert resp.status_code == 200 and f"measures-2026-Q2.{fmt}" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(client.get("/reports/measures?period=2026-Q2&export=xlsx").data))
    assert len(wb.worksheets) == 3  # the report and the two registers


def test_building_notice_is_reachable_and_buildings_name_their_settlement(client, login, make_user):
    from sqlalchemy import select

    from casework.accounts.models import Account
    from casework.extensions import db

    _user, ids = _commission(login, make_user)
    html = client.get("/reports/measures?period=2026-Q2").get_data(as_text=True)
    assert 'action="/documents/new"' in html and 'value="building_notice"' in html
    assert "kind=building_notice" in html  # the registry of the notices issued
    labels = ("п. Витим, ул. Лесная, д. 13", "с. Нюя, ул. Лесная, д. 13", "г. Ленск, ул. Лесная, д. 13")
    for label in labels:
        assert f">{label}</option>" in html
    bulk = client.get("/documents/bulk").get_data(as_text=True)
    for label in labels:
        assert f">{label}</option>" in bulk
    assert ">ул. Лесная, д. 13</option>" not in bulk
    acc = db.session.get(Account, ids["accounts"]["300001"])
    page = client.get(f"/accounts/{acc.id}").get_data(as_text=True)
    link = f"/documents/new?building_id={acc.building_id}&amp;code=building_notice"
    assert link in page
    resp = client.get(link.replace("&amp;", "&"))
    assert resp.status_code == 200 and "building_notice" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Account.building_id).where(Account.number == "300002")) != acc.building_id


def test_admin_sees_the_registry_link_but_not_the_preparation(client, login, make_user):
    _commission(login, make_user, role="admin")
    html = client.get("/reports/measures?period=2026-Q2").get_data(as_text=True)
    assert "kind=building_notice" in html and 'action="/documents/new"' not in html
