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
