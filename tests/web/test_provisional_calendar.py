"""2027 has no decree data: ТК 112 ч.2 moves the weekend holidays (03.05, 10.05, 14.06.2027 are days off), every
result that relies on it says the calendar is provisional, and an admin enters the decree on the rate tables page.

The example: March 2024 under the enterprise's contract payment day 30 is due 02.05.2024 (30.04–01.05.2024 were days
off), reading A ends Monday 03.05.2027 — a day off by ТК 112 ч.2 — so the last day to file is 04.05.2027 and a court
order application filed that day is in time.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from casework.cases import services as cases
from casework.domain.stages import TransitionNotAllowed
from casework.enterprise.models import get_enterprise
from casework.extensions import db
from casework.legal.models import CalendarDay
from casework.legal.services import account_calculation
from tests.factories import add_entries, calc_account

FILED = date(2027, 5, 4)
NOTE = "Календарь на 2027 год предварительный: переносы по постановлению Правительства не внесены"


def _account():
    get_enterprise().contract_due_day = 30
    acc = calc_account()
    add_entries(acc.id, [{"kind": "charge", "period": "2024-03", "amount": "10000.00"}])
    db.session.commit()
    return acc


def test_a_filing_on_4_may_2027_is_in_time_and_says_the_calendar_is_provisional(client, login, make_user):
    acc = _account()
    calc = account_calculation(acc.id, FILED)
    row, = calc.limitation.rows
    assert (row.due_date, row.last_day_to_file, row.time_barred) == (date(2024, 5, 2), FILED, False)
    assert calc.provisional_years == {2027}

    lawyer = make_user("lawyer")
    case = cases.open_case(acc.id, lawyer, FILED)
    rec = cases.record_court_filing(case, lawyer, FILED, principal_kop=calc.debt_kop)  # not refused as time-barred
    assert rec.filed_on == FILED and case.stage == "court"
    db.session.commit()

    login("lawyer")
    page = client.get(f"/legal/account/{acc.id}?as_of=2027-05-04").get_data(as_text=True)
    assert NOTE in page and "04.05.2027" in page
    older = calc_account()  # January 2023: due 28.02.2023, last day to file 02.03.2026 — both in decree years
    add_entries(older.id, [{"kind": "charge", "period": "2023-01", "amount": "1000.00"}])
    db.session.commit()
    page = client.get(f"/legal/account/{older.id}?as_of=2026-05-04").get_data(as_text=True)
    assert NOTE not in page and "02.03.2026" in page

    from casework.documents.context import load_common
    from casework.documents.services import prepare, preview_context

    ctx = preview_context(prepare("debt_calculation", account_id=acc.id, common=load_common({}, FILED)))
    assert "Календарь на 2027 год предварительный" in ctx["calc_note"]


def test_the_admin_enters_the_decree_and_the_days_reach_every_calculation(client, login, make_user):
    acc = _account()
    login("admin")
    # a decree's transfer for 2027 (hypothetical: the 2 January weekend day moved to Friday 07.05.2027)
    resp = client.post("/legal/reference/calendar/new", data={"day": "2027-05-07", "kind": "non_working",
                                                              "source": "ПП о переносе выходных дней в 2027 году"},
                       follow_redirects=True)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    days = {r.day: r for r in db.session.scalars(select(CalendarDay).where(CalendarDay.day >= date(2027, 1, 1)))}
    # with the first row of 2027 its ТК 112 days came in: ч.1 holidays on weekdays and the ч.2 transfers
    assert {date(2027, 5, 3), date(2027, 5, 10), date(2027, 6, 14), date(2027, 2, 23), date(2027, 3, 8),
            date(2027, 11, 4), date(2027, 1, 1), date(2027, 1, 8), date(2027, 5, 7)} <= set(days)
    assert "ТК" in days[date(2027, 5, 3)].source and "2027" in page
    calc = account_calculation(acc.id, FILED)
    assert calc.provisional_years == frozenset() and calc.limitation.rows[0].last_day_to_file == FILED

    # the decree moves the 1 May transfer elsewhere: the admin deactivates that row, and 03.05.2027 is working
    resp = client.post(f"/legal/reference/calendar/{days[date(2027, 5, 3)].id}/active", data={})
    assert resp.status_code == 302
    calc = account_calculation(acc.id, FILED)
    assert calc.limitation.rows[0].last_day_to_file == date(2027, 5, 3) and calc.time_barred_kop == calc.debt_kop
    lawyer = make_user("lawyer")
    case = cases.open_case(acc.id, lawyer, FILED)
    try:
        cases.record_court_filing(case, lawyer, FILED, principal_kop=calc.debt_kop)
    except TransitionNotAllowed as exc:  # the cases area reads the same calendar
        assert exc.code == "time_barred"
    else:
        raise AssertionError("the filing should be refused as time-barred")
    db.session.rollback()


def test_a_weekday_transfer_cannot_be_made_working_and_the_message_says_what_to_do(client, login):
    login("admin")
    resp = client.post("/legal/reference/calendar/new", data={"day": "2027-05-03", "kind": "working"},
                       follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "03.05.2027" in page and "по ч.2 ст.112 ТК РФ" in page
    assert db.session.scalar(select(CalendarDay).where(CalendarDay.day == date(2027, 5, 3))) is None
