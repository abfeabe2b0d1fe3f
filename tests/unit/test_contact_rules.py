"""Contact-frequency limits (230-ФЗ ст.7), quiet hours and promise checking — pure rules."""
from datetime import date, datetime, time

import pytest

from casework.domain.contact_rules import (
    ContactLimits,
    PastContact,
    PromiseStatus,
    WarningCode,
    check_contact,
    check_promise,
    is_quiet_time,
)
from casework.domain.errors import DomainError

WED = date(2026, 11, 18)  # a Wednesday, working day


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm))


def calls(*moments, channel="call", direction="outgoing", outcome="reached"):
    return [PastContact(channel, direction, m, outcome) for m in moments]


def codes(ws):
    return sorted(str(w.code) for w in ws)


def test_first_call_of_the_day_raises_nothing():
    assert check_contact("call", "outgoing", at(WED, 10), []) == []


def test_second_call_the_same_day_is_over_the_daily_limit_of_one():
    ws = check_contact("call", "outgoing", at(WED, 15), calls(at(WED, 10)))
    assert codes(ws) == ["day_limit"]
    assert ws[0].limit == 1 and ws[0].count == 1


def test_second_call_of_the_week_is_at_the_limit_third_is_over():
    monday, tuesday = date(2026, 11, 16), date(2026, 11, 17)
    assert check_contact("call", "outgoing", at(tuesday, 10), calls(at(monday, 10))) == []
    ws = check_contact("call", "outgoing", at(WED, 10), calls(at(monday, 10), at(tuesday, 10)))
    assert codes(ws) == ["week_limit"]


def test_week_is_the_calendar_week_so_last_sundays_calls_do_not_count():
    sat, sun = date(2026, 11, 14), date(2026, 11, 15)
    assert check_contact("call", "outgoing", at(date(2026, 11, 16), 10), calls(at(sat, 10), at(sun, 10))) == []


def test_month_limit_eight_calls_is_at_the_limit_ninth_is_over():
    # two calls a week across November, on distinct days: Mon/Thu of each week
    days = [date(2026, 11, d) for d in (2, 5, 9, 12, 16, 19, 23)]
    past = calls(*[at(d, 10) for d in days])
    assert check_contact("call", "outgoing", at(date(2026, 11, 30), 10), past) == []  # 8th call, new week
    past8 = past + calls(at(date(2026, 11, 26), 10))
    ws = check_contact("call", "outgoing", at(date(2026, 11, 30), 10), past8)
    assert codes(ws) == ["month_limit"]


def test_messages_have_their_own_limits_two_a_day():
    past = calls(at(WED, 9), channel="sms")
    assert check_contact("sms", "outgoing", at(WED, 12), past) == []
    past += calls(at(WED, 10), channel="messenger")
    assert codes(check_contact("sms", "outgoing", at(WED, 12), past)) == ["day_limit"]
    # calls are a different class: two SMS do not limit a call
    assert check_contact("call", "outgoing", at(WED, 12), past) == []


def test_incoming_contacts_are_neither_limited_nor_counted():
    past = calls(at(WED, 9), direction="incoming")
    assert check_contact("call", "outgoing", at(WED, 12), past) == []
    assert check_contact("call", "incoming", at(WED, 23), calls(at(WED, 9), at(WED, 10))) == []


def test_letters_are_not_limited():
    assert check_contact("letter", "outgoing", at(WED, 23), calls(at(WED, 9), channel="letter")) == []


def test_unanswered_calls_count_unless_the_setting_says_otherwise():
    past = calls(at(WED, 9), outcome="no_answer")
    assert codes(check_contact("call", "outgoing", at(WED, 12), past)) == ["day_limit"]
    relaxed = ContactLimits(count_unanswered=False)
    assert check_contact("call", "outgoing", at(WED, 12), past, relaxed) == []


@pytest.mark.parametrize("hh,mm,quiet", [(21, 59, False), (22, 0, True), (7, 59, True), (8, 0, False)])
def test_quiet_hours_on_a_working_day(hh, mm, quiet):
    assert is_quiet_time(at(WED, hh, mm)) is quiet


@pytest.mark.parametrize("hh,mm,quiet", [(19, 59, False), (20, 0, True), (8, 59, True), (9, 0, False)])
def test_quiet_hours_on_a_weekend(hh, mm, quiet):
    assert is_quiet_time(at(date(2026, 11, 21), hh, mm)) is quiet  # Saturday


