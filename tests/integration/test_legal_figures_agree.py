"""Every figure a paper states equals the legal calculation's, on varied ledgers.

Each ledger is written through the real models (reversals, recalculations, named periods, the enterprise's contract
payment day, a court order, capital repair); the legal calculation is the legal page's service
(`legal.services.account_calculation`); then every account letter is issued through the documents service and the
merged values it received (and the .docx text) are compared with it, as are the cases area's limitation and duty,
the reports' limitation rows and the portfolio run's stored row. A letter stating a claim (court-order
application, claim, calculation) states the claim's months of that same calculation
(`legal.adapter.claim_selection`: by default the due months not time-barred).
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from casework.documents import russian as ru
from casework.documents.context import load_common
from casework.documents.letters import LETTERS
from casework.documents.rendering import docx_text
from casework.documents.services import LetterRefused, document_file, issue_document, prepare, preview_context
from casework.domain.duty import compute_duty
from casework.domain.money import from_kopecks, to_kopecks
from casework.enterprise.models import get_enterprise
from casework.extensions import db
from casework.legal.adapter import claim_selection
from casework.legal.services import account_calculation, current_reference
from tests.factories import add_entries, calc_account

from .test_documents import PARAMS

AS_OF = date(2024, 6, 30)


def _issue_example(acc):
    """The issue's example: two 3 000 ₽ charges and a 3 000 ₽ payment, reversed later."""
    pay, = add_entries(acc.id, [{"kind": "payment", "amount": "3000.00", "paid_on": "2022-02-10"}])
    add_entries(acc.id, [
        {"kind": "charge", "period": "2022-01", "amount": "3000.00"},
        {"kind": "charge", "period": "2022-02", "amount": "3000.00"},
        {"kind": "payment", "amount": "-3000.00", "paid_on": "2022-04-05", "reverses_id": pay},
    ])


def _recalculations(acc):
    add_entries(acc.id, [
        {"kind": "charge", "period": f"2023-0{m}", "amount": "2000.00"} for m in range(1, 7)
    ] + [
        {"kind": "charge", "period": "2023-02", "amount": "500.00", "service": "hot_water"},
        {"kind": "recalculation", "period": "2023-03", "amount": "300.00"},     # a month corrected upwards
        {"kind": "recalculation", "period": "2023-04", "amount": "-2000.00"},   # a month cancelled
        {"kind": "recalculation", "period": "2023-05", "amount": "-2600.00"},   # more than the month: a credit
        {"kind": "payment", "amount": "2000.00", "paid_on": "2023-03-20"},
        {"kind": "payment", "amount": "1500.00", "paid_on": "2023-08-01"},
    ])


def _named_periods(acc):
    add_entries(acc.id, [
        {"kind": "charge", "period": f"2022-{m:02d}", "amount": "1500.00"} for m in range(6, 13)
    ] + [
        {"kind": "payment", "amount": "1500.00", "paid_on": "2023-01-20", "paid_period": "2022-12"},
        {"kind": "payment", "amount": "1500.00", "paid_on": "2023-02-15", "paid_period": "2022-07"},
        {"kind": "payment", "amount": "2000.00", "paid_on": "2023-03-10"},
        {"kind": "payment", "amount": "700.00", "paid_on": "2023-04-01", "paid_period": "2021-05"},  # no such charge
    ])


def _contract_due_day(acc):
    get_enterprise().contract_due_day = 25  # the contract's payment day before 177-ФЗ (ЖК 155 ч.1)
    add_entries(acc.id, [
        {"kind": "charge", "period": f"2023-0{m}", "amount": "2500.00"} for m in range(1, 5)
    ] + [{"kind": "payment", "amount": "2500.00", "paid_on": "2023-03-24"}])


