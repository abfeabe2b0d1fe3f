"""The monthly form on a data set small enough to compute by hand (expected values written out below)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from casework.reports.queries import collection_rate, fetch_form_figures, thousands
from casework.reports.services import monthly_report

from .report_data import FEB, entry, refresh_figures, rub


def test_february_figures_by_hand(hand_data):
    f = fetch_form_figures(FEB, "fifo").rows
    pop, oth, tot = f["population"], f["other"], f["total"]
    assert (pop.debt_start_kop, pop.charged_kop, pop.paid_kop, pop.enforcement_kop, pop.overdue_kop) == (
        rub("11500") + rub("2000"), rub("4800") + rub("2000"), rub("4000") + rub("2500"), rub("2500"), rub("7500"))
    assert (oth.debt_start_kop, oth.charged_kop, oth.paid_kop, oth.enforcement_kop, oth.overdue_kop) == (
        rub("50000") + rub("1234.56"), rub("10000"), rub("70000"), 0, rub("1234.56"))
    assert tot.debt_start_kop == rub("64734.56")
    assert tot.charged_kop == rub("16800")
    assert tot.paid_kop == rub("76500")
    assert tot.overdue_kop == rub("8734.56")
    # 6 500 / 6 800 = 95.588…% → 95.6; 70 000 / 10 000 = 700.0; 76 500 / 16 800 = 455.357…% → 455.4
    assert pop.collection_rate == Decimal("95.6")
    assert oth.collection_rate == Decimal("700.0")
    assert tot.collection_rate == Decimal("455.4")
    # thousands with one decimal, rounded only for display: 51 234.56 → 51.2; 64 734.56 → 64.7
    assert thousands(oth.debt_start_kop) == Decimal("51.2")
    assert thousands(tot.debt_start_kop) == Decimal("64.7")


def test_january_figures_by_hand(hand_data):
    """January: A1 start 10 000 (Dec opening), charged 4 500, paid 3 000; A2 charged 2 000; A4 charged 1 234.56."""
    f = fetch_form_figures(date(2026, 1, 1), "fifo").rows
    assert f["population"].debt_start_kop == rub("10000")
    assert f["population"].charged_kop == rub("6500")
    assert f["population"].paid_kop == rub("3000")
    # A1 end 11 500 − 4 500 of January not due = 7 000 overdue; A2 end 2 000 all January → 0
    assert f["population"].overdue_kop == rub("7000")
    assert f["other"].charged_kop == rub("1234.56")
    assert f["other"].overdue_kop == 0
    assert f["population"].collection_rate == Decimal("46.2")  # 3 000 / 6 500 = 46.15…


def test_march_payment_is_not_in_february(hand_data):
    assert fetch_form_figures(date(2026, 3, 1), "fifo").rows["population"].paid_kop == rub("1000")


def test_legal_allocation_respects_the_named_period(hand_data, app):
    """A1's 4 000 of 05.02 names February (not yet due), so under ГК 319.1 the older debt stays overdue:
    December 10 000 − 3 000 + January 4 500 = 11 500 (the oldest-first identity gives 7 500)."""
    f = fetch_form_figures(FEB, "legal").rows
    assert f["population"].overdue_kop == rub("11500")
    assert f["other"].overdue_kop == rub("1234.56")
    assert f["total"].overdue_kop == rub("12734.56")


def test_rate_is_dash_when_nothing_is_charged():
    assert collection_rate(100, 0) is None
    assert collection_rate(1, 3) == Decimal("33.3")
    assert collection_rate(2, 3) == Decimal("66.7")
    assert collection_rate(1, 8) == Decimal("12.5")  # exactly half a tenth → up


def test_setting_selects_the_overdue_method(hand_data, app):
    saved = {"REPORT_OVERDUE_METHOD": app.config.get("REPORT_OVERDUE_METHOD")}
    app.config["REPORT_OVERDUE_METHOD"] = "legal"
    try:
        assert monthly_report(FEB).rows["population"].overdue_kop == rub("11500")
        assert monthly_report(FEB).overdue_method == "legal"
    finally:
        app.config.update(saved)
    assert monthly_report(FEB).rows["population"].overdue_kop == rub("7500")


def test_empty_month_gives_zero_rows(app):
    f = fetch_form_figures(date(2030, 1, 1), "fifo").rows
    assert f["total"].debt_start_kop == 0 and f["total"].collection_rate is None


def test_form_is_remembered_until_the_figures_change(hand_data):
    """The second request for a month's form runs no aggregate over account_months; a ledger change (refresh) or an
    account's category change (accounts import) gives new figures at once."""
    from sqlalchemy import event

    from casework.accounts.models import Account
    from casework.accounts.services import bump_figures_version
    from casework.extensions import db

    first = fetch_form_figures(FEB, "fifo")
    statements = []
    listener = lambda conn, cur, stmt, *a: statements.append(stmt)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        again = fetch_form_figures(FEB, "fifo")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert again.rows["total"].debt_end_kop == first.rows["total"].debt_end_kop
    assert not [s for s in statements if "account_months" in s]
    again.rows["total"].paid_kop += 1  # a caller changing its copy does not change the remembered one
    assert fetch_form_figures(FEB, "fifo").rows["total"].paid_kop == first.rows["total"].paid_kop

    entry(hand_data["A4"], "payment", FEB, rub("34.56"), paid_on=date(2026, 2, 20), source="bank")
    refresh_figures(date(2026, 3, 1))
    db.session.commit()
    assert fetch_form_figures(FEB, "fifo").rows["other"].paid_kop == rub("70034.56")

    db.session.get(Account, hand_data["A4"]).category = "population"  # what an accounts import's update does
    bump_figures_version()
    db.session.commit()
    assert fetch_form_figures(FEB, "fifo").rows["population"].paid_kop == rub("4000") + rub("2500") + rub("34.56")
