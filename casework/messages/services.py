"""Messages: queue (within the 230-ФЗ contact rules), send as a job's unit of work, take delivery statuses, and
turn a delivery into proof — a contact «delivery confirmed», the document's delivery, and for a ПП 354 warning
the start of the 20-day term.

`queue_message` and the status functions flush; the caller commits. `send_pending` is the unit of work a job or
`casework messages send` runs: it commits after every message, because a message handed to the SMTP server or
SMS.ru cannot be taken back by a rollback (the next run must know it went)."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, time, timedelta, timezone
from typing import Any

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ..contacts import labels as contact_labels
from ..contacts import services as contacts
from ..domain import contact_rules as rules
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _
from ..timeutil import local, now_local, to_utc, utcnow
from ..transaction import unit_of_work
from . import transports
from .models import CHANNELS, KINDS, Message

POLL_DAYS = 3  # SMS.ru keeps trying to deliver for a day at most: older «sent» SMS are not asked about again


# ------------------------------------------------------------------------------------------------ rules

def rule_history(account_id: int, at: datetime, exclude_id: int | None = None) -> list[rules.PastContact]:
    """The account's contacts around `at` plus its messages not yet logged as a contact, each a contact attempt the
    230-ФЗ ст.7 counters must see: those sent (at the time they were sent) and those still queued (at `at`: they go
    at the earliest now, whenever they were queued)."""
    history = contacts.history_for_rules(account_id, at)
    start, end = rules.history_window(at.date())
    stmt = select(Message.status, Message.channel, Message.sent_at).where(
        Message.account_id == account_id, Message.contact_id.is_(None),
        or_(Message.status == "queued",
            and_(Message.status.in_(("sent", "delivered", "failed")), Message.sent_at.isnot(None),
                 Message.sent_at >= to_utc(datetime.combine(start, time.min)),
                 Message.sent_at <= to_utc(datetime.combine(end, time.max)))))
    if exclude_id is not None:
        stmt = stmt.where(Message.id != exclude_id)
    for status, channel, sent_at in db.session.execute(stmt):
        history.append(rules.PastContact(channel, "outgoing", at if status == "queued" else local(sent_at),
                                         "message_sent"))
    return history


def rule_breaches(account_id: int, channel: str, at: datetime,
                  exclude_id: int | None = None) -> list[rules.ContactWarning]:
    """The 230-ФЗ rules a message to the account at local time `at` would break (ст.7 ч.3: 2 a day, 4 a week, 16 a
    month, quiet hours; ст.8: the debtor refused contact). For a person a warning is confirmed; an automatic
    message is refused instead (legal-rules.md §8.3: block messages beyond the limits)."""
    cal = contacts._calendar()
    return rules.check_contact(channel, "outgoing", at, rule_history(account_id, at, exclude_id),
                               contacts.contact_limits(), cal.is_working_day)


def _rule_text(found: list[rules.ContactWarning]) -> str:
    return " ".join(contact_labels.warning_text(w) for w in found)


# ------------------------------------------------------------------------------------------------ queue

def contact_point(account, channel: str, party=None) -> str | None:
    """The address on file for the channel: the person's, else the account's."""
    attr = "email" if channel == "email" else "phone"
    return (getattr(party, attr, None) if party is not None else None) or getattr(account, attr, None)


def _check_address(channel: str, to: str | None) -> str:
    to = (to or "").strip()
    if channel == "sms":
        phone = transports.normalise_phone(to)
        if phone is None:
            raise DomainError(_("No Russian mobile number to send the SMS to: give one like +7 914 123-45-67."))
        return phone
    if not to or "@" not in to or any(ch in to for ch in " \r\n<>,;") or len(to) > 200:
        raise DomainError(_("No e-mail address to send to: give one like name@example.ru."))
    return to


def queue_message(user, *, channel: str, body: str, account_id: int | None = None, case_id: int | None = None,
                  to: str | None = None, subject: str = "", kind: str = "notice", document_id: int | None = None,
                  party_id: int | None = None, at: datetime | None = None) -> Message:
    """Queue a message to the debtor; one that would break a 230-ФЗ contact rule now is stored as refused with the
    rule named (the caller shows `message.error`). A blank `to` uses the address on file."""
    from ..accounts.models import Account, AccountParty, Party

    if channel not in CHANNELS:
        raise DomainError(_("Unknown channel: %(c)s.", c=channel))
    if kind not in KINDS:
        raise DomainError(_("Unknown kind of message: %(c)s.", c=kind))
    body = (body or "").strip()
    if not body:
        raise DomainError(_("The message has no text."))
    if channel == "email" and not (subject or "").strip():
        raise DomainError(_("An e-mail needs a subject."))
    account_id, case_id = contacts._resolve_account(account_id, case_id)
    account = db.session.get(Account, account_id)
    party = db.session.get(Party, party_id) if party_id else None
    if party_id and (party is None or not db.session.scalar(select(AccountParty.id).where(
            AccountParty.account_id == account_id, AccountParty.party_id == party_id).limit(1))):
        raise DomainError(_("The person is not a party of this account."))
    to = _check_address(channel, to or contact_point(account, channel, party))
    doc = None
    if document_id is not None:
        from ..documents.models import Document

        doc = db.session.get(Document, document_id)
        if doc is None or doc.account_id != account_id:
            raise DomainError(_("The document does not belong to this account."))
        from ..documents.letters import DOWNLOAD, LETTERS
        from ..documents.services import check_right

        check_right(LETTERS.get(doc.kind), DOWNLOAD, user)  # only a letter the sender's role may open goes out
    at = at or now_local()
    msg = Message(account_id=account_id, case_id=case_id, party_id=party.id if party else None,
                  addressee=(party.full_name if party else account.debtor_name)[:300], channel=channel, kind=kind,
                  to_address=to, subject=(subject or "").strip()[:300], body=body, status="queued",
                  document_id=doc.id if doc else None, author_id=contacts._user_id(user), queued_at=to_utc(at))
    found = rule_breaches(account_id, channel, at)
    if found:
        msg.status = "refused"
        msg.error = _rule_text(found)
    db.session.add(msg)
    contacts._flush_as(contacts._user_id(user))
    return msg


# ------------------------------------------------------------------------------------------------ sending

def _attachment(msg: Message) -> transports.Attachment | None:
    if msg.document_id is None or msg.channel != "email":
        return None
    from ..documents.models import Document
    from ..documents.services import document_file

    doc = db.session.get(Document, msg.document_id)
    data = document_file(doc).read_bytes()
    name = f"{doc.title} № {doc.number}.docx".replace("/", "-")
    return transports.Attachment(name, data)


def _sender_name() -> str:
    from ..enterprise.models import find_enterprise

    ent = find_enterprise()
    return (ent.short_name or ent.name) if ent is not None else ""


def _answer(msg: Message, text: str) -> None:
    stamp = utcnow().strftime("%Y-%m-%d %H:%M:%S UTC")
    msg.provider_answer = ((msg.provider_answer + "\n\n") if msg.provider_answer else "") + f"[{stamp}]\n{text}"


def deliver(msg: Message) -> transports.Sent:
    """Hand one message to its transport (SMTP for e-mail, SMS.ru for SMS)."""
    cfg = current_app.config
    if msg.channel == "email":
        email = transports.build_email(sender=cfg["SMTP_FROM"], sender_name=_sender_name(), to=msg.to_address,
                                       subject=msg.subject, body=msg.body, attachment=_attachment(msg))
        return transports.send_email(cfg, email)
    return transports.send_sms(cfg, msg.to_address, msg.body)


def _claim(msg_id: int, attempts: int) -> bool:
    """Take a queued message for this run (another run that took it first wins): attempts + 1, committed."""
    with unit_of_work():
        res = db.session.execute(update(Message).where(Message.id == msg_id, Message.status == "queued",
                                                       Message.attempts == attempts)
                                 .values(attempts=attempts + 1).execution_options(synchronize_session=False))
    return res.rowcount == 1


def send_one(msg: Message, at: datetime | None = None) -> str:
    """Send one queued message now unless a contact rule forbids it: quiet hours keep it queued for later; a
    frequency limit or the debtor's refusal (230-ФЗ ст.7–8) refuses it. Returns what happened."""
    at = at or now_local()
    found = rule_breaches(msg.account_id, msg.channel, at, exclude_id=msg.id)
    if found and all(w.code == rules.WarningCode.QUIET_HOURS for w in found):
        msg.attempts = max(msg.attempts - 1, 0)  # not an attempt: it waits for the morning
        db.session.flush()
        return "deferred"
    if found:
        msg.status, msg.error = "refused", _rule_text(found)
        db.session.flush()
        return "refused"
    try:
        sent = deliver(msg)
    except transports.NotConfigured as exc:
        msg.error = _("Sending is not set up: %(what)s.", what=str(exc))
        msg.attempts = max(msg.attempts - 1, 0)  # not an attempt: nothing left the building
        db.session.flush()
        return "not_configured"
    except transports.PermanentFailure as exc:
        msg.status, msg.error = "failed", str(exc)
        _answer(msg, exc.answer or str(exc))
        db.session.flush()
        return "failed"
    except transports.TemporaryFailure as exc:
        msg.error = str(exc)
        _answer(msg, exc.answer or str(exc))
        if msg.attempts >= int(current_app.config["MESSAGES_MAX_ATTEMPTS"]):
            msg.status = "failed"
        db.session.flush()
        return "failed" if msg.status == "failed" else "retry"
    msg.status, msg.error = "sent", None
    msg.provider, msg.provider_id, msg.sent_at = sent.provider, sent.provider_id, utcnow()
    if sent.cost_kop is not None:
        msg.cost_kop = sent.cost_kop
    _answer(msg, sent.answer)
    db.session.flush()
    return "sent"


