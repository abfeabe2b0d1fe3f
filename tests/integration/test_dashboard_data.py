"""The dashboard's «cases by stage» and «receipts by the stage that produced them» on the cases area's tables."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from casework.accounts.services import refresh_account_figures
from casework.cases.models import Case, StageChange
from casework.extensions import db
from casework.reports.analysis import cases_by_stage, receipts_by_stage

from .report_data import add_account, entry


def _case(acc: int, stage: str, is_open: bool, moves: list[tuple[str, date]]) -> int:
    cid = db.session.execute(insert(Case.__table__).values(
        account_id=acc, stage=stage, stage_since=moves[-1][1], is_open=is_open,
        opened_on=moves[0][1])).inserted_primary_key[0]
    for to_stage, on in moves:
        db.session.execute(insert(StageChange.__table__).values(case_id=cid, to_stage=to_stage, changed_on=on,
                                                                details={}))
    return cid


def _pay(acc: int, on: date, rub: int, source: str = "bank") -> None:
    entry(acc, "payment", on.replace(day=1), rub * 100, paid_on=on, source=source)


@pytest.fixture()
def stage_data(app):
    x1, x2, x3 = add_account("X1"), add_account("X2"), add_account("X3")
    x4, x5 = add_account("X4"), add_account("X5")
    _case(x1, "paid", False, [("debt_detected", date(2026, 1, 5)), ("notice", date(2026, 2, 1)),
                              ("court", date(2026, 3, 10)), ("paid", date(2026, 3, 20))])
    _case(x3, "restriction", True, [("debt_detected", date(2026, 2, 10)), ("restriction", date(2026, 3, 1))])
    _case(x4, "notice", True, [("debt_detected", date(2025, 11, 1)), ("notice", date(2025, 12, 1))])
    _case(x5, "notice", True, [("notice", date(2026, 1, 2))])
    _pay(x1, date(2026, 1, 20), 100)                   # debt_detected
    _pay(x1, date(2026, 2, 15), 200, "enforcement")    # notice
    _pay(x1, date(2026, 3, 10), 300)                   # court (moved that day)
    _pay(x1, date(2026, 3, 20), 400)                   # court: the move to «paid» that day is its consequence
    _pay(x1, date(2026, 3, 25), 500)                   # after the case ended: no case
    _pay(x2, date(2026, 2, 1), 50)                     # never had a case
    _pay(x3, date(2026, 2, 5), 70)                     # before its case was opened
    _pay(x3, date(2026, 3, 5), 80)                     # restriction
    _pay(x4, date(2025, 12, 20), 1000)                 # before the window
    _pay(x4, date(2026, 4, 1), 2000)                   # after the window
    _pay(x4, date(2026, 1, 31), 9)                     # notice (since 01.12.2025)
    refresh_account_figures()  # as every writer of the ledger does: the total comes from service_months


def test_receipts_by_stage(stage_data):
    got = dict(receipts_by_stage(date(2026, 1, 1), date(2026, 4, 1)))
    assert got == {"debt_detected": 100_00, "notice": 209_00, "court": 700_00, "restriction": 80_00,
                   "": 620_00}  # no case: 500 + 50 + 70
    march = dict(receipts_by_stage(date(2026, 3, 1), date(2026, 4, 1)))
    assert march == {"court": 700_00, "restriction": 80_00, "": 500_00}


def test_cases_by_stage_is_the_open_funnel(stage_data):
    assert cases_by_stage() == [("notice", 2), ("restriction", 1)]


def test_dashboard_shows_both_charts(client, login, stage_data):
    db.session.commit()
    login("manager")
    html = client.get("/reports/dashboard").get_data(as_text=True)
    assert html.count("<svg") == 4  # debt, collection rate, funnel, receipts (none replaced by a «no data» note)
