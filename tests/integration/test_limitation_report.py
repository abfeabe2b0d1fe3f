"""The limitation report with the events that stop or restart the clock (court filings, cancellations,
signed payment agreements), on four accounts computable by hand, as of 01.06.2026.

Every account is charged 1 000 for 03.2023, 2 000 for 05.2023, 3 000 for 06.2023, 4 000 for 07.2023 and
5 000 for 09.2023 (₽), nothing paid. Without events each month bars three years after its due date (the
10th of the next month, ГК 196/200): 03.2023 in April 2026 (already barred), 05.2023 around 10.06.2026
(≤ 30 days), 06.2023 around 10.07.2026 (≤ 60), 07.2023 around 10.08.2026 (≤ 90), 09.2023 in October (later).
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from casework.cases.models import Case, CourtRecord
from casework.contacts.models import PaymentAgreement
from casework.extensions import db
from casework.reports.analysis import limitation_report

from .report_data import add_account, entry, refresh_figures

AS_OF = date(2026, 6, 1)
CHARGES = ((date(2023, 3, 1), 1000_00), (date(2023, 5, 1), 2000_00), (date(2023, 6, 1), 3000_00),
           (date(2023, 7, 1), 4000_00), (date(2023, 9, 1), 5000_00))


def _case(acc: int) -> int:
    return db.session.execute(insert(Case.__table__).values(
        account_id=acc, stage="court", stage_since=date(2025, 1, 1), opened_on=date(2025, 1, 1))).inserted_primary_key[0]


def _order(case_id: int, filed_on: date, cancelled_on: date | None = None) -> None:
    db.session.execute(insert(CourtRecord.__table__).values(
        case_id=case_id, kind="order", filed_on=filed_on, cancelled_on=cancelled_on,
        outcome="cancelled" if cancelled_on else "pending", period_from=date(2023, 5, 1), period_to=date(2023, 7, 1)))


@pytest.fixture()
def lim_data(app):
    ids = {}
    for number, cat in (("L1", "population"), ("L2", "population"), ("L3", "population"), ("L4", "other")):
        acc = ids[number] = add_account(number, cat)
        for period, kop in CHARGES:
            entry(acc, "charge", period, kop)
    # L2: court order for 05–07.2023 filed 20.05.2026 and pending → those months' clocks are stopped
    _order(_case(ids["L2"]), date(2026, 5, 20))
    # L3: payment agreement signed 15.01.2026 acknowledges the whole debt → every month restarts (ГК 203)
    db.session.execute(insert(PaymentAgreement.__table__).values(
        account_id=ids["L3"], status="on_track", debt_kop=15000_00, months=6, first_due_on=date(2026, 2, 10),
        day_of_month=10, signed_on=date(2026, 1, 15)))
    # L4: order for 05–07.2023 filed 01.06.2025, cancelled 01.04.2026: ~10 months stopped, more than six
    #     months were left, so 05–07.2023 now bar in 2027; 03.2023 was not in the order
    _order(_case(ids["L4"]), date(2025, 6, 1), date(2026, 4, 1))
    refresh_figures(date(2026, 6, 1))
    db.session.flush()
    return ids


EXPECTED = {
    # L1 barred 1 000 (03.2023), within 30: 2 000, 60: 2 000 + 3 000, 90: + 4 000
    # L2 barred 1 000; 05–07.2023 stopped (no risk); L3 nothing (restarted)
    "population": {"barred": 2000_00, 30: 2000_00, 60: 5000_00, 90: 9000_00},
    # L4 barred 1 000 (03.2023 only)
    "other": {"barred": 1000_00, 30: 0, 60: 0, 90: 0},
}


def _check(data):
    for cat, exp in EXPECTED.items():
        assert data["rows"][cat] == exp, cat
    assert data["rows"]["total"]["barred"] == 3000_00
    assert [(a[1], a[4], a[5], a[6]) for a in data["accounts"]] == [("L1", 2000_00, 5000_00, 9000_00)]


def test_events_are_applied_without_a_portfolio_run(lim_data):
    data = limitation_report(AS_OF)
    assert data["run"] is None and data["computed"] == 4
    _check(data)


def test_same_figures_from_the_portfolio_run(lim_data):
    from casework.legal.portfolio import run_portfolio

    run_portfolio(AS_OF)
    db.session.flush()
    data = limitation_report(AS_OF)
    assert data["run"] is not None
    _check(data)
    assert data["computed"] < 4  # L3 (restarted) is not recalculated: its nearest date is years away


def test_page_says_which_events_are_applied(client, login, lim_data):
    db.session.commit()
    login("lawyer")
    html = client.get("/reports/limitation?as_of=2026-06-01").get_data(as_text=True)
    assert ">L1</a>" in html and f"/legal/account/{lim_data['L1']}" in html
    assert ">L2</a>" not in html  # its clock is stopped by the pending order
    assert client.get("/reports/limitation?as_of=junk").status_code == 200
