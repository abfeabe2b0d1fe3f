"""The messages pages: send form on an account and a case (queue, refusal named), the list with filters."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from casework import timeutil
from casework.extensions import db
from casework.messages.models import Message

NOON_UTC = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)  # Wednesday, 12:00 in Moscow
NIGHT_UTC = datetime(2026, 12, 2, 20, 30, tzinfo=timezone.utc)  # 23:30 in Moscow


@pytest.fixture()
def at_noon(app, monkeypatch):
    monkeypatch.setattr(timeutil, "_clock", lambda: NOON_UTC)
    timeutil.forget_zone()


def _account():
    from tests.factories import billed_account

    acc, _svc = billed_account()
    acc.phone, acc.email = "+7 914 123-45-67", "debtor@example.ru"
    db.session.commit()
    return acc


def test_collector_sends_a_notice_from_the_account_page_and_sees_it_listed(app, client, login, at_noon):
    acc = _account()
    login("collector")
    page = client.get(f"/messages/account/{acc.id}/send?channel=sms&kind=notice")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Отправить e-mail / SMS" in html and acc.number in html
    assert "•••" in html and "123-45-67" not in html  # the collector sees the phone masked
    resp = client.post(f"/messages/account/{acc.id}/send",
                       data={"channel": "sms", "kind": "notice", "to": "", "subject": "",
                             "body": f"Долг по л/с {acc.number}", "document_id": "", "submit": "1"})
    assert resp.status_code == 302
    msg = db.session.scalar(select(Message).where(Message.account_id == acc.id))
    assert (msg.status, msg.channel, msg.to_address) == ("queued", "sms", "79141234567")
    listing = client.get("/messages/?status=queued&channel=sms").get_data(as_text=True)
    assert acc.number in listing and "В очереди" in listing and "79141234567" not in listing
    assert acc.number not in client.get("/messages/?status=delivered").get_data(as_text=True)


def test_fill_puts_the_short_warning_text_in_the_form(app, client, login, at_noon):
    acc = _account()
    login("lawyer")
    resp = client.post(f"/messages/account/{acc.id}/send",
                       data={"channel": "email", "kind": "warning", "body": "x", "fill": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "в течение 20 дней со дня доставки настоящего предупреждения" in html
    assert db.session.scalar(select(Message).where(Message.account_id == acc.id)) is None


def test_a_message_at_night_is_refused_with_the_rule_in_russian(app, client, login, monkeypatch):
    monkeypatch.setattr(timeutil, "_clock", lambda: NIGHT_UTC)
    timeutil.forget_zone()
    acc = _account()
    login("manager")
    resp = client.post(f"/messages/account/{acc.id}/send",
                       data={"channel": "sms", "kind": "reminder", "body": "Напоминание", "submit": "1"},
                       follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Сообщение не отправлено" in html and "Запрещённое время" in html
    msg = db.session.scalar(select(Message).where(Message.account_id == acc.id))
    assert msg.status == "refused"


def test_admin_sees_the_settings_without_secrets(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "SMSRU_API_ID", "SECRET-API-ID")
    monkeypatch.setitem(app.config, "MESSAGES_CALLBACK_SECRET", "cb-secret")
    login("admin")
    html = client.get("/messages/settings").get_data(as_text=True)
    assert "SECRET-API-ID" not in html and "cb-secret" not in html
    assert "/messages/callback/smsru?token=" in html  # the access matrix covers the other roles' 403


def test_the_message_goes_to_the_chosen_person_of_the_account(app, client, login, at_noon):
    from casework.accounts.models import AccountParty, Party

    acc = _account()
    person = Party(full_name="Петров Пётр Петрович", email="petrov@example.ru")
    stranger = Party(full_name="Чужой Человек", email="stranger@example.ru")
    db.session.add_all([person, stranger])
    db.session.flush()
    db.session.add(AccountParty(account_id=acc.id, party_id=person.id, role="owner", share_num=1, share_den=1))
    db.session.commit()
    login("lawyer")
    html = client.get(f"/messages/account/{acc.id}/send").get_data(as_text=True)
    assert "Петров Пётр Петрович" in html and "Чужой Человек" not in html
    form = {"channel": "email", "kind": "reminder", "subject": "Напоминание", "body": "Оплатите, пожалуйста.",
            "submit": "1"}
    resp = client.post(f"/messages/account/{acc.id}/send", data=dict(form, party_id=str(stranger.id)))
    assert resp.status_code == 200  # refused: not a person of this account (a choice not offered)
    assert db.session.scalar(select(Message).where(Message.account_id == acc.id)) is None
    resp = client.post(f"/messages/account/{acc.id}/send", data=dict(form, party_id=str(person.id)))
    assert resp.status_code == 302
    msg = db.session.scalar(select(Message).where(Message.account_id == acc.id))
    assert (msg.to_address, msg.addressee, msg.party_id) == ("petrov@example.ru", "Петров Пётр Петрович", person.id)
