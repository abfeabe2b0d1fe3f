"""Contacts pages through the test client: log with warnings, promises, agreements, nothing deletable."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from casework.contacts.models import Contact, PaymentAgreement, Promise
from casework.extensions import db
from tests.factories import notice_case, plain_account


@pytest.fixture(autouse=True)
def _same_day(same_day_clock):
    """The tests below write `date.today()`; the app judges dates by the enterprise's day: pin both to one date."""


TODAY = date.today()


def text(resp) -> str:
    """Page text with Babel's non-breaking group separators turned into plain spaces."""
    return resp.get_data(as_text=True).replace("\xa0", " ").replace("\u202f", " ")


def _contact_data(**kw):
    data = {"channel": "call", "direction": "outgoing", "outcome": "promised_to_pay",
            "contacted_on": (TODAY - timedelta(days=1)).isoformat(), "contacted_time": "12:00", "contact_person": "сам должник",
            "note": "обещал оплатить", "promise_amount": "1500.50",
            "promise_due_on": (TODAY + timedelta(days=5)).isoformat(), "next_action_kind": "check_payment",
            "next_action_on": (TODAY + timedelta(days=9)).isoformat()}
    data.update(kw)
    return data


def test_log_a_contact_with_a_promise_from_the_case_page(app, client, login):
    user = login("collector")
    acc = plain_account()
    case = notice_case(acc, assignee=user)
    db.session.commit()
    page = client.get(f"/contacts/case/{case.id}")
    assert page.status_code == 200 and 'autofocus' in page.get_data(as_text=True)
    resp = client.post(f"/contacts/case/{case.id}", data=_contact_data())
    assert resp.status_code == 302
    contact = db.session.scalars(select(Contact)).one()
    promise = db.session.scalars(select(Promise)).one()
    assert contact.case_id == case.id and contact.author_id == user.id
    assert promise.amount_kop == 1500_50 and promise.contact_id == contact.id and promise.case_id == case.id
    html = text(client.get(f"/contacts/case/{case.id}"))
    assert "обещал оплатить" in html and "1 500,50" in html


def test_a_second_call_the_same_day_warns_and_saves_only_when_confirmed(app, client, login):
    login("collector")
    acc = plain_account()
    db.session.commit()
    data = _contact_data(promise_amount="", promise_due_on="", next_action_kind="", next_action_on="",
                         outcome="no_answer", contacted_time="10:00")
    assert client.post(f"/contacts/account/{acc.id}", data=data).status_code == 302
    data["contacted_time"] = "11:00"
    resp = client.post(f"/contacts/account/{acc.id}", data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="contact-warnings"' in html and "confirm_warnings" in html
    assert db.session.scalar(select(func.count(Contact.id))) == 1
    data["confirm_warnings"] = "y"
    assert client.post(f"/contacts/account/{acc.id}", data=data).status_code == 302
    saved = db.session.scalars(select(Contact).order_by(Contact.id.desc())).first()
    assert saved.warnings == ["day_limit"]


def test_invalid_contact_form_shows_errors_and_saves_nothing(app, client, login):
    login("collector")
    acc = plain_account()
    db.session.commit()
    resp = client.post(f"/contacts/account/{acc.id}", data=_contact_data(promise_due_on=""))
    assert resp.status_code == 200 and 'class="errors"' in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Contact.id))) == 0