def send_pending(limit: int = 100) -> dict[str, int]:
    """The job: send up to `limit` queued messages, oldest first, committing after each (see the module docstring);
    then ask SMS.ru for the status and cost of SMS still on their way."""
    counts: dict[str, int] = {}
    rows = db.session.execute(select(Message.id, Message.attempts).where(Message.status == "queued")
                              .order_by(Message.queued_at, Message.id).limit(limit)).all()
    for msg_id, attempts in rows:
        if not _claim(msg_id, attempts):
            counts["taken_by_another_run"] = counts.get("taken_by_another_run", 0) + 1
            continue
        msg = db.session.get(Message, msg_id)
        try:
            with unit_of_work():  # one message, one transaction
                result = send_one(msg)
        except Exception as exc:  # one broken message (e.g. its document's file is missing) must not stop the run
            current_app.logger.exception("message %s not sent", msg_id)
            with unit_of_work():
                msg = db.session.get(Message, msg_id)
                msg.error = f"{type(exc).__name__}: {exc}"
                if msg.attempts >= int(current_app.config["MESSAGES_MAX_ATTEMPTS"]):
                    msg.status = "failed"
            result = "error"
        counts[result] = counts.get(result, 0) + 1
    if current_app.config["SMSRU_API_ID"]:
        with unit_of_work():
            counts.update(poll_sms_statuses(limit))
    return counts


