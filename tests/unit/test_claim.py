"""The months of a claim (domain.claim), the court order's guard, the court's level by the dated ceiling of ГПК 23
ч.1 п.5 and the dates that cannot be (domain.court_dates) — pure, with the packaged calendar and key rates."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from casework.domain.allocation import Charge, Payment
from casework.domain.claim import ClaimRefused, claim_periods, select_claim
from casework.domain.court_dates import check_court_dates, check_delivery
from casework.domain.jurisdiction import CourtLevel, court_level, magistrate_claim_ceiling
from casework.domain.limitation import compute_limitation
from casework.domain.money import round_half_up_div
from casework.domain.penalty import DEN, compute_penalty
from casework.domain.periods import Period
from casework.domain.policy import LimitationPolicy, PenaltyPolicy
from casework.domain.stages import CaseFacts, TransitionNotAllowed, check_court_application

AS_OF = date(2026, 12, 4)


def _months(first: Period, last: Period):
    p = first
    while p <= last:
        yield p
        p = p.next()


@pytest.fixture(scope="module")
def candidates(cal, rates):
    """15 000 ₽ a month from 2021-01 to 2026-11, 2026-03 paid late in full, 2026-04 paid in part; on 04.12.2026."""
    charges = [Charge(p, Decimal("15000.00")) for p in _months(Period(2021, 1), Period(2026, 11))]
    payments = [Payment(date(2026, 7, 1), Decimal("15000.00"), Period(2026, 3), "late"),
                Payment(date(2026, 5, 20), Decimal("5000.00"), Period(2026, 4), "part")]
    pen = compute_penalty(charges, payments, AS_OF, PenaltyPolicy(), rates, cal)
    remainders = [Charge(c.period, Decimal(pen.allocation.open_kop[c.period]) / 100)
                  for c in charges if pen.allocation.open_kop.get(c.period, 0) > 0]
    lim = compute_limitation(remainders, [], AS_OF, LimitationPolicy(), cal)
    return claim_periods(pen.allocation.open_kop, pen.rows, lim.rows, AS_OF), pen


def test_candidates_carry_due_and_limitation(candidates):
    periods, _pen = candidates
    by = {str(p.period): p for p in periods}
    assert by["2026-11"].due is False and by["2026-11"].due_date == date(2026, 12, 15)  # the 15th: not overdue
    assert by["2026-10"].due is True and not by["2026-10"].time_barred
    assert by["2023-10"].time_barred and not by["2023-11"].time_barred  # reading A, ГК 193 shift
    assert by["2026-03"].debt_kop == 0 and by["2026-03"].penalty_units > 0  # paid late: the penalty only
    assert by["2026-04"].debt_kop == 10_000_00


def test_default_is_due_and_not_time_barred_and_sums_round_once(candidates):
    periods, pen = candidates
    sel = select_claim(periods, AS_OF)
    months = sorted(str(p) for p in sel.selected)
    assert months[0] == "2023-11" and months[-1] == "2026-10" and "2026-11" not in months
    assert sel.debt_kop == (36 - 2) * 15_000_00 + 10_000_00 and not sel.time_barred_chosen
    assert sel.penalty_kop == round_half_up_div(sum(p.penalty_units for p in sel.rows), DEN) > 0
    assert sel.total_kop == sel.debt_kop + sel.penalty_kop
    everything = select_claim(periods, AS_OF, [p.period for p in periods if p.due])
    assert everything.penalty_units == pen.total_units - sum(p.penalty_units for p in periods if not p.due)
    assert everything.time_barred_chosen and everything.explicit
    assert everything.debt_kop == sel.debt_kop + 34 * 15_000_00
    with_setting = select_claim(periods, AS_OF, include_time_barred=True)
    assert with_setting.selected == everything.selected and not with_setting.explicit


def test_choices_that_cannot_be_claimed_are_refused(candidates):
    periods, _pen = candidates
    with pytest.raises(ClaimRefused) as exc:
        select_claim(periods, AS_OF, ["2026-10", "2026-11"])
    assert exc.value.code == "claim_period_not_due" and exc.value.params["due_date"] == date(2026, 12, 15)
    with pytest.raises(ClaimRefused) as exc:
        select_claim(periods, AS_OF, ["2019-01"])
    assert exc.value.code == "claim_period_unknown"
    with pytest.raises(ClaimRefused) as exc:
        select_claim(periods, AS_OF, [])
    assert exc.value.code == "claim_no_periods"
    barred_only = [p for p in periods if p.time_barred or not p.due]
    with pytest.raises(ClaimRefused) as exc:
        select_claim(barred_only, AS_OF)
    assert exc.value.code == "claim_only_time_barred"
    assert select_claim(barred_only, AS_OF, ["2021-01"]).debt_kop == 15_000_00  # ticked explicitly: claimed


@pytest.mark.parametrize("kind,claim_kop,on,expected", [
    ("order", 400_000_00, AS_OF, CourtLevel.MAGISTRATE),
    ("claim", 30_000_00, AS_OF, CourtLevel.MAGISTRATE),
    ("claim", 100_000_00, AS_OF, CourtLevel.MAGISTRATE),      # «не превышающей»: the ceiling itself stays
    ("claim", 100_000_01, AS_OF, CourtLevel.DISTRICT),
    ("claim", 785_876_43, AS_OF, CourtLevel.DISTRICT),
    ("claim", 75_000_00, date(2019, 9, 30), CourtLevel.DISTRICT),   # 50 000 ₽ before 451-ФЗ
    ("claim", 75_000_00, date(2019, 10, 1), CourtLevel.MAGISTRATE),
    ("eviction", 10_00, AS_OF, None),
])
def test_court_level_by_the_dated_ceiling(kind, claim_kop, on, expected):
    assert court_level("general", kind, claim_kop, on) == expected
    assert court_level("arbitrazh", kind, claim_kop, on) == CourtLevel.ARBITRAZH


def test_the_ceiling_table_names_its_source():
    row = magistrate_claim_ceiling(AS_OF)
    assert row.limit_kop == 100_000_00 and "451-ФЗ" in row.source and row.valid_from == date(2019, 10, 1)
    assert magistrate_claim_ceiling(date(2015, 1, 1)).limit_kop == 50_000_00


def _facts(**kw):
    base = dict(debt_kop=600_000_00, claimable_kop=600_000_00, court_kind="order")
    base.update(kw)
    return CaseFacts(**base)


def test_order_guard_limit_dispute_and_cancelled_months():
    with pytest.raises(TransitionNotAllowed) as exc:
        check_court_application(_facts(claim_kop=500_000_01), AS_OF)
    assert exc.value.code == "order_limit"
    check_court_application(_facts(claim_kop=500_000_00), AS_OF)  # «не превышает»
    with pytest.raises(TransitionNotAllowed) as exc:
        check_court_application(_facts(claim_kop=30_000_00, on_hold=True, disputed=True), AS_OF)
    assert exc.value.code == "order_disputed"
    cancelled = ((Period(2026, 1), Period(2026, 6)),)
    with pytest.raises(TransitionNotAllowed) as exc:
        check_court_application(_facts(claim_kop=30_000_00, cancelled_orders=cancelled,
                                       claim_periods=frozenset({Period(2026, 6), Period(2026, 7)})), AS_OF)
    assert exc.value.code == "order_after_cancel" and exc.value.params["period_from"] == Period(2026, 1)
    check_court_application(_facts(claim_kop=30_000_00, cancelled_orders=cancelled,  # new months: an order again
                                   claim_periods=frozenset({Period(2026, 7), Period(2026, 8)})), AS_OF)
    with pytest.raises(TransitionNotAllowed):  # months not known: every cancelled order counts
        check_court_application(_facts(claim_kop=30_000_00, cancelled_orders=cancelled), AS_OF)


def test_time_barred_months_only_on_an_explicit_choice():
    with pytest.raises(TransitionNotAllowed) as exc:
        check_court_application(_facts(claimable_kop=0, claim_kop=30_000_00), AS_OF)
    assert exc.value.code == "time_barred"
    check_court_application(_facts(claimable_kop=0, claim_kop=30_000_00, time_barred_chosen=True), AS_OF)


@pytest.mark.parametrize("kw,code", [
    (dict(kind="order", filed_on=date(2026, 12, 5)), "date_in_future"),
    (dict(kind="order", filed_on=date(2026, 10, 20), issued_on=date(2026, 10, 19)), "order_before_filing"),
    (dict(kind="claim", filed_on=date(2026, 10, 20), issued_on=date(2026, 10, 19)), "decision_before_claim"),
    (dict(kind="order", filed_on=date(2026, 10, 20), issued_on=date(2026, 10, 27), received_on=date(2026, 10, 26)),
     "received_before_issue"),
    (dict(kind="order", filed_on=date(2026, 10, 20), issued_on=date(2026, 10, 27), objection_on=date(2026, 10, 26)),
     "objection_before_issue"),
    (dict(kind="order", filed_on=date(2026, 10, 20), issued_on=date(2026, 10, 27), cancelled_on=date(2026, 10, 26)),
     "cancelled_before_issue"),
    (dict(kind="order", filed_on=date(2026, 10, 20), issued_on=date(2026, 10, 27), objection_on=date(2026, 11, 9),
          cancelled_on=date(2026, 11, 5)), "cancelled_before_objection"),
    (dict(kind="claim", filed_on=date(2026, 10, 20), issued_on=date(2026, 11, 2), in_force_on=date(2026, 12, 5)),
     "date_in_future"),
])
def test_court_dates_that_cannot_be(kw, code):
    kind = kw.pop("kind")
    with pytest.raises(TransitionNotAllowed) as exc:
        check_court_dates(kind, today=AS_OF, **kw)
    assert exc.value.code == code
    check_court_dates(kind, today=date(2027, 1, 1), filed_on=kw["filed_on"])  # the filing alone, later: fine


def test_delivery_dates():
    with pytest.raises(TransitionNotAllowed) as exc:
        check_delivery(date(2026, 12, 3), date(2026, 12, 4), AS_OF)
    assert exc.value.code == "delivery_before_document"
    with pytest.raises(TransitionNotAllowed) as exc:
        check_delivery(date(2026, 12, 5), date(2026, 12, 4), AS_OF)
    assert exc.value.code == "date_in_future"
    check_delivery(date(2026, 12, 4), date(2026, 12, 4), AS_OF)