def _mixed(acc):
    """An old barred opening, months in a cancelled court order, capital repair, a partly reversed payment."""
    from casework.cases.models import Case, CourtRecord

    add_entries(acc.id, [{"kind": "opening", "period": "2019-05", "amount": "4000.00"}] + [
        {"kind": "charge", "period": f"2021-0{m}", "amount": "1800.00"} for m in range(3, 7)
    ] + [{"kind": "charge", "period": "2023-01", "amount": "900.00", "service": "capital_repair"}])
    pay, = add_entries(acc.id, [{"kind": "payment", "amount": "3000.00", "paid_on": "2024-05-20"}])
    add_entries(acc.id, [{"kind": "payment", "amount": "-1000.00", "paid_on": "2024-05-25", "reverses_id": pay}])
    case = Case(account_id=acc.id, stage_since=date(2024, 2, 1), opened_on=date(2024, 2, 1))
    db.session.add(case)
    db.session.flush()
    db.session.add(CourtRecord(case_id=case.id, kind="order", period_from=date(2021, 3, 1),
                               period_to=date(2021, 4, 1), filed_on=date(2024, 3, 1), cancelled_on=date(2024, 4, 15),
                               outcome="cancelled", duty_kop=0))
    db.session.flush()


LEDGERS = {"reversal": _issue_example, "recalculations": _recalculations, "named_periods": _named_periods,
           "contract_due_day": _contract_due_day, "mixed": _mixed}


#: the court dates the letters state, not after the documents' date (no court date in the future)
COURT_PARAMS = {"writ_date": date(2024, 3, 20), "order_cancelled_on": date(2024, 4, 15)}


def _expected_duty(calc, kind: str, claim_kop: int | None = None) -> int:
    claim = calc.debt_kop + calc.penalty_kop if claim_kop is None else claim_kop
    res = compute_duty(from_kopecks(claim), "general", kind, AS_OF, current_reference().duty_scales)
    return to_kopecks(res.to_pay)


def _period_text(calc, months=None) -> str:
    if months is None:
        months = sorted(p for p, v in calc.allocation.open_kop.items() if v > 0)
    if not months:
        return ""
    return f"с {ru.short_date(months[0].first_day())} по {ru.short_date(months[-1].last_day())}"


@pytest.mark.parametrize("ledger", sorted(LEDGERS))
def test_every_letter_states_the_legal_calculation(app, ledger):
    acc = calc_account()
    LEDGERS[ledger](acc)
    db.session.commit()
    calc = account_calculation(acc.id, AS_OF)  # what the legal page shows
    assert calc.debt_kop > 0 and calc.penalty is not None, calc.penalty_error
    claim = claim_selection(calc)  # the claim's months of that calculation (the court letters' figures)
    checked = set()
    for code, letter in LETTERS.items():
        if letter.subject != "account" or letter.measure:
            continue  # the restriction act needs a delivered warning: its guard is tested in test_court_claim
        if code == "bailiff_inaction_complaint":
            continue  # needs a writ at the bailiffs; its figures are checked in tests/integration/test_fssp.py
        common = load_common(dict(PARAMS, **COURT_PARAMS), AS_OF)
        try:
            prep = prepare(code, account_id=acc.id, common=common)
        except LetterRefused as exc:  # the months of the case's cancelled order never go to an order again
            assert (ledger, code, exc.code) == ("mixed", "court_order_application", "order_after_cancel")
            continue
        ctx = preview_context(prep)
        # the court history is the one typed in COURT_PARAMS: the applications are not recorded as filings of AS_OF
        # (that they are is tests/integration/test_case_flow.py), so every letter sees the same calculation
        doc = issue_document(prep, link=False)
        text = docx_text(document_file(doc).read_bytes())
        debt, penalty = (claim.debt_kop, claim.penalty_kop) if letter.claim_periods else (calc.debt_kop,
                                                                                           calc.penalty_kop)
        assert doc.amount_kop == debt, code
        if "debt_total" in ctx:
            assert ctx["debt_total"] == ru.money(debt), code
            assert ru.money(debt) in text, code
            checked.add("debt")
        if "penalty_total" in ctx:
            assert ctx["penalty_total"] == ru.money(penalty), code
            assert ru.money(penalty) in text, code
            checked.add("penalty")
        if "claim_total" in ctx:
            assert ctx["claim_total"] == ru.money(debt + penalty), code
        if "debt_period" in ctx:
            months = claim.open_periods if letter.claim_periods else None
            assert ctx["debt_period"] == _period_text(calc, months), code
        if "calc_rows" in ctx:
            assert [(r["period"], r["start"], r["end"], r["penalty"]) for r in ctx["calc_rows"]] == [
                (ru.ru_period(r.period.first_day()), ru.short_date(r.start), ru.short_date(r.end),
                 ru.number_rub(round(r.penalty * 100))) for r in calc.penalty.rows
                if not letter.claim_periods or r.period in claim.selected], code
            checked.add("rows")
        if "duty_total" in ctx and letter.duty_kind:
            duty = _expected_duty(calc, letter.duty_kind, debt + penalty)
            assert ctx["duty_total"] == ru.money(duty), code
            assert ru.money(duty) in text, code
            checked.add(letter.duty_kind)
        db.session.commit()
    assert checked == {"debt", "penalty", "rows", "claim"} | ({"court_order"} if ledger != "mixed" else set())
    if ledger == "mixed":  # the barred opening of 2019 and the barred months outside the order are left out
        assert claim.debt_kop < calc.debt_kop and calc.time_barred_kop > 0


