"""account_calculation() on a real ledger gives exactly what the calc contract gives for the equivalent JSON input."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from casework.accounts.models import Service
from casework.extensions import db
from casework.legal import contract
from casework.legal.services import account_calculation, current_reference
from tests.factories import add_entries, calc_account


def service_id(code: str) -> int:
    return db.session.scalar(select(Service.id).where(Service.code == code))


def _contract_penalty(charges, payments, calc_date):
    ref = current_reference()
    return contract.run_penalty({"charges": charges, "payments": payments, "calc_date": calc_date},
                                ref.rates, ref.calendar, ref.moratoria)


def _ours(calc) -> dict:
    rows = [{"period": str(r.period), "amount": f"{r.amount:.2f}", "start": r.start.isoformat(),
             "end": r.end.isoformat(), "paid": r.paid, "days_1_300": r.days_1_300, "days_1_130": r.days_1_130,
             "rate_percent": None if r.rate_percent is None else f"{r.rate_percent:.2f}",
             "penalty": f"{r.penalty:.2f}"} for r in calc.penalty.rows]
    return {"total": f"{calc.penalty.total:.2f}", "rows": rows}


def test_account_penalty_equals_the_contract_calculator_for_the_same_input(app):
    acc = calc_account()
    # two services in one month are one charge of the month; a negative recalculation reduces its month
    add_entries(acc.id, [
        {"kind": "charge", "period": "2021-11", "amount": "2100.00"},
        {"kind": "charge", "period": "2021-11", "amount": "400.50", "service": "hot_water"},
        {"kind": "charge", "period": "2021-12", "amount": "2600.00"},
        {"kind": "recalculation", "period": "2021-12", "amount": "-100.00"},
        {"kind": "charge", "period": "2022-01", "amount": "2700.00"},
        {"kind": "charge", "period": "2022-02", "amount": "2700.00"},
        {"kind": "charge", "period": "2025-03", "amount": "3100.00"},
        {"kind": "payment", "amount": "1000.00", "paid_on": "2022-03-01"},
        {"kind": "payment", "amount": "2700.00", "paid_on": "2022-05-20", "paid_period": "2022-02"},
        {"kind": "payment", "amount": "500.00", "paid_on": "2025-06-11"},
    ])
    calc = account_calculation(acc.id, date(2025, 9, 30))
    expected = _contract_penalty(
        [{"period": "2021-11", "amount": "2500.50"}, {"period": "2021-12", "amount": "2500.00"},
         {"period": "2022-01", "amount": "2700.00"}, {"period": "2022-02", "amount": "2700.00"},
         {"period": "2025-03", "amount": "3100.00"}],
        [{"date": "2022-03-01", "amount": "1000.00"},
         {"date": "2022-05-20", "amount": "2700.00", "period": "2022-02"},
         {"date": "2025-06-11", "amount": "500.00"}], "2025-09-30")
    assert _ours(calc) == expected
    assert Decimal(expected["total"]) > 0
    # debt = charges − payments; allocation closed Feb 2022 by the named payment
    assert calc.debt_kop == (250050 + 250000 + 270000 + 270000 + 310000) - (100000 + 270000 + 50000)
    feb = [p for p in calc.allocation.parts if str(p.period) == "2022-02"]
    assert [(p.amount_kop, p.rule) for p in feb] == [(270000, "named")]


def test_account_limitation_equals_the_contract_on_the_unpaid_remainders(app):
    acc = calc_account()
    add_entries(acc.id, [
        {"kind": "charge", "period": "2021-05", "amount": "1000.00"},
        {"kind": "charge", "period": "2021-06", "amount": "1200.00"},
        {"kind": "charge", "period": "2024-01", "amount": "1500.00"},
        {"kind": "payment", "amount": "400.00", "paid_on": "2021-08-02"},
    ])
    as_of = date(2024, 7, 12)
    calc = account_calculation(acc.id, as_of)
    ref = current_reference()
    expected = contract.run_limitation({"charges": [
        {"period": "2021-05", "amount": "600.00"}, {"period": "2021-06", "amount": "1200.00"},
        {"period": "2024-01", "amount": "1500.00"}], "as_of": as_of.isoformat()}, ref.calendar)
    got = [{"period": str(r.period), "amount": f"{r.amount:.2f}", "due_date": r.due_date.isoformat(),
            "last_day_to_file": r.last_day_to_file.isoformat(), "time_barred": r.time_barred}
           for r in calc.limitation.rows]
    assert got == [{k: row[k] for k in ("period", "amount", "due_date", "last_day_to_file", "time_barred")}
                   for row in expected["rows"]]
    assert calc.time_barred_kop == int(Decimal(expected["time_barred_amount"]) * 100) == 60000
    assert calc.claimable_kop == int(Decimal(expected["claimable_amount"]) * 100)
    assert calc.next_bar_date == date.fromisoformat(expected["rows"][1]["last_day_to_file"])


def test_a_reversed_payment_does_not_count_and_a_net_negative_month_drops_out(app):
    acc = calc_account()
    pay_id, = add_entries(acc.id, [{"kind": "payment", "amount": "900.00", "paid_on": "2023-03-01"}])
    add_entries(acc.id, [
        {"kind": "charge", "period": "2023-01", "amount": "900.00"},
        {"kind": "charge", "period": "2023-02", "amount": "300.00"},
        {"kind": "recalculation", "period": "2023-02", "amount": "-300.00"},
        {"kind": "payment", "amount": "-900.00", "paid_on": "2023-03-05", "reverses_id": pay_id},
    ])
    calc = account_calculation(acc.id, date(2023, 6, 30))
    assert [str(c.period) for c in calc.charges] == ["2023-01"]
    assert calc.payments == [] and calc.debt_kop == 90000
    # before the reversal the payment still counts
    early = account_calculation(acc.id, date(2023, 3, 3))
    assert early.debt_kop == 0 and len(early.payments) == 1


def test_capital_repair_is_left_out_unless_asked_for(app):
    acc = calc_account()
    add_entries(acc.id, [
        {"kind": "charge", "period": "2023-01", "amount": "1000.00"},
        {"kind": "charge", "period": "2023-01", "amount": "250.00", "service": "capital_repair"},
    ])
    assert account_calculation(acc.id, date(2023, 12, 1)).debt_kop == 100000
    only = account_calculation(acc.id, date(2023, 12, 1), service_ids=[service_id("capital_repair")])
    assert only.debt_kop == 25000


def test_a_debt_before_2016_keeps_limitation_and_explains_the_missing_penalty(app):
    acc = calc_account()
    add_entries(acc.id, [{"kind": "opening", "period": "2015-06", "amount": "5000.00"},
                         {"kind": "charge", "period": "2023-01", "amount": "1000.00"}])
    calc = account_calculation(acc.id, date(2023, 12, 1))
    assert calc.penalty is None and "2016" in calc.penalty_error
    assert calc.time_barred_kop == 500000 and calc.claimable_kop == 100000


@pytest.mark.parametrize("override,expected_changed", [({"payment_day_inclusive": False}, True)])
def test_the_policy_from_config_reaches_the_calculation(app, override, expected_changed):
    acc = calc_account()
    add_entries(acc.id, [{"kind": "charge", "period": "2019-03", "amount": "5000.00"},
                         {"kind": "payment", "amount": "5000.00", "paid_on": "2019-08-15", "paid_period": "2019-03"}])
    base = account_calculation(acc.id, date(2019, 8, 15)).penalty.total
    app.config["PENALTY_POLICY"] = override
    try:
        alt = account_calculation(acc.id, date(2019, 8, 15)).penalty.total
    finally:
        app.config["PENALTY_POLICY"] = {}
    assert base == Decimal("175.67")  # PEN-01 of the reference vectors
    assert (alt != base) is expected_changed and alt == Decimal("172.88")


def test_court_records_and_signed_agreements_move_the_limitation_like_the_contract(app):
    """A court order filed then cancelled (ГК 204; Пленум № 43 п.18) and a signed agreement (ГК 203) from the
    cases and contacts areas give the same rows as the contract calculator with the same events."""
    from casework.cases.models import Case, CourtRecord
    from casework.contacts.models import PaymentAgreement

    acc = calc_account()
    other = calc_account()
    add_entries(acc.id, [{"kind": "charge", "period": "2021-05", "amount": "1000.00"},
                         {"kind": "charge", "period": "2021-06", "amount": "1000.00"}])
    case = Case(account_id=acc.id, stage_since=date(2024, 1, 1), opened_on=date(2024, 1, 1))
    db.session.add(case)
    db.session.flush()
    db.session.add_all([
        CourtRecord(case_id=case.id, kind="order", period_from=date(2021, 5, 1), period_to=date(2021, 5, 1),
                    filed_on=date(2024, 3, 1), cancelled_on=date(2024, 5, 1)),
        CourtRecord(case_id=case.id, kind="eviction", filed_on=date(2024, 3, 2)),
        # another account's agreement must not count for this one
        PaymentAgreement(account_id=other.id, debt_kop=100, months=2, first_due_on=date(2024, 9, 1),
                         day_of_month=1, signed_on=date(2024, 6, 20)),
    ])
    db.session.flush()
    as_of = date(2024, 7, 20)  # June 2021's period ended on 15.07.2024 (13.07 was a Saturday)
    ref = current_reference()
    charges = [{"period": "2021-05", "amount": "1000.00"}, {"period": "2021-06", "amount": "1000.00"}]
    events = [{"kind": "court_order_filed", "date": "2024-03-01", "periods": ["2021-05"]},
              {"kind": "court_order_cancelled", "date": "2024-05-01", "periods": ["2021-05"]}]

    def rows(calc):
        return [{"period": str(r.period), "last_day_to_file": r.last_day_to_file.isoformat(),
                 "suspended_days": r.suspended_days, "time_barred": r.time_barred} for r in calc.limitation.rows]

    def expected(evs):
        out = contract.run_limitation({"charges": charges, "events": evs, "as_of": as_of.isoformat()}, ref.calendar)
        return [{k: r[k] for k in ("period", "last_day_to_file", "suspended_days", "time_barred")}
                for r in out["rows"]]

    calc = account_calculation(acc.id, as_of)
    assert rows(calc) == expected(events)
    assert [r.time_barred for r in calc.limitation.rows] == [False, True]  # only May was in the order
    db.session.add(PaymentAgreement(account_id=acc.id, debt_kop=200000, months=4, first_due_on=date(2024, 8, 1),
                                    day_of_month=1, signed_on=date(2024, 7, 18)))
    db.session.flush()
    calc = account_calculation(acc.id, as_of)
    assert rows(calc) == expected(events + [{"kind": "acknowledged", "date": "2024-07-18"}])
    assert calc.time_barred_kop == 0  # a written acknowledgment revives the barred month (ГК 206 п.2)
