"""The reports demo part: months before the previous one closed, one late correction on the next form."""
from __future__ import annotations

import random
from datetime import date

from casework.extensions import db
from casework.reports.demo import extend_demo
from casework.reports.queries import corrections_after_close
from casework.reports.services import get_closed, monthly_report

from .report_data import add_account, entry, refresh_figures


def test_closes_months_and_posts_a_late_correction(app, make_user):
    make_user("manager")
    a = add_account("D1")
    for m in range(1, 6):  # charges January–May 2026, 1 000,00 ₽ each
        entry(a, "charge", date(2026, m, 1), 1000_00)
    refresh_figures(date(2026, 5, 1))
    today = date(2026, 5, 10)  # previous month April stays open; up to March is closed
    got = extend_demo(random.Random(1), today, months_closed=6)
    assert got == {"months_closed": 3, "late_corrections": 1}  # Jan, Feb, Mar have data
    assert get_closed(date(2026, 4, 1)) is None and get_closed(date(2026, 3, 1)) is not None
    march = monthly_report(date(2026, 3, 1))
    assert march.rows["total"].charged_kop == 1000_00  # as submitted
    april = monthly_report(date(2026, 4, 1))
    assert april.adjustments["total"] == -100_00  # a tenth of March's charge taken back after closing
    assert april.rows["total"].debt_start_kop == 3000_00 - 100_00
    late = corrections_after_close(date(2026, 3, 1), get_closed(date(2026, 3, 1)).closed_at)
    assert [(r.kind, r.amount_kop) for r in late] == [("recalculation", -100_00)]
    assert extend_demo(random.Random(1), today) ["months_closed"] == 0  # nothing left to close
    db.session.rollback()
