"""Two managers closing the same month at once (issue: security, item 6): one closes it, the other gets a clear
refusal in Russian — never the unique constraint's IntegrityError (a 500 on the web).

Real connections each: the other manager works in a thread with an app context, session and connection of its own.
The first test puts the other manager's whole close (and commit) between our check «not closed yet» and our
INSERT — the window of the race — deterministically on both engines; the second runs the two closes truly at
once (ours waits on the other's uncommitted row: on PostgreSQL we see it wait in pg_stat_activity); the third
does the first one's interleaving through the web, as two managers' browsers.
"""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from casework.audit.models import AuditEvent
from casework.auth.models import User
from casework.extensions import db
from casework.reports.models import ClosedMonth
from casework.reports.services import MonthNotClosable, close_month

from ..conftest import PASSWORD
from ..web.test_csrf import Browser
from .test_concurrency import _run_threads

JAN = date(2025, 1, 1)
TODAY = date(2025, 2, 10)
RACE_RU = "2025-01 только что закрыт другим пользователем; отчёт показывается в представленном виде."


def _closed_rows() -> list[ClosedMonth]:
    db.session.expire_all()
    return list(db.session.scalars(select(ClosedMonth).where(ClosedMonth.month == JAN)))


def _close_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "report.close_month"))


class _OtherFirst:
    """A before_flush hook: when our session is about to INSERT the closed month, `run` (the other manager, on its
    own connection) closes it and commits first — once."""

    def __init__(self, run):
        self.run, self.fired, self.result = run, False, None

    def __call__(self, session, flush_context, instances):
        if self.fired or not any(isinstance(o, ClosedMonth) for o in session.new):
            return
        self.fired = True
        self.result = _run_threads([self.run])[0]

    def __enter__(self):
        event.listen(Session, "before_flush", self)
        return self

    def __exit__(self, *exc):
        event.remove(Session, "before_flush", self)


def test_a_month_closed_by_another_manager_meanwhile_is_refused_in_russian(app, make_user):
    me, other = make_user("manager"), make_user("manager")

    def other_closes():
        with app.app_context():
            try:
                close_month(JAN, db.session.get(User, other.id), TODAY)
                db.session.commit()
                return "closed"
            finally:
                db.session.remove()

    with _OtherFirst(other_closes) as hook:
        with pytest.raises(MonthNotClosable) as refused:
            close_month(JAN, me, TODAY)
    assert hook.fired and hook.result == "closed"
    assert str(refused.value) == RACE_RU
    db.session.rollback()
    rows = _closed_rows()
    assert [r.closed_by_id for r in rows] == [other.id]  # the other manager's close stands, nothing of ours
    assert _close_events() == 1


def _wait_until_waiting_on_a_lock(is_postgres: bool) -> None:
    """PostgreSQL: until a backend waits on a lock (our INSERT behind the other's uncommitted month). SQLite gives
    no such view: the writer waits on the database lock (busy timeout); a short pause lets it get there."""
    if not is_postgres:
        time.sleep(0.3)
        return
    for _ in range(200):
        with db.engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                 "AND datname = current_database()")).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("the second close never waited on the first one's row")


def test_two_closes_at_once_one_closes_the_other_is_refused(app, make_user, is_postgres):
    users = [make_user("manager"), make_user("manager")]
    first_flushed = threading.Event()

    def first():
        with app.app_context():
            try:
                close_month(JAN, db.session.get(User, users[0].id), TODAY)  # flushed: holds the month's key
                first_flushed.set()
                _wait_until_waiting_on_a_lock(is_postgres)
                db.session.commit()
                return "closed"
            finally:
                db.session.remove()

    def second():
        with app.app_context():
            try:
                first_flushed.wait(30)
                close_month(JAN, db.session.get(User, users[1].id), TODAY)  # checks «not closed», then waits
                db.session.commit()
                return "closed"
            except MonthNotClosable as exc:
                return str(exc)
            finally:
                db.session.remove()

    results = _run_threads([first, second])
    assert results == ["closed", RACE_RU], results
    assert [r.closed_by_id for r in _closed_rows()] == [users[0].id]
    assert _close_events() == 1


def test_two_managers_closing_through_the_web_the_second_sees_the_message_not_a_500(app, make_user):
    browsers = []
    for _ in range(2):
        u = make_user("manager")
        b = Browser(app)
        assert b.post("/auth/login", data={"username": u.username, "password": PASSWORD}).status_code == 302
        browsers.append((b, u))
    url = "/reports/monthly/2025-01/close"

    def other_posts():
        resp = browsers[1][0].post(url, data={"confirm": "y"})
        return resp.status_code

    with _OtherFirst(other_posts) as hook:
        resp = browsers[0][0].post(url, data={"confirm": "y"}, headers={"Referer": "/reports/monthly?month=2025-01"})
    assert hook.fired and hook.result == 302  # the other manager's close went through
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/reports/monthly?month=2025-01")
    page = browsers[0][0].get("/reports/monthly?month=2025-01")
    assert page.status_code == 200 and RACE_RU in page.get_data(as_text=True)
    assert [r.closed_by_id for r in _closed_rows()] == [browsers[1][1].id]
    assert _close_events() == 1
