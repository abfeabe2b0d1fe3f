"""Case pages through the browser's eyes: queue, list, filters, export, refusals in words, conflicts, bulk preview."""
from datetime import timedelta

from sqlalchemy import select

from casework.cases import services
from casework.cases.models import Case, StageChange
from casework.extensions import db
from casework.timeutil import today
from tests.factories import billed_account


def _case(user, **kw):
    acc, svc = billed_account(**kw)
    c = services.open_case(acc.id, user, today() - timedelta(days=5), assignee_id=user.id)
    db.session.commit()
    return c, svc


def test_queue_list_and_case_page_open(client, login):
    user = login("collector")
    c, _ = _case(user)
    c.next_action_on = today()
    c.next_action = "Позвонить должнику"
    db.session.commit()
    r = client.get("/cases/queue")
    assert r.status_code == 200 and "Позвонить должнику".encode() in r.data
    r = client.get("/cases/?stage=debt_detected")
    assert r.status_code == 200 and c.account.number.encode() in r.data
    assert c.account.number.encode() not in client.get("/cases/?stage=court").data
    r = client.get(f"/cases/{c.id}")
    assert r.status_code == 200 and c.account.debtor_name.encode() in r.data
    assert client.get("/cases/999999").status_code == 404


def test_refused_transition_is_explained_in_russian(client, login):
    user = login("collector")
    c, svc = _case(user)
    r = client.post(f"/cases/{c.id}/stage", data={"target": "paid", "version": c.version_id},
                    follow_redirects=True)
    assert "Долг ещё не погашен".encode() in r.data or "not repaid".encode() in r.data
    assert db.session.get(Case, c.id).stage == "debt_detected"
    r = client.post(f"/cases/{c.id}/stage", data={"target": "notice", "version": c.version_id},
                    follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Case, c.id).stage == "notice"


def test_stale_version_is_a_conflict_and_nothing_is_written(client, login):
    user = login("collector")
    c, _ = _case(user)
    old = c.version_id
    r = client.post(f"/cases/{c.id}/stage", data={"target": "notice", "version": old}, follow_redirects=True)
    r = client.post(f"/cases/{c.id}/stage", data={"target": "payment_agreement", "version": old},
                    follow_redirects=True)
    assert "обновите страницу".encode() in r.data.lower() or b"refresh the page" in r.data
    db.session.expire_all()
    assert db.session.get(Case, c.id).stage == "notice"
    assert len(db.session.scalars(select(StageChange).where(StageChange.case_id == c.id)).all()) == 2


def test_export_xlsx(client, login):
    user = login("manager")
    _case(user)
    r = client.get("/cases/?export=xlsx")
    assert r.status_code == 200 and r.data[:2] == b"PK"


def test_bulk_preview_then_confirm(client, login):
    user = login("manager")
    ids = [_case(user)[0].id for _ in range(3)]
    r = client.post("/cases/bulk", data={"action": "notice", "case_id": [str(i) for i in ids]})
    assert r.status_code == 200 and b"3" in r.data
    db.session.expire_all()
    assert {db.session.get(Case, i).stage for i in ids} == {"debt_detected"}  # preview changes nothing
    r = client.post("/cases/bulk", data={"action": "notice", "case_ids": ",".join(map(str, ids)), "confirm": "1"},
                    follow_redirects=True)
    assert r.status_code == 200
    db.session.expire_all()
    assert {db.session.get(Case, i).stage for i in ids} == {"notice"}


def test_collector_cannot_bulk_assign_or_decide_writeoffs(client, login):
    user = login("collector")
    c, _ = _case(user)
    assert client.post("/cases/bulk", data={"action": "assign", "case_id": [str(c.id)]}).status_code == 403
    assert client.post(f"/cases/{c.id}/assign", data={"assignee_id": 0}).status_code == 403
    assert client.post("/cases/writeoffs/1/decide", data={}).status_code == 403


def test_short_search_fragment_is_counted_only_on_request(app, client, login, monkeypatch):
    """«ив» (2 letters) cannot be answered by the trigram index: the list shows a page and «at least N», and the
    exact total only after «Count them all»; a 3-letter fragment is counted at once."""
    user = login("manager")
    for _ in range(3):
        _case(user)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    page = client.get("/cases/?q=ив").get_data(as_text=True)
    assert "Найдено: не менее 3." in page and "count=1" in page and "Найдено: 3" not in page
    assert "Все отобранные дела" in page
    counted = client.get("/cases/?q=ив&count=1").get_data(as_text=True)
    assert "Найдено: 3" in counted and "не менее" not in counted
    assert "Найдено: 3" in client.get("/cases/?q=иванов").get_data(as_text=True)
    last = client.get("/cases/?q=ив&page=2").get_data(as_text=True)  # the last page knows the total
    assert "Найдено: 3" in last


def test_neglected_lists_only_cases_nobody_works_on(client, login, make_user):
    """Above the threshold, open, no planned action, no hold, no running term; largest debt first; a collector
    sees their own."""
    manager = login("manager")
    collector = make_user("collector")
    big, _ = _case(manager, months=20)                # 60,000 ₽
    small_debt, _ = _case(manager, months=12)         # 36,000 ₽
    planned, _ = _case(manager)
    planned.next_action_on = today() + timedelta(days=3)
    held, _ = _case(manager)
    services.set_hold(held, "dispute", today() + timedelta(days=30), manager, today())
    warned, _ = _case(manager)
    services.record_warning_delivered(warned, today() - timedelta(days=2), manager)   # the 20-day term runs
    below, _ = _case(manager, months=1, monthly_kop=100_000)                          # 1,000 ₽: under the threshold
    theirs, _ = _case(manager, months=15)
    theirs.assignee_id = collector.id
    db.session.commit()
    page = client.get("/cases/neglected").get_data(as_text=True)
    shown = [c for c in (big, small_debt, theirs) if c.account.number in page]
    assert shown == [big, small_debt, theirs]
    for c in (planned, held, warned, below):
        assert c.account.number not in page, c
    assert page.index(big.account.number) < page.index(theirs.account.number) < page.index(small_debt.account.number)
    mine = client.get(f"/cases/neglected?user={collector.id}").get_data(as_text=True)
    assert theirs.account.number in mine and big.account.number not in mine
