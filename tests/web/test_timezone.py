"""The enterprise's time zone: Lensk is UTC+9. With the clock at 20:00 UTC on 04.12.2026 it is already 05:00 on
05.12.2026 there: «today», the daily job's date and every time shown are Lensk's.

Only the clock source of casework.timeutil is replaced (the boundary); everything else is the real application."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from casework import timeutil
from casework.cases import services as case_services
from casework.cases.models import Deadline, StageChange
from casework.contacts.models import Contact
from casework.enterprise.models import get_enterprise
from casework.extensions import db
from tests.factories import billed_account

EVENING_UTC = datetime(2026, 12, 4, 20, 0, tzinfo=timezone.utc)   # 05:00 on 05.12 in Lensk, 23:00 on 04.12 in Moscow
MORNING_UTC = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)   # 19:00 on 04.12 in Lensk


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def clock(monkeypatch):
    c = Clock(EVENING_UTC)
    monkeypatch.setattr(timeutil, "_clock", c)
    return c


def _set_zone(name: str) -> None:
    get_enterprise().timezone = name
    db.session.commit()
    timeutil.forget_zone()


def test_today_is_the_enterprise_local_date(app, clock):
    _set_zone("Asia/Yakutsk")
    assert timeutil.today() == date(2026, 12, 5)
    assert timeutil.now_local() == datetime(2026, 12, 5, 5, 0)
    assert timeutil.utcnow() == datetime(2026, 12, 4, 20, 0)
    assert timeutil.local(datetime(2026, 12, 4, 20, 0)) == datetime(2026, 12, 5, 5, 0)
    clock.now = MORNING_UTC
    assert timeutil.today() == date(2026, 12, 4)
    clock.now = EVENING_UTC
    _set_zone("Europe/Moscow")
    assert timeutil.today() == date(2026, 12, 4)


def test_without_a_zone_of_its_own_the_enterprise_follows_default_timezone(app, clock):
    get_enterprise().timezone = None
    db.session.commit()
    timeutil.forget_zone()
    app.config["DEFAULT_TIMEZONE"] = "Asia/Kamchatka"
    try:
        assert timeutil.zone_name() == "Asia/Kamchatka"
        assert timeutil.now_local() == datetime(2026, 12, 5, 8, 0)
    finally:
        app.config["DEFAULT_TIMEZONE"] = "Europe/Moscow"
        timeutil.forget_zone()


def test_audit_times_are_shown_in_lensk_time(client, login, clock):
    _set_zone("Asia/Yakutsk")
    login("admin")  # the user's creation and the sign-in are audited at 20:00 UTC
    page = client.get("/audit/").get_data(as_text=True)
    assert "05.12.2026 05:00" in page
    assert "04.12.2026 20:00" not in page


def test_a_contact_keeps_the_local_time_it_was_logged_at(client, login, clock):
    _set_zone("Asia/Yakutsk")
    user = login("collector")
    acc, _svc = billed_account()
    db.session.commit()
    # the form starts at Lensk's date and time
    form = client.get(f"/contacts/account/{acc.id}").get_data(as_text=True)
    assert 'value="2026-12-05"' in form and 'value="05:00"' in form
    # 05:00 in Lensk is not «in the future» although it is only 20:00 of the day before in UTC
    resp = client.post(f"/contacts/account/{acc.id}", data={
        "channel": "visit", "direction": "outgoing", "outcome": "reached", "contacted_on": "2026-12-05",
        "contacted_time": "05:00", "confirm_warnings": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    db.session.expire_all()
    contact = db.session.scalar(select(Contact).where(Contact.account_id == acc.id))
    assert contact.contacted_at == datetime(2026, 12, 5, 5, 0) and contact.author_id == user.id
    page = client.get("/contacts/").get_data(as_text=True)
    assert "05.12.2026 05:00" in page and "05.12.2026 14:00" not in page  # local time, not shifted twice


def test_stage_moves_and_the_daily_job_use_the_local_date(client, login, runner, clock):
    _set_zone("Asia/Yakutsk")
    user = login("collector")
    acc, svc = billed_account()
    case = case_services.open_case(acc.id, user, date(2026, 11, 1))
    case.stage_since = date(2026, 11, 1)
    # the step the term offers passes its guard (notice stage, hot water above two norm months, warning delivered
    # 01.11: restriction possible since 24.11), so only the term's date decides
    case.stage, case.service_id, svc.norm_monthly_kop = "notice", svc.id, 300_000
    db.session.add(Deadline(case_id=case.id, kind="warning_term", starts_on=date(2026, 11, 1),
                            due_on=date(2026, 12, 5)))
    db.session.commit()

    # 19:00 on 04.12 in Lensk: the deadline due on 05.12 is not reached yet
    clock.now = MORNING_UTC
    result = runner.invoke(args=["daily"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(Deadline.reached_on).where(Deadline.case_id == case.id,
                                                               Deadline.kind == "warning_term")) is None

    # 05:00 on 05.12 in Lensk (20:00 on 04.12 in UTC): it is
    clock.now = EVENING_UTC
    result = runner.invoke(args=["daily"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(Deadline.reached_on).where(Deadline.case_id == case.id,
                                                               Deadline.kind == "warning_term")) == date(2026, 12, 5)

    # a move made through the case page is dated with Lensk's date
    resp = client.post(f"/cases/{case.id}/stage", data={"target": "payment_agreement", "version": case.version_id})
    assert resp.status_code == 302
    db.session.expire_all()
    move = db.session.scalar(select(StageChange).where(StageChange.case_id == case.id,
                                                       StageChange.to_stage == "payment_agreement"))
    assert move is not None and move.changed_on == date(2026, 12, 5)
    assert move.changed_on - timedelta(days=1) == EVENING_UTC.date()