# ------------------------------------------------------------------------------------------------ statuses

def poll_sms_statuses(limit: int = 100) -> dict[str, int]:
    """Ask SMS.ru's /sms/status about sent SMS without a final status (a fallback when callbacks do not arrive)."""
    since = utcnow() - timedelta(days=POLL_DAYS)
    msgs = list(db.session.scalars(select(Message).where(Message.channel == "sms", Message.status == "sent",
                                                         Message.provider == "smsru", Message.sent_at >= since)
                                   .order_by(Message.sent_at.desc()).limit(limit)))
    if not msgs:
        return {}
    try:
        statuses, raw = transports.sms_statuses(current_app.config, [m.provider_id for m in msgs])
    except transports.TransportError as exc:
        current_app.logger.warning("SMS.ru status poll failed: %s", exc)
        return {"status_poll_failed": 1}
    by_id = {m.provider_id: m for m in msgs}
    counts = {"statuses_polled": 0}
    for st in statuses:
        msg = by_id.get(st.sms_id)
        if msg is not None:
            if st.cost_kop is not None:
                msg.cost_kop = st.cost_kop
            apply_status(msg, "smsru", st.code, utcnow(), f"status {st.code} {st.text}")
            counts["statuses_polled"] += 1
    db.session.flush()
    return counts


def _smsru_outcome(code: int) -> str | None:
    if code in transports.SMSRU_DELIVERED:
        return "delivered"
    if code in transports.SMSRU_FAILED:
        return "failed"
    if code in transports.SMSRU_SENT:
        return "sent"
    return None


def apply_status(msg: Message, provider: str, code: int | str, at_utc: datetime, raw: str) -> str | None:
    """Record a provider's status of a message; a first «delivered» makes it proof (see `record_delivered`).
    Statuses never go back: a delivered message stays delivered."""
    outcome = _smsru_outcome(int(code)) if provider == "smsru" else str(code)
    msg.provider_status = str(code)
    _answer(msg, raw)
    if outcome == "delivered" and msg.status != "delivered":
        msg.status = "delivered"
        msg.delivered_at = min(at_utc, utcnow())
        msg.error = None
        record_delivered(msg)
    elif outcome == "failed" and msg.status == "sent":
        msg.status = "failed"
        msg.error = _("The provider reports the message was not delivered (status %(code)s).", code=code)
    db.session.flush()
    return outcome


