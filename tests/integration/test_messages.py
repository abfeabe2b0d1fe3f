"""Messages with proof against real servers: an SMTP server (aiosmtpd) receiving the e-mail, a local HTTP server
answering as SMS.ru's API documents, signed delivery callbacks, the 230-ФЗ refusals, and a delivered ПП 354
warning starting the 20-day term."""
from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from datetime import date, datetime, timedelta, timezone
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from casework import timeutil
from casework.cases.models import Deadline
from casework.contacts.models import Contact
from casework.documents.models import Document
from casework.domain.stages import restriction_may_start_on
from casework.extensions import db
from casework.messages import services
from casework.messages.models import Message

# Wednesday 02.12.2026, 12:00 in Moscow (the default zone): a working day, outside quiet hours
NOON_UTC = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
NIGHT_UTC = datetime(2026, 12, 2, 20, 30, tzinfo=timezone.utc)  # 23:30 in Moscow


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def clock(app, monkeypatch):
    c = Clock(NOON_UTC)
    monkeypatch.setattr(timeutil, "_clock", c)
    timeutil.forget_zone()
    return c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping every envelope it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK: queued as CW-TEST-1"


@pytest.fixture()
def smtp_server(app, monkeypatch):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": False,
                       "SMTP_FROM": "dolg@teplo.example.ru", "SMTP_TIMEOUT_SECONDS": 10}.items():
        monkeypatch.setitem(app.config, key, value)
    yield inbox
    controller.stop()