def test_agreement_preview_then_save_then_sign_and_print(app, client, login):
    login("collector")
    acc = plain_account(balance_kop=10_000_01)
    case = notice_case(acc)
    db.session.commit()
    form = client.get(f"/contacts/case/{case.id}/agreements/new").get_data(as_text=True)
    assert 'value="10000.01"' in form  # default: the current balance
    data = {"kind": "instalment", "debt": "10000.01", "months": "7",
            "first_due_on": (TODAY + timedelta(days=10)).isoformat(), "day_of_month": "31",
            "remainder_on": "last", "preview": "1"}
    resp = client.post(f"/contacts/case/{case.id}/agreements/new", data=data)
    html = text(resp)
    assert resp.status_code == 200 and "1 428,59" in html  # kopeck split, remainder on the last
    assert db.session.scalar(select(func.count(PaymentAgreement.id))) == 0  # preview saves nothing
    data.pop("preview")
    data["save"] = "1"
    resp = client.post(f"/contacts/case/{case.id}/agreements/new", data=data)
    assert resp.status_code == 302
    ag = db.session.scalars(select(PaymentAgreement)).one()
    assert ag.status == "draft" and ag.total_kop == 10_000_01 and ag.case_id == case.id
    page = text(client.get(f"/contacts/agreements/{ag.id}"))
    assert "1 428,57" in page and "1 428,59" in page
    resp = client.post(f"/contacts/agreements/{ag.id}/sign", data={"signed_on": TODAY.isoformat(),
                                                                  "debtor_signatory": "Иванов И.И."})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(PaymentAgreement, ag.id).status == "on_track"
    printed = client.get(f"/contacts/agreements/{ag.id}/print")
    assert printed.status_code == 200 and "Иванов И.И." in printed.get_data(as_text=True)


def test_agreement_errors_are_shown_in_words(app, client, login):
    login("collector")
    acc = plain_account()
    db.session.commit()
    resp = client.post(f"/contacts/account/{acc.id}/agreements/new",
                       data={"kind": "instalment", "debt": "1.00", "months": "7", "round_rubles": "y",
                             "first_due_on": TODAY.isoformat(), "remainder_on": "last", "preview": "1"})
    assert resp.status_code == 200
    assert db.session.scalar(select(func.count(PaymentAgreement.id))) == 0


def test_nothing_is_deletable_and_a_collector_cannot_void_a_signed_agreement(app, client, login):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("contacts."):
            assert "DELETE" not in rule.methods and "delete" not in rule.rule
    user = login("collector")
    acc = plain_account()
    from casework.contacts import services
    ag = services.create_agreement(user, account_id=acc.id, debt_kop=300_00, months=3,
                                   first_due_on=TODAY + timedelta(days=5))
    services.sign_agreement(user, ag, TODAY)
    db.session.commit()
    resp = client.post(f"/contacts/agreements/{ag.id}/cancel", data={"reason": "ошибка", "void": "y"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(PaymentAgreement, ag.id).status == "on_track"
    client.post(f"/contacts/agreements/{ag.id}/cancel", data={"reason": "должник отказался"})
    db.session.expire_all()
    ag = db.session.get(PaymentAgreement, ag.id)
    assert ag.status == "cancelled" and not ag.is_void and ag.cancel_reason == "должник отказался"


def test_lists_filters_export_and_missing_records(app, client, login):
    user = login("manager")
    acc = plain_account(number="ЛС-777")
    from casework.contacts import services
    services.log_contact(user, account_id=acc.id, channel="visit", outcome="not_at_home", note="обход")
    db.session.commit()
    html = client.get("/contacts/?q=лс-777&channel=visit").get_data(as_text=True)
    assert "ЛС-777" in html
    assert "ЛС-777" not in client.get("/contacts/?channel=sms").get_data(as_text=True)
    x = client.get("/contacts/export.xlsx?channel=visit")
    assert x.status_code == 200 and x.data[:2] == b"PK"
    for url in ("/contacts/account/999999", "/contacts/case/999999", "/contacts/agreements/999999",
                "/contacts/agreements/999999/print"):
        assert client.get(url).status_code == 404
    assert client.get("/contacts/promises?status=pending").status_code == 200
    assert client.get("/contacts/agreements?status=broken").status_code == 200
    assert client.get("/contacts/due?all=1").status_code == 200


def test_admin_may_read_but_not_log(app, client, login):
    login("admin")
    acc = plain_account()
    db.session.commit()
    assert client.get(f"/contacts/account/{acc.id}").status_code == 200
    assert client.post(f"/contacts/account/{acc.id}", data=_contact_data()).status_code == 403
