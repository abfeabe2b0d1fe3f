"""Report pages through the test client: the form with drill-down links, closing with confirmation, exports."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from casework.reports.services import monthly_report

from ..integration.report_data import FEB


def test_form_page_links_every_figure(client, login, hand_data):
    login("manager")
    resp = client.get("/reports/monthly?month=2026-02")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    links = set(re.findall(r'href="(/reports/monthly/2026-02/accounts\?[^"]+)"', html))
    assert len(links) == 21  # columns 3–9: 7 figures × (population, other, total)
    assert "figure=debt_end" in " ".join(links)
    assert "13,5" in html  # population debt at the start, thousands, Russian decimal comma


def test_drilldown_lists_the_accounts_and_exports(client, login, hand_data):
    login("manager")
    resp = client.get("/reports/monthly/2026-02/accounts?figure=overdue&category=population")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<td>A1</td>" in html
    assert "<td>A2</td>" not in html  # A2 has no overdue debt
    resp = client.get("/reports/monthly/2026-02/accounts?figure=paid&export=xlsx")
    ws = load_workbook(io.BytesIO(resp.data)).active
    numbers = sorted(r[0] for r in ws.iter_rows(min_row=3, values_only=True))
    assert numbers == ["A1", "A2", "A3"]
    assert client.get("/reports/monthly/2026-02/accounts?figure=nonsense").status_code == 404


def test_close_needs_confirmation_and_the_manager_role(client, login, hand_data):
    login("admin")
    assert client.post("/reports/monthly/2026-02/close", data={"confirm": "y"}).status_code == 403
    client.post("/auth/logout")
    login("manager")
    client.post("/reports/monthly/2026-02/close", data={})  # no confirmation ticked
    assert not monthly_report(FEB).is_closed
    resp = client.post("/reports/monthly/2026-02/close", data={"confirm": "y"})
    assert resp.status_code == 302
    assert monthly_report(FEB).is_closed
    html = client.get("/reports/monthly?month=2026-02").get_data(as_text=True)
    assert "/reports/monthly/2026-02/close" not in html


def test_exports_download(client, login, hand_data):
    login("manager")
    for fmt in ("xlsx", "docx", "csv", "json"):
        resp = client.get(f"/reports/monthly/2026-02/export/{fmt}")
        assert resp.status_code == 200 and resp.data, fmt
    assert client.get("/reports/monthly/2026-02/export/pdf").status_code == 404
    assert client.get("/reports/monthly/2026-99/export/json").status_code == 404


def test_other_pages_render(client, login, hand_data):
    login("manager")
    for url in ("/reports/", "/reports/measures?month=2026-02", "/reports/measures?month=2026-02&export=xlsx",
                "/reports/aging", "/reports/limitation", "/reports/breakdown?month=2026-02",
                "/reports/activity?month=2026-02", "/reports/dashboard"):
        assert client.get(url).status_code == 200, url
    html = client.get("/reports/dashboard").get_data(as_text=True)
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