class SmsRu:
    """A local HTTP server answering /sms/send and /sms/status in SMS.ru's documented JSON (https://sms.ru/api/send,
    https://sms.ru/api/status)."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.send_answer = None  # a dict to answer /sms/send with, else a success for the number asked
        self.statuses: dict[str, tuple[int, str, str]] = {}  # sms_id → (status_code, cost, status_text)
        self.next_id = 10000000

    def handle(self, path: str, form: dict) -> dict:
        self.requests.append((path, form))
        if path == "/sms/send":
            if self.send_answer is not None:
                return self.send_answer
            self.next_id += 1
            sms_id = f"000000-{self.next_id}"
            return {"status": "OK", "status_code": 100,
                    "sms": {form["to"]: {"status": "OK", "status_code": 100, "sms_id": sms_id}}, "balance": 4122.56}
        if path == "/sms/status":
            out = {}
            for sms_id in form["sms_id"].split(","):
                code, cost, text = self.statuses.get(sms_id, (102, "0.50", "Сообщение передано оператору"))
                out[sms_id] = {"status": "OK", "status_code": code, "cost": float(cost), "status_text": text}
            return {"status": "OK", "status_code": 100, "sms": out}
        return {"status": "ERROR", "status_code": 210, "status_text": "Используется GET, где необходимо POST"}


@pytest.fixture()
def smsru(app, monkeypatch):
    fake = SmsRu()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode()).items()}
            body = json.dumps(fake.handle(self.path, form), ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "SMSRU_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setitem(app.config, "SMSRU_API_ID", "A3CA597E-3ACF-4E7D-82EE-CF82B52B1A8B")
    monkeypatch.setitem(app.config, "SMSRU_TIMEOUT_SECONDS", 10)
    yield fake
    server.shutdown()
    server.server_close()


def _account(phone="8 (914) 123-45-67", email="ivanova@example.ru"):
    from tests.factories import owned_flat

    acc = owned_flat(number=f"M{datetime.now().microsecond:06d}")
    acc.phone, acc.email = phone, email
    db.session.commit()
    return acc


def test_email_reaches_the_smtp_server_with_russian_subject_body_and_the_document(clock, smtp_server):
    from tests.integration.test_documents import _issue

    acc = _account()
    doc, _text = _issue("notice_debt", acc)
    subject = "Уведомление о задолженности по лицевому счёту " + acc.number
    body = "Уважаемая Мария Петровна!\nЗадолженность — 12 345 руб. 67 коп. Просим оплатить «до 20 декабря»."
    msg = services.queue_message(None, channel="email", account_id=acc.id, subject=subject, body=body,
                                 document_id=doc.id)
    db.session.commit()
    assert msg.status == "queued" and msg.to_address == "ivanova@example.ru"

    counts = services.send_pending(10)
    assert counts == {"sent": 1}
    db.session.refresh(msg)
    assert msg.status == "sent" and msg.provider == "smtp" and msg.attempts == 1
    assert "DATA 250 OK: queued as CW-TEST-1" in msg.provider_answer

    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "dolg@teplo.example.ru" and envelope.rcpt_tos == ["ivanova@example.ru"]
    raw = envelope.original_content
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].lower()  # the Russian subject is RFC 2047-encoded
    assert all(byte < 128 for byte in raw)  # 7-bit clean on the wire: every Cyrillic letter is encoded
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == subject
    assert mail["To"] == "ivanova@example.ru"
    assert mail["From"].addresses[0].addr_spec == "dolg@teplo.example.ru"
    assert mail["From"].addresses[0].display_name == "МУП «Теплоэнерго»"
    assert mail["Message-ID"] == msg.provider_id
    text = mail.get_body(("plain",))
    assert text.get_content_charset() == "utf-8"
    assert text.get_content().replace("\r\n", "\n").strip() == body  # text travels in canonical CRLF lines
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == f"{doc.title} № {doc.number.replace('/', '-')}.docx"
    from casework.documents.services import document_file

    assert attached.get_content() == document_file(doc).read_bytes()


def test_smsru_send_then_status_with_cost_makes_a_delivered_contact(clock, smsru):
    acc = _account()
    msg = services.queue_message(None, channel="sms", account_id=acc.id, body="МУП «Теплоэнерго»: долг 1 234 руб.")
    db.session.commit()
    assert msg.to_address == "79141234567"

    counts = services.send_pending(10)
    assert counts["sent"] == 1 and counts["statuses_polled"] == 1
    path, form = smsru.requests[0]
    assert path == "/sms/send"
    assert form == {"api_id": "A3CA597E-3ACF-4E7D-82EE-CF82B52B1A8B", "to": "79141234567",
                    "msg": "МУП «Теплоэнерго»: долг 1 234 руб.", "json": "1"}
    db.session.refresh(msg)
    assert msg.status == "sent" and msg.provider_id == "000000-10000001" and msg.cost_kop == 50
    assert msg.provider_status == "102"
    assert '"sms_id": "000000-10000001"' in msg.provider_answer

    smsru.statuses["000000-10000001"] = (103, "0.50", "Сообщение доставлено")
    clock.now += timedelta(minutes=3)
    assert services.send_pending(10) == {"statuses_polled": 1}
    db.session.refresh(msg)
    assert msg.status == "delivered" and msg.delivered_at == datetime(2026, 12, 2, 9, 3)
    contact = db.session.get(Contact, msg.contact_id)
    assert (contact.channel, contact.outcome, contact.direction) == ("sms", "delivered", "outgoing")
    assert contact.contacted_at == datetime(2026, 12, 2, 12, 3)  # Moscow time
    assert contact.contact_point == "79141234567"


def test_smsru_errors_fail_the_number_or_retry_the_request(clock, smsru, app, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGES_MAX_ATTEMPTS", 2)
    acc = _account()
    smsru.send_answer = {"status": "OK", "status_code": 100, "sms": {"79141234567": {
        "status": "ERROR", "status_code": 207,
        "status_text": "На этот номер (или один из номеров) нельзя отправлять сообщения"}}, "balance": 10}
    bad_number = services.queue_message(None, channel="sms", account_id=acc.id, body="Тест 1")
    db.session.commit()
    assert services.send_pending(10)["failed"] == 1
    db.session.refresh(bad_number)
    assert bad_number.status == "failed" and "207" in bad_number.error

    smsru.send_answer = {"status": "ERROR", "status_code": 201, "status_text": "Не хватает средств на лицевом счету"}
    no_money = services.queue_message(None, channel="sms", account_id=acc.id, body="Тест 2")
    db.session.commit()
    assert services.send_pending(10).get("retry") == 1
    db.session.refresh(no_money)
    assert no_money.status == "queued" and no_money.attempts == 1 and "201" in no_money.error
    assert services.send_pending(10).get("failed") == 1
    db.session.refresh(no_money)
    assert no_money.status == "failed" and no_money.attempts == 2


def test_a_message_at_night_is_refused_naming_the_quiet_hours(clock):
    acc = _account()
    clock.now = NIGHT_UTC
    msg = services.queue_message(None, channel="sms", account_id=acc.id, body="Долг")
    db.session.commit()
    assert msg.status == "refused"
    assert "Запрещённое время" in msg.error and "230-ФЗ" in msg.error


def test_a_third_message_in_a_day_is_refused_and_a_queued_one_waits_for_the_morning(clock, smsru):
    acc = _account()
    first = services.queue_message(None, channel="sms", account_id=acc.id, body="Раз")
    second = services.queue_message(None, channel="email", account_id=acc.id, subject="Два", body="Два")
    third = services.queue_message(None, channel="sms", account_id=acc.id, body="Три")
    db.session.commit()
    assert (first.status, second.status, third.status) == ("queued", "queued", "refused")
    assert "в сутки" in third.error and "ст. 7 230-ФЗ" in third.error

    clock.now = NIGHT_UTC  # the job runs at night: both queued messages wait, nothing is sent
    assert services.send_pending(10) == {"deferred": 2}
    assert smsru.requests == []
    db.session.refresh(first)
    assert first.status == "queued" and first.attempts == 0
    clock.now = NOON_UTC + timedelta(days=1)
    assert services.send_pending(10) == {"sent": 1, "not_configured": 1, "statuses_polled": 1}  # no SMTP server set
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status == "sent"
    assert second.status == "queued" and second.attempts == 0 and "SMTP_HOST" in second.error


def _smsru_callback(client, token, entries):
    return client.post(f"/messages/callback/smsru?token={token}", data={"data[]": entries})


def test_callback_with_a_good_token_delivers_and_a_bad_one_is_refused(app, client, clock, smsru, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGES_CALLBACK_SECRET", "s3cret-of-the-callback")
    acc = _account()
    msg = services.queue_message(None, channel="sms", account_id=acc.id, body="Долг")
    db.session.commit()
    services.send_pending(10)
    db.session.refresh(msg)
    sms_id = msg.provider_id
    delivered_unix = int((NOON_UTC + timedelta(minutes=1)).timestamp())
    entry = f"sms_status\n{sms_id}\n103\n{delivered_unix}"
    clock.now = NOON_UTC + timedelta(minutes=5)  # the notice arrives a few minutes after the delivery it reports

    resp = _smsru_callback(client, "0" * 64, [entry])
    assert resp.status_code == 403
    resp = _smsru_callback(client, services.callback_token("smtp", "s3cret-of-the-callback"), [entry])
    assert resp.status_code == 403  # another provider's token
    db.session.refresh(msg)
    assert msg.status == "sent"

    good = services.callback_token("smsru", "s3cret-of-the-callback")
    resp = _smsru_callback(client, good, ["callcheck_status\n201637-1000000\n401\n1481743000", entry])
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "100"
    db.session.expire_all()
    msg = db.session.get(Message, msg.id)
    assert msg.status == "delivered" and msg.provider_status == "103"
    assert msg.delivered_at == datetime(2026, 12, 2, 9, 1)
    assert db.session.get(Contact, msg.contact_id).outcome == "delivered"

    assert client.post(f"/messages/callback/smsru?token={good}",  # indexed form keys are read the same way
                       data={"data[0]": entry, "data[1]": "sms_status\n000000-99999999\n103\n1764666060"}
                       ).get_data(as_text=True) == "100"

    monkeypatch.setitem(app.config, "MESSAGES_CALLBACK_SECRET", "")
    assert _smsru_callback(client, good, [entry]).status_code == 403  # no secret: nothing is accepted


def test_email_callback_is_checked_against_the_body_signature(app, client, clock, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGES_CALLBACK_SECRET", "another-secret")
    acc = _account()
    msg = services.queue_message(None, channel="email", account_id=acc.id, subject="Тема", body="Текст")
    db.session.commit()
    services.send_pending(10)
    db.session.refresh(msg)
    body = json.dumps([{"message_id": msg.provider_id, "status": "delivered",
                        "time": int(NOON_UTC.timestamp())}]).encode()
    sig = services.body_signature(body, "another-secret")
    tampered = body.replace(b"delivered", b"failed\x20\x20")
    resp = client.post("/messages/callback/smtp", data=tampered, content_type="application/json",
                       headers={"X-Casework-Signature": sig})
    assert resp.status_code == 403
    resp = client.post("/messages/callback/smtp", data=body, content_type="application/json",
                       headers={"X-Casework-Signature": sig})
    assert resp.status_code == 200 and resp.get_json() == {"applied": 1, "unknown": 0}
    db.session.expire_all()
    assert db.session.get(Message, msg.id).status == "delivered"


def test_a_delivered_warning_starts_the_20_day_term(app, client, clock, smsru, monkeypatch):
    from casework.cases import services as cases
    from casework.cases.services import business_calendar, term_reading
    from tests.integration.test_documents import _issue

    monkeypatch.setitem(app.config, "MESSAGES_CALLBACK_SECRET", "warn-secret")
    acc = _account()
    case = cases.open_case(acc.id, None, date(2026, 11, 1))
    doc, _text = _issue("warning_restriction", acc, case_id=case.id)
    msg = services.queue_message(None, channel="sms", case_id=case.id, kind="warning", document_id=doc.id,
                                 body="Предупреждение: долг, 20 дней, п.119 ПП 354")
    db.session.commit()
    assert msg.account_id == acc.id and msg.case_id == case.id
    services.send_pending(10)
    db.session.refresh(msg)
    assert db.session.scalar(select(Deadline).where(Deadline.case_id == case.id)) is None  # sent is not delivered

    delivered = int((NOON_UTC + timedelta(hours=2)).timestamp())  # 14:00 Moscow on 02.12.2026
    clock.now = NOON_UTC + timedelta(hours=2, minutes=1)
    resp = _smsru_callback(client, services.callback_token("smsru", "warn-secret"),
                           [f"sms_status\n{msg.provider_id}\n103\n{delivered}"])
    assert resp.status_code == 200
    db.session.expire_all()
    term = db.session.scalar(select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == "warning_term"))
    assert term.starts_on == date(2026, 12, 2)
    assert term.due_on == restriction_may_start_on(date(2026, 12, 2), business_calendar(), term_reading())
    assert term.params["channel"] == "sms" and term.params["document_id"] == doc.id
    doc = db.session.get(Document, doc.id)
    assert doc.delivered_on == date(2026, 12, 2) and doc.delivery_method == "sms"
    assert doc.delivery_proof == f"smsru {msg.provider_id}"


def test_a_collector_may_not_send_a_letter_of_the_lawyers(clock, make_user):
    from casework.documents.services import DocumentRefused
    from tests.integration.test_documents import _issue

    acc = _account()
    doc, _text = _issue("employer_letter", acc)  # LEGAL_STAFF only (letters.LETTERS[…].access)
    with pytest.raises(DocumentRefused):
        services.queue_message(make_user("collector"), channel="email", account_id=acc.id, subject="Письмо",
                               body="Текст", document_id=doc.id)
    msg = services.queue_message(make_user("lawyer"), channel="email", account_id=acc.id, subject="Письмо",
                                 body="Текст", document_id=doc.id)
    assert msg.status == "queued" and msg.document_id == doc.id


def test_messages_still_queued_from_yesterday_count_today(clock, runner):
    acc = _account()
    clock.now = NOON_UTC - timedelta(days=1)
    services.queue_message(None, channel="sms", account_id=acc.id, body="Раз")
    services.queue_message(None, channel="sms", account_id=acc.id, body="Два")
    db.session.commit()
    result = runner.invoke(args=["messages", "send"])  # no SMS.ru key: nothing leaves, both stay queued
    assert result.exit_code == 0 and "not_configured=2" in result.output
    clock.now = NOON_UTC
    today = services.queue_message(None, channel="sms", account_id=acc.id, body="Три")
    assert today.status == "refused" and "в сутки" in today.error


def test_a_message_whose_document_file_is_gone_fails_without_stopping_the_run(app, clock, smtp_server, monkeypatch):
    from casework import storage
    from tests.integration.test_documents import _issue

    monkeypatch.setitem(app.config, "MESSAGES_MAX_ATTEMPTS", 1)
    acc = _account()
    doc, _text = _issue("notice_debt", acc)
    broken = services.queue_message(None, channel="email", account_id=acc.id, subject="С документом", body="Текст",
                                    document_id=doc.id)
    fine = services.queue_message(None, channel="email", account_id=acc.id, subject="Без документа", body="Текст")
    db.session.commit()
    storage.delete("documents", doc.file_path)
    assert services.send_pending(10) == {"error": 1, "sent": 1}
    db.session.refresh(broken)
    db.session.refresh(fine)
    assert broken.status == "failed" and "FileNotFoundError" in broken.error
    assert fine.status == "sent" and [e.rcpt_tos for e in smtp_server.envelopes] == [["ivanova@example.ru"]]
