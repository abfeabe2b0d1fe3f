"""229-ФЗ rules of enforcement proceedings: end grounds as ОСП registers and постановления cite them, statuses,
the six months before a returned writ may be presented again, the renewed three-year term, the complaint term."""
from datetime import date

import pytest

from casework.domain import enforcement as enf
from casework.domain.calendar import WorkingCalendar


@pytest.mark.parametrize("text, ref, reason", [
    ("п. 3 ч. 1 ст. 46", "п. 3 ч. 1 ст. 46", "impossible"),
    ("ст.46 ч.1 п.4", "п. 4 ч. 1 ст. 46", "impossible"),
    ("Окончить на основании пункта 4 части 1 статьи 46 ФЗ «Об исполнительном производстве»", "п. 4 ч. 1 ст. 46",
     "impossible"),
    ("пунктом 1 части 1 статьи 47", "п. 1 ч. 1 ст. 47", "paid"),
    ("ст. 47, ч. 1, п. 1 — фактическое исполнение", "п. 1 ч. 1 ст. 47", "paid"),
    ("46-1-1", "п. 1 ч. 1 ст. 46", "returned"),
    ("п. 4 ч. 2 ст. 43 (отмена судебного акта)", "п. 4 ч. 2 ст. 43", "cancelled"),
    ("п. 9 ч. 1 ст. 47", "п. 9 ч. 1 ст. 47", "other"),
])
def test_end_grounds_are_read_however_cited(text, ref, reason):
    g = enf.parse_end_ground(text)
    assert (g.ref, g.reason) == (ref, reason)


def test_no_article_no_ground():
    assert enf.parse_end_ground("окончено") is None and enf.parse_end_ground("ст. 64 ч. 1 п. 3") is None


@pytest.mark.parametrize("text, status", [
    ("В производстве", enf.IN_PROGRESS), ("окончено", enf.ENDED), ("Окончено (ст.46)", enf.ENDED),
    ("прекращено", enf.TERMINATED), ("Приостановлено", enf.SUSPENDED), ("не окончено", enf.IN_PROGRESS),
    ("", None), ("что-то иное", None)])
def test_statuses(text, status):
    assert enf.parse_status(text) == status


def test_terminated_by_article_43():
    assert enf.status_for(enf.parse_end_ground("п. 4 ч. 2 ст. 43"), True) == enf.TERMINATED
    assert enf.status_for(enf.parse_end_ground("п. 1 ч. 1 ст. 47"), True) == enf.ENDED


def test_re_presentation_only_after_impossible_and_six_months():
    g3, paid = enf.parse_end_ground("п. 3 ч. 1 ст. 46"), enf.parse_end_ground("п. 1 ч. 1 ст. 47")
    assert enf.re_presentation_date(date(2026, 11, 20), g3) == date(2027, 5, 20)
    assert enf.re_presentation_date(date(2026, 8, 31), g3) == date(2027, 2, 28)  # no 31 February
    assert enf.re_presentation_date(date(2026, 11, 20), paid) is None
    assert enf.writ_term_end(date(2026, 11, 20)) == date(2029, 11, 20)
    assert enf.writ_term_end(date(2028, 2, 29)) == date(2031, 2, 28)


def test_complaint_term_counts_working_days():
    cal = WorkingCalendar()
    assert enf.complaint_last_day(date(2026, 12, 4)) == date(2026, 12, 14)
    assert enf.complaint_last_day(date(2026, 12, 4), cal) == date(2026, 12, 18)  # Friday + 10 working days


def test_writ_numbers_compare_without_spelling():
    assert enf.writ_key("ФС № 012345678") == enf.writ_key("фс012345678") == enf.writ_key("FC 012345678".replace(
        "F", "Ф"))
    assert enf.writ_key("2‑1234/2026") == enf.writ_key("2-1234/2026")
    assert enf.writ_key("ВС № 012345678") == enf.writ_key("BC 012345678")  # Latin look-alikes
    assert enf.ip_number_ok("12345/26/14021-ИП") and not enf.ip_number_ok("12345/26")
