"""The case page and the court-filing form for an organisation debtor: the arbitrazh court, refusals in Russian."""
from datetime import date, timedelta

from sqlalchemy import func, select

from casework.cases import services
from casework.cases.models import CourtRecord
from casework.extensions import db
from casework.timeutil import today
from tests.integration.test_arbitrazh import directory, make_debtor  # noqa: F401 (fixture)


def _case(user, court, **kw):
    acc = make_debtor(court, months=6, monthly_kop=800_000, **kw)
    c = services.open_case(acc.id, user, today() - timedelta(days=5), assignee_id=user.id)
    db.session.commit()
    return c


def test_case_page_names_the_arbitrazh_court_or_says_there_is_none(client, login, directory):  # noqa: F811
    user = login("lawyer")
    c = _case(user, directory["len"])
    html = client.get(f"/cases/{c.id}").get_data(as_text=True)
    assert "Арбитражный суд Республики Саха (Якутия)" in html
    assert "арбитражный суд (ст. 27, 28 АПК РФ)" in html
    c2 = _case(user, directory["sen"])
    html = client.get(f"/cases/{c2.id}").get_data(as_text=True)
    assert "нет действующего арбитражного суда" in html and directory["sen"].name in html


def test_court_filing_form_refuses_the_magistrate_and_takes_the_arbitrazh_court(client, login, directory):  # noqa: F811
    user = login("lawyer")
    c = _case(user, directory["len"])
    form = {"version": c.version_id, "kind": "order", "court_id": directory["len"].id,
            "filed_on": today().isoformat(), "principal": "48000.00"}
    r = client.post(f"/cases/{c.id}/court", data=form, follow_redirects=True)
    assert "дело подсудно арбитражному суду" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CourtRecord)) == 0
    form["court_id"] = 0  # «by the debtor's address»; the duty left empty is computed (НК 333.21)
    r = client.post(f"/cases/{c.id}/court", data=form, follow_redirects=True)
    assert r.status_code == 200
    rec = db.session.scalar(select(CourtRecord))
    assert rec.court_id == directory["asrsya"].id and rec.duty_kop == 800_000


def test_order_above_500000_is_refused_in_russian(client, login, directory):  # noqa: F811
    user = login("lawyer")
    acc = make_debtor(directory["len"], months=24, monthly_kop=2_600_000)
    c = services.open_case(acc.id, user, today() - timedelta(days=5), assignee_id=user.id)
    db.session.commit()
    r = client.post(f"/cases/{c.id}/court", data={"version": c.version_id, "kind": "order", "court_id": 0,
                                                  "filed_on": today().isoformat(), "principal": "624000.00"},
                    follow_redirects=True)
    text = r.get_data(as_text=True)
    assert "ст. 229.2" in text and "претензи" in text
    assert db.session.scalar(select(func.count()).select_from(CourtRecord)) == 0


def test_case_page_shows_the_arbitrazh_objection_deadline_in_working_days(client, login, directory):  # noqa: F811
    """An arbitrazh order received on Wednesday 03.06.2026: 10 working days (АПК ст.229.5 ч.3, 114 ч.3) skip Russia
    Day and two weekends, the term ends 18.06 and the writ may be sent from 19.06 — not from 16.06 as under the ГПК."""
    user = login("lawyer")
    c = _case(user, directory["len"])
    rec = services.record_court_filing(c, user, date(2026, 5, 20), principal_kop=4_800_000)  # before the order
    db.session.commit()
    r = client.post(f"/cases/court-records/{rec.id}", data={
        "version": c.version_id, "outcome": "issued", "issued_on": "2026-05-25", "received_on": "2026-06-03"},
        follow_redirects=True)
    assert r.status_code == 200
    html = client.get(f"/cases/{c.id}").get_data(as_text=True)
    assert "Срок на возражения истёк: можно направлять на исполнение — 19.06.2026" in html
    assert "16.06.2026" not in html