def test_holiday_on_a_weekday_uses_weekend_hours_with_a_calendar():
    holiday = date(2026, 11, 4)  # Wednesday, National Unity Day
    assert is_quiet_time(at(holiday, 20, 30)) is False
    assert is_quiet_time(at(holiday, 20, 30), is_working_day=lambda d: d != holiday) is True


def test_call_in_quiet_hours_warns():
    ws = check_contact("call", "outgoing", at(WED, 22, 0), [])
    assert codes(ws) == ["quiet_hours"]


def test_after_a_refusal_every_outgoing_contact_warns():
    past = calls(at(date(2026, 10, 1), 10), outcome="refused_contact")
    assert WarningCode.REFUSED_CONTACT in [w.code for w in check_contact("letter", "outgoing", at(WED, 10), past)]


def test_settings_override_the_defaults_and_reject_unknown_keys():
    limits = ContactLimits.from_settings({"call": [2, 5, 10], "weekday_quiet_from": "21:00"})
    assert check_contact("call", "outgoing", at(WED, 15), calls(at(WED, 10)), limits) == []
    assert is_quiet_time(at(WED, 21, 0), limits)
    with pytest.raises(DomainError):
        ContactLimits.from_settings({"calls_per_day": 3})


# --------------------------------------------------------------------------------------------- promises

GIVEN, DUE = date(2026, 11, 2), date(2026, 11, 10)


def test_promise_kept_as_soon_as_the_amount_arrives_before_the_date():
    r = check_promise(500_00, GIVEN, DUE, [(date(2026, 11, 5), 500_00)], today=date(2026, 11, 6), grace_days=3)
    assert r.status == PromiseStatus.KEPT and r.paid_kop == 500_00 and r.shortfall_kop == 0


def test_promise_stays_pending_through_the_last_grace_day():
    r = check_promise(500_00, GIVEN, DUE, [], today=date(2026, 11, 13), grace_days=3)
    assert r.status == PromiseStatus.PENDING and r.window_end == date(2026, 11, 13)


def test_promise_broken_the_day_after_grace_ends():
    r = check_promise(500_00, GIVEN, DUE, [], today=date(2026, 11, 14), grace_days=3)
    assert r.status == PromiseStatus.BROKEN and r.shortfall_kop == 500_00


def test_payment_on_the_last_grace_day_counts_and_the_next_day_does_not():
    on_last = check_promise(500_00, GIVEN, DUE, [(date(2026, 11, 13), 500_00)], date(2026, 11, 20), 3)
    after = check_promise(500_00, GIVEN, DUE, [(date(2026, 11, 14), 500_00)], date(2026, 11, 20), 3)
    assert on_last.status == PromiseStatus.KEPT
    assert after.status == PromiseStatus.BROKEN


def test_payments_before_the_promise_was_given_do_not_count():
    r = check_promise(500_00, GIVEN, DUE, [(date(2026, 11, 1), 500_00)], date(2026, 11, 20), 3)
    assert r.status == PromiseStatus.BROKEN


def test_partly_kept_when_some_but_not_all_was_paid():
    r = check_promise(500_00, GIVEN, DUE, [(date(2026, 11, 3), 200_00), (date(2026, 11, 9), 100_00)],
                      date(2026, 11, 20), 3)
    assert r.status == PromiseStatus.PARTLY_KEPT and r.paid_kop == 300_00 and r.shortfall_kop == 200_00


def test_a_reversed_payment_does_not_keep_a_promise():
    r = check_promise(500_00, GIVEN, DUE, [(date(2026, 11, 3), 500_00), (date(2026, 11, 4), -500_00)],
                      date(2026, 11, 20), 3)
    assert r.status == PromiseStatus.BROKEN


def test_zero_grace_means_the_promised_day_itself_is_the_last():
    assert check_promise(1, GIVEN, DUE, [], DUE, 0).status == PromiseStatus.PENDING
    assert check_promise(1, GIVEN, DUE, [], date(2026, 11, 11), 0).status == PromiseStatus.BROKEN


def test_promise_amount_must_be_positive():
    with pytest.raises(DomainError):
        check_promise(0, GIVEN, DUE, [], DUE)
