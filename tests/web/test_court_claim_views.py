"""The court letters' form and the case's court-filing form through the browser: the month checklist (default ticks:
due and not time-barred), the court-order application refused with the claim offered, the claim to the district
court, the same guard on the case page, and the date guards of the court record — in Russian.

The debt runs up to the current month (not due yet) from six years back (the oldest months time-barred), 15 000 ₽ a
month: the due months within limitation are above 500 000 ₽ on any day."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from casework.cases import services
from casework.cases.models import CourtRecord
from casework.documents import russian as ru
from casework.documents.models import Document
from casework.extensions import db
from casework.timeutil import today
from tests.integration.test_court_claim import make_debtor, world  # noqa: F401 (fixture)

TOKEN_RE = re.compile(r'name="issue_token" value="([^"]+)"')


def _months_back(d: date, n: int) -> date:
    i = d.year * 12 + d.month - 1 - n
    return date(i // 12, i % 12 + 1, 1)


def _debtor(world):  # noqa: F811
    current = today().replace(day=1)
    acc = make_debtor(world, first=_months_back(current, 71), last=current)
    db.session.commit()
    return acc


def _rub(kop: int) -> str:
    """A regular expression for an amount as the page prints it («734 724,42 ₽», any group separator)."""
    rub = f"{kop // 100:,}".replace(",", r"\D?")
    return rub + f",{kop % 100:02d}"


def _form(client, url):
    html = client.get(url).get_data(as_text=True)
    return html, TOKEN_RE.search(html).group(1)


def _checkbox(html, month: str) -> str:
    return re.search(r'<input type="checkbox" name="claim_period" value="%s"[^>]*>' % month, html).group(0)


def test_the_document_form_ticks_due_months_refuses_the_order_and_issues_the_claim(client, login, world):  # noqa: F811
    login("lawyer")
    acc = _debtor(world)
    checklist = services.claim_checklist_for(acc.id, today())
    ticked = sorted(str(p) for p in checklist.selected)
    current = today().strftime("%Y-%m")
    oldest = _months_back(today().replace(day=1), 71).strftime("%Y-%m")
    url = f"/documents/new?account_id={acc.id}&code=court_order_application"
    html, token = _form(client, url)
    assert "Взыскиваемые месяцы" in html
    assert "disabled" in _checkbox(html, current) and "checked" not in _checkbox(html, current)
    assert "checked" not in _checkbox(html, oldest)  # time-barred: only on an explicit tick
    assert "checked" in _checkbox(html, ticked[-1]) and "checked" in _checkbox(html, ticked[0])
    assert re.search(_rub(checklist.total_kop), html)  # the sums of the default ticks

    form = {"account_id": acc.id, "code": "court_order_application", "issue_token": token,
            "claim_periods_shown": "1", "claim_period": ticked}
    r = client.post("/documents/new", data=dict(form, action="preview"))
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "Нужно подать исковое заявление" in text
    assert "code=claim_after_cancel" in text and "Подготовить «Исковое заявление о взыскании задолженности»" in text
    r = client.post("/documents/new", data=dict(form, action="issue"))
    assert r.status_code == 200 and db.session.scalar(select(func.count()).select_from(Document)) == 0

    html, token = _form(client, f"/documents/new?account_id={acc.id}&code=claim_after_cancel")
    form = dict(form, code="claim_after_cancel", issue_token=token)
    r = client.post("/documents/new", data=dict(form, action="preview"))
    text = r.get_data(as_text=True)
    assert "Ленский районный суд Республики Саха (Якутия)" in text
    assert ru.money(checklist.total_kop) in text
    # ticking the time-barred months adds them (the lawyer's explicit choice); the sums follow
    everything = [str(p.period) for p in checklist.periods if p.due]
    full = services.claim_for(acc.id, today(), everything)
    r = client.post("/documents/new", data=dict(form, action="preview", claim_period=everything))
    text = r.get_data(as_text=True)
    assert ru.money(full.total_kop) in text and full.total_kop > checklist.total_kop
    assert "checked" in _checkbox(text, oldest)
    # a month not yet due, forged into the form, is refused
    r = client.post("/documents/new", data=dict(form, action="preview", claim_period=everything + [current]))
    assert "ещё не наступил" in r.get_data(as_text=True)
    r = client.post("/documents/new", data=dict(form, action="issue"))
    assert r.status_code == 302
    doc = db.session.scalar(select(Document))
    assert doc.addressee == world["district"].name and doc.amount_kop == checklist.debt_kop


def test_the_case_filing_form_takes_the_months_and_the_same_guard(client, login, world):  # noqa: F811
    user = login("lawyer")
    acc = _debtor(world)
    case = services.open_case(acc.id, user, today() - timedelta(days=3), assignee_id=user.id)
    db.session.commit()
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Взыскиваемые месяцы" in html and 'name="claim_period"' in html
    assert 'name="principal"' not in html
    checklist = services.claim_checklist_for(acc.id, today())
    ticked = [str(p) for p in checklist.selected]
    form = {"version": case.version_id, "kind": "order", "court_id": 0, "filed_on": today().isoformat(),
            "claim_periods_shown": "1", "claim_period": ticked}
    r = client.post(f"/cases/{case.id}/court", data=form, follow_redirects=True)
    assert "Нужно подать исковое заявление" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CourtRecord)) == 0
    r = client.post(f"/cases/{case.id}/court", data=dict(form, kind="claim"), follow_redirects=True)
    assert r.status_code == 200
    rec = db.session.scalar(select(CourtRecord))
    assert rec.kind == "claim" and rec.court_id == world["district"].id
    assert (rec.principal_kop, rec.penalty_kop) == (checklist.debt_kop, checklist.penalty_kop)
    # the court record's dates: a judgment before the claim, a date in the future — refused in Russian
    r = client.post(f"/cases/court-records/{rec.id}", data={"version": case.version_id + 1, "outcome": "satisfied",
                                                            "issued_on": (today() - timedelta(days=1)).isoformat()},
                    follow_redirects=True)
    text = r.get_data(as_text=True)
    assert "не может быть вынесено" in text and "раньше подачи иска" in text
    r = client.post(f"/cases/court-records/{rec.id}", data={"version": case.version_id + 1, "outcome": "satisfied",
                                                            "issued_on": (today() + timedelta(days=1)).isoformat()},
                    follow_redirects=True)
    assert "ещё не наступила" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CourtRecord, rec.id).issued_on is None


def test_no_district_court_is_said_on_the_form_and_the_case_page(client, login, world):  # noqa: F811
    user = login("lawyer")
    world["district"].is_active = False
    acc = _debtor(world)
    case = services.open_case(acc.id, user, today() - timedelta(days=3), assignee_id=user.id)
    db.session.commit()
    html, token = _form(client, f"/documents/new?case_id={case.id}&code=claim_after_cancel")
    r = client.post("/documents/new", data={"case_id": case.id, "code": "claim_after_cancel", "action": "preview",
                                            "issue_token": token})
    text = r.get_data(as_text=True)
    assert "нет действующего районного суда" in text and "Ленский район" in text
    ticked = [str(p) for p in services.claim_checklist_for(acc.id, today()).selected]
    r = client.post(f"/cases/{case.id}/court", data={"version": case.version_id, "kind": "claim", "court_id": 0,
                                                     "filed_on": today().isoformat(), "claim_periods_shown": "1",
                                                     "claim_period": ticked}, follow_redirects=True)
    assert "нет действующего районного суда" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CourtRecord)) == 0