@pytest.mark.parametrize("ledger", sorted(LEDGERS))
def test_cases_reports_and_the_portfolio_agree_with_the_legal_calculation(app, ledger):
    from casework.accounts.models import Account
    from casework.cases import services as cases
    from casework.legal.models import PortfolioResult
    from casework.legal.portfolio import run_portfolio
    from casework.reports.analysis import limitation_by_account

    acc = calc_account()
    LEDGERS[ledger](acc)
    db.session.commit()
    calc = account_calculation(acc.id, AS_OF)
    claimable, result = cases.limitation_for(acc.id, AS_OF)
    assert claimable == calc.claimable_kop and list(result.rows) == list(calc.limitation.rows)
    claim = calc.debt_kop + calc.penalty_kop
    account = db.session.get(Account, acc.id)
    assert cases.filing_duty_kop(account, "order", claim, AS_OF) == _expected_duty(calc, "court_order")
    assert limitation_by_account([acc.id], AS_OF)[acc.id] == list(calc.limitation.rows)
    run_portfolio(AS_OF, [acc.id])
    row = db.session.scalar(select(PortfolioResult).where(PortfolioResult.account_id == acc.id))
    assert (row.debt_kop, row.penalty_kop, row.time_barred_kop, row.claimable_kop, row.next_bar_date) == (
        calc.debt_kop, calc.penalty_kop, calc.time_barred_kop, calc.claimable_kop, calc.next_bar_date)


def test_the_issue_example_a_reversed_payment_is_not_paid_in_the_court_letter(app):
    """Two 3 000 ₽ charges (January and February 2022), a 3 000 ₽ payment of 10.02.2022 reversed on 05.04.2022,
    as of 30.06.2024: nothing is paid, so the penalty runs on 6 000 ₽ — 2 815,43 ₽ on the legal page and in the
    court order application alike (not 1 398,69 ₽, which counts the reversed payment)."""
    acc = calc_account()
    _issue_example(acc)
    db.session.commit()
    calc = account_calculation(acc.id, AS_OF)
    assert (calc.debt_kop, calc.penalty_kop) == (600000, 281543)
    prep = prepare("court_order_application", account_id=acc.id, common=load_common(PARAMS, AS_OF))
    text = docx_text(document_file(issue_document(prep)).read_bytes())
    assert "2 815 руб. 43 коп." in text and "1 398 руб. 69 коп." not in text
    assert ru.money(600000) in text