def record_delivered(msg: Message) -> None:
    """Proof of a delivered message: a contact (channel e-mail/SMS, «delivery confirmed»); the delivery of the
    document it carries; and for a warning, the case's record of a delivered ПП 354 п.119 «а» warning, which
    starts the 20-day term (SMS and e-mail are methods п.119 «а» names)."""
    when = min(local(msg.delivered_at), now_local())
    delivered_on = when.date()
    contact = contacts.log_contact(None, channel=msg.channel, outcome="delivered", account_id=msg.account_id,
                                   case_id=msg.case_id, note=msg.subject or msg.body[:200], when=when,
                                   contact_person=msg.addressee, contact_point=msg.to_address,
                                   document_id=msg.document_id)
    msg.contact_id = contact.id
    proof = f"{msg.provider} {msg.provider_id}"
    if msg.document_id is not None:
        from ..documents.models import Document
        from ..documents.services import DocumentError, record_delivery

        doc = db.session.get(Document, msg.document_id)
        if doc is not None and doc.delivered_on is None:
            try:
                record_delivery(doc, delivered_on, msg.channel, proof, user=None)
            except DocumentError as exc:
                current_app.logger.warning("message %s: document delivery not recorded: %s", msg.id, exc)
    if msg.kind == "warning":
        from ..cases import services as cases
        from ..cases.models import Case
        from ..domain.stages import TransitionNotAllowed

        case = db.session.get(Case, msg.case_id) if msg.case_id else None
        if case is None:
            from ..contacts.queries import open_case_id

            case_id = open_case_id(msg.account_id)
            case = db.session.get(Case, case_id) if case_id else None
        if case is not None:
            try:
                cases.record_warning_delivered(case, delivered_on, None, channel=msg.channel,
                                               document_id=msg.document_id)
            except TransitionNotAllowed as exc:
                msg.error = _("The warning's delivery was not recorded on the case: %(why)s", why=str(exc))


def message_by_provider_id(provider: str, provider_id: str) -> Message | None:
    return db.session.scalar(select(Message).where(Message.provider == provider,
                                                   Message.provider_id == provider_id).limit(1))


# ------------------------------------------------------------------------------------------------ callbacks

CALLBACK_PROVIDERS = ("smsru", "smtp")


def callback_token(provider: str, secret: str) -> str:
    """The query token of a provider that cannot sign its callbacks (SMS.ru posts to a fixed address):
    hex HMAC-SHA256 of the provider's name under MESSAGES_CALLBACK_SECRET."""
    return hmac.new(secret.encode(), provider.encode(), hashlib.sha256).hexdigest()


def body_signature(body: bytes, secret: str) -> str:
    """The X-Casework-Signature header value of a callback body: «sha256=» + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(provider: str, body: bytes, header: str | None, token: str | None) -> bool:
    """A callback is genuine when it carries either the body's HMAC-SHA256 (header) or the provider's token (query),
    both under MESSAGES_CALLBACK_SECRET; with no secret set nothing is accepted."""
    secret = current_app.config["MESSAGES_CALLBACK_SECRET"]
    if not secret or provider not in CALLBACK_PROVIDERS:
        return False
    if header and hmac.compare_digest(header.strip(), body_signature(body, secret)):
        return True
    return bool(token) and hmac.compare_digest(token.strip(), callback_token(provider, secret))


def take_smsru_callback(entries: list[str]) -> dict[str, int]:
    """Apply SMS.ru's status notices (`data[]` entries); unknown ids are counted, not errors (SMS.ru also reports
    messages sent from its own site)."""
    counts = {"applied": 0, "unknown": 0}
    for sms_id, code, unix in transports.parse_smsru_callback(entries):
        msg = message_by_provider_id("smsru", sms_id)
        if msg is None:
            counts["unknown"] += 1
            continue
        at = datetime.fromtimestamp(unix, tz=timezone.utc).replace(tzinfo=None)
        apply_status(msg, "smsru", code, at, f"callback sms_status {sms_id} {code} {unix}")
        counts["applied"] += 1
    return counts


def take_email_callback(payload: Any) -> dict[str, int]:
    """Apply e-mail delivery notices in casework's own JSON (docs/messages.md: what a relay's DSN or webhook
    handler posts): [{"message_id": "<…>", "status": "delivered"|"failed", "time": unix seconds}]."""
    counts = {"applied": 0, "unknown": 0}
    items = payload if isinstance(payload, list) else [payload]
    for item in items:
        if not isinstance(item, dict) or item.get("status") not in ("delivered", "failed"):
            raise DomainError(_("Unreadable notice."))
        msg = message_by_provider_id("smtp", str(item.get("message_id") or ""))
        if msg is None:
            counts["unknown"] += 1
            continue
        try:
            at = datetime.fromtimestamp(int(item.get("time")), tz=timezone.utc).replace(tzinfo=None)
        except (TypeError, ValueError, OverflowError):
            at = utcnow()
        apply_status(msg, "smtp", item["status"], at, f"callback {item['status']} {item.get('time')}")
        counts["applied"] += 1
    return counts
