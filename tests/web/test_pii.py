"""Personal data (passport, СНИЛС, phone, birth data): masked for collectors on every page that shows parties and
in exports; every full view by a lawyer, manager or admin is logged as an audit `pii.view` row."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.accounts.models import AccountParty, Party
from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.extensions import db
from casework.timeutil import today

from ..conftest import PASSWORD
from .test_csrf import Browser

PHONE = "+7 914 555-12-34"
SNILS = "123-456-789 01"
PASSPORT_NO = "987654"
BIRTH = date(1970, 3, 8)
FULL = {"phone": PHONE, "snils": SNILS, "passport": PASSPORT_NO, "birth": "08.03.1970", "birth_place": "Витим"}


@pytest.fixture()
def debtor(app, make_user):
    from tests.factories import owned_flat

    acc = owned_flat(owners=1)
    acc.phone = PHONE
    party = db.session.scalar(select(Party).join(AccountParty).where(AccountParty.account_id == acc.id))
    party.snils, party.passport_series, party.passport_number = SNILS, "9801", PASSPORT_NO
    party.birth_date, party.birth_place, party.phone = BIRTH, "п. Витим", PHONE
    collector = make_user("collector")
    case = case_services.open_case(acc.id, collector, today() - timedelta(days=3), assignee_id=collector.id)
    db.session.commit()
    return {"account": acc, "party": party, "case": case, "collector": collector}


def _browser(app, user):
    b = Browser(app)
    assert b.post("/auth/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return b


def _pages(d):
    acc, case = d["account"], d["case"]
    return [f"/accounts/{acc.id}", f"/cases/{case.id}", f"/contacts/account/{acc.id}", f"/contacts/case/{case.id}",
            f"/contacts/account/{acc.id}/agreements/new", f"/documents/new?code=notice_debt&account_id={acc.id}"]


def _leaks(html: str) -> list[str]:
    return [k for k, v in FULL.items() if v in html]


def _pii_rows(user_id: int) -> list:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pii.view",
                                                       AuditEvent.user_id == user_id)).all()


def test_collector_sees_only_masked_identifiers_and_nothing_is_logged(app, debtor):
    b = _browser(app, debtor["collector"])
    opened = 0
    for url in _pages(debtor):
        resp = b.get(url)
        if resp.status_code == 403:
            continue
        assert resp.status_code == 200, url
        opened += 1
        html = resp.get_data(as_text=True)
        assert _leaks(html) == [], (url, _leaks(html))
    assert opened >= 5
    html = b.get(f"/accounts/{debtor['account'].id}").get_data(as_text=True)
    assert "12-34" in html and "••" in html  # the last digits, enough to confirm a number on the phone
    assert _pii_rows(debtor["collector"].id) == []


@pytest.mark.parametrize("role", ["lawyer", "manager", "admin"])
def test_full_view_is_shown_and_logged(app, debtor, make_user, role):
    user = make_user(role)
    b = _browser(app, user)
    acc = debtor["account"]
    html = b.get(f"/accounts/{acc.id}").get_data(as_text=True)
    assert {"phone", "snils", "passport", "birth"} <= set(_leaks(html))
    rows = _pii_rows(user.id)
    assert {(r.entity, r.entity_id) for r in rows} >= {("parties", debtor["party"].id), ("accounts", acc.id)}
    if role != "admin":  # the contacts page is for case staff
        before = len(rows)
        html = b.get(f"/contacts/account/{acc.id}").get_data(as_text=True)
        assert PHONE in html
        assert len(_pii_rows(user.id)) == before + 1


def test_contacts_page_masks_the_phone_for_a_collector(app, debtor):
    b = _browser(app, debtor["collector"])
    html = b.get(f"/contacts/case/{debtor['case'].id}").get_data(as_text=True)
    assert PHONE not in html and "12-34" in html


def test_exports_carry_no_identifiers(app, debtor, make_user):
    from .test_injection import _cells_of

    for role in ("collector", "lawyer"):
        b = _browser(app, debtor["collector"] if role == "collector" else make_user(role))
        for url in ("/accounts/export.xlsx", "/accounts/export.csv", "/cases/?export=xlsx", "/contacts/export.xlsx",
                    "/documents/export.xlsx"):
            resp = b.get(url)
            if resp.status_code != 200:
                continue
            cells = " | ".join(_cells_of(resp))
            assert _leaks(cells) == [], (role, url, _leaks(cells))
