"""Closing a month freezes the submitted figures; later corrections appear in the next month's report."""
from __future__ import annotations

from datetime import date

import pytest

from casework.extensions import db
from casework.reports.queries import fetch_form_figures
from casework.reports.services import MonthNotClosable, close_month, monthly_report

from .report_data import FEB, entry, refresh_figures, rub

MAR = date(2026, 3, 1)


def test_close_freezes_and_corrections_go_to_next_month(hand_data, make_user):
    manager = make_user("manager")
    before = monthly_report(FEB)
    assert not before.is_closed
    close_month(FEB, manager, today=date(2026, 3, 5))
    db.session.commit()

    # late lines dated in the closed month: A4 recalculated +100.00 for January, A1 paid 500.00 on 20.02
    entry(hand_data["A4"], "recalculation", date(2026, 1, 1), rub("100"))
    entry(hand_data["A1"], "payment", FEB, rub("500"), paid_on=date(2026, 2, 20), source="bank")
    refresh_figures(MAR)
    db.session.commit()

    live = fetch_form_figures(FEB, "fifo").rows
    assert live["population"].paid_kop == before.rows["population"].paid_kop + rub("500")  # the ledger moved on
    served = monthly_report(FEB)
    assert served.is_closed
    for cat in ("population", "other", "total"):
        assert served.rows[cat] == before.rows[cat]  # …but the submitted report did not

    march = monthly_report(MAR)
    assert march.adjustment_base == FEB
    assert march.adjustments == {"population": -rub("500"), "other": rub("100"), "total": -rub("400")}
    # submitted end of February + corrections = March opening debt, exactly
    for cat in ("population", "other", "total"):
        assert served.rows[cat].debt_end_kop + march.adjustments[cat] == march.rows[cat].debt_start_kop


def test_closed_march_keeps_its_corrections_line(hand_data, make_user):
    manager = make_user("manager")
    close_month(FEB, manager, today=date(2026, 3, 5))
    entry(hand_data["A4"], "charge", date(2026, 2, 1), rub("10"))
    refresh_figures(MAR)
    close_month(MAR, manager, today=date(2026, 4, 2))
    db.session.commit()
    entry(hand_data["A3"], "charge", date(2026, 2, 1), rub("999"))  # after both closings
    refresh_figures(MAR)
    db.session.commit()
    assert monthly_report(MAR).adjustments["other"] == rub("10")


def test_closing_is_refused_twice_and_before_month_end(hand_data, make_user):
    manager = make_user("manager")
    with pytest.raises(MonthNotClosable, match="2026-02"):
        close_month(FEB, manager, today=date(2026, 2, 28))
    assert monthly_report(FEB).closed is None
    close_month(FEB, manager, today=date(2026, 3, 1))
    with pytest.raises(MonthNotClosable, match="2026-02"):
        close_month(FEB, manager, today=date(2026, 3, 2))


def test_snapshot_holds_exact_kopecks(hand_data, make_user):
    closed = close_month(FEB, make_user("manager"), today=date(2026, 3, 5))
    db.session.commit()
    db.session.expire_all()
    snap = closed.snapshot
    assert snap["rows"]["other"]["debt_start_kop"] == rub("51234.56")
    assert isinstance(snap["rows"]["other"]["debt_start_kop"], int)
    assert snap["month"] == "2026-02"
