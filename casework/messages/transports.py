"""The two ways out: an SMTP server (stdlib smtplib + email.message) and SMS.ru's HTTP API (urllib).

Both take their settings as a mapping (app.config) and know nothing of the database. Errors are either
`TemporaryFailure` (try again later: the server did not answer, the account has no money) or `PermanentFailure`
(this message will never go: a wrong address, a number SMS.ru may not send to). docs/messages.md cites the
documentation each side follows."""
from __future__ import annotations

import json
import smtplib
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, formatdate, make_msgid
from typing import Mapping


class TransportError(Exception):
    """Sending did not happen; `answer` is the other side's raw answer, if any."""

    def __init__(self, message: str, answer: str = ""):
        super().__init__(message)
        self.answer = answer


class TemporaryFailure(TransportError):
    """Try again later."""


class PermanentFailure(TransportError):
    """This message will never be accepted."""


class NotConfigured(TransportError):
    """The channel's settings are missing: the message waits in the queue."""


@dataclass(frozen=True)
class Sent:
    provider: str
    provider_id: str
    answer: str
    cost_kop: int | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ------------------------------------------------------------------------------------------------ e-mail

def build_email(*, sender: str, sender_name: str, to: str, subject: str, body: str,
                attachment: Attachment | None = None) -> EmailMessage:
    """An RFC 5322 message: UTF-8 text (quoted-printable or base64 as the policy picks), RFC 2047 subject, RFC 2231
    attachment name; a read receipt is asked for (RFC 8098 Disposition-Notification-To)."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = formataddr((sender_name, sender)) if sender_name else sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg["Disposition-Notification-To"] = sender
    msg.set_content(body, charset="utf-8")
    if attachment is not None:
        maintype, _, subtype = attachment.mime.partition("/")
        msg.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return msg


def send_email(cfg: Mapping, msg: EmailMessage) -> Sent:
    """Hand the message to the SMTP server (RFC 5321: EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA); the server's answer
    to DATA («250 OK: queued as …») is the proof it took the message."""
    host = cfg["SMTP_HOST"]
    if not host or not cfg["SMTP_FROM"]:
        raise NotConfigured("SMTP_HOST / SMTP_FROM are not set")
    lines = []
    try:
        with smtplib.SMTP(host, int(cfg["SMTP_PORT"]), timeout=int(cfg["SMTP_TIMEOUT_SECONDS"])) as smtp:
            smtp.ehlo()
            if cfg["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if cfg["SMTP_USER"]:
                smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
            code, text = smtp.mail(cfg["SMTP_FROM"])
            lines.append(f"MAIL {code} {text.decode(errors='replace')}")
            if code != 250:
                raise TemporaryFailure(f"MAIL FROM refused: {code}", "\n".join(lines))
            code, text = smtp.rcpt(msg["To"])
            lines.append(f"RCPT {code} {text.decode(errors='replace')}")
            if code not in (250, 251):
                cls = PermanentFailure if 500 <= code < 600 else TemporaryFailure
                raise cls(f"RCPT TO refused: {code} {text.decode(errors='replace')}", "\n".join(lines))
            code, text = smtp.data(msg.as_bytes())
            lines.append(f"DATA {code} {text.decode(errors='replace')}")
            if code != 250:
                cls = PermanentFailure if 500 <= code < 600 else TemporaryFailure
                raise cls(f"DATA refused: {code} {text.decode(errors='replace')}", "\n".join(lines))
    except smtplib.SMTPAuthenticationError as exc:
        raise TemporaryFailure(f"SMTP login refused: {exc.smtp_code}", "\n".join(lines)) from None
    except (smtplib.SMTPException, OSError, socket.timeout) as exc:
        raise TemporaryFailure(f"SMTP: {exc}", "\n".join(lines)) from None
    return Sent("smtp", msg["Message-ID"], "\n".join(lines))


# ------------------------------------------------------------------------------------------------ SMS.ru

# SMS.ru message status codes (https://sms.ru/api/status): what each means for our message
SMSRU_SENT = {100, 101, 102}  # in SMS.ru's queue, passed to the operator, sent (on its way)
SMSRU_DELIVERED = {103, 110}  # delivered; 110 — read (Viber)
SMSRU_FAILED = {104, 105, 106, 107, 108, 150}  # expired, deleted by the operator, phone fault, unknown, refused,
#                                                no route


def normalise_phone(value: str | None) -> str | None:
    """A Russian mobile number as SMS.ru wants it (11 digits starting with 7), else None: «8 (914) 123-45-67» →
    79141234567."""
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    if len(digits) == 10 and digits.startswith("9"):
        digits = "7" + digits
    if len(digits) == 11 and digits[0] in "78":
        digits = "7" + digits[1:]
    return digits if len(digits) == 11 and digits.startswith("79") else None


def _rubles_to_kop(value) -> int | None:
    if value is None or value == "":
        return None
    from ..domain.money import to_kopecks

    return to_kopecks(Decimal(str(value)))


def _call(cfg: Mapping, path: str, params: dict) -> tuple[dict, str]:
    url = cfg["SMSRU_URL"].rstrip("/") + path
    data = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=int(cfg["SMSRU_TIMEOUT_SECONDS"])) as resp:
            raw = resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        raise TemporaryFailure(f"SMS.ru answered HTTP {exc.code}", exc.read().decode(errors="replace")) from None
    except (urllib.error.URLError, OSError, socket.timeout) as exc:
        raise TemporaryFailure(f"SMS.ru did not answer: {exc}") from None
    try:
        answer = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise TemporaryFailure("SMS.ru's answer is not JSON", raw) from None
    if not isinstance(answer, dict):
        raise TemporaryFailure("SMS.ru's answer is not a JSON object", raw)
    return answer, raw


def send_sms(cfg: Mapping, to: str, text: str) -> Sent:
    """Send one SMS with SMS.ru's /sms/send (api_id, to, msg, json=1): its answer names the message's sms_id, or
    the error code of the request or of this number."""
    if not cfg["SMSRU_API_ID"]:
        raise NotConfigured("SMSRU_API_ID is not set")
    params = {"api_id": cfg["SMSRU_API_ID"], "to": to, "msg": text, "json": 1}
    if cfg["SMSRU_FROM"]:
        params["from"] = cfg["SMSRU_FROM"]
    if cfg["SMSRU_TEST"]:
        params["test"] = 1
    answer, raw = _call(cfg, "/sms/send", params)
    if answer.get("status") != "OK":
        # the whole request was refused: wrong api_id, no money, daily limit … — worth trying again later
        raise TemporaryFailure(f"SMS.ru: {answer.get('status_code')} {answer.get('status_text', '')}".strip(), raw)
    one = (answer.get("sms") or {}).get(to)
    if not isinstance(one, dict):
        raise TemporaryFailure("SMS.ru's answer does not name the number", raw)
    if one.get("status") != "OK":
        raise PermanentFailure(f"SMS.ru: {one.get('status_code')} {one.get('status_text', '')}".strip(), raw)
    return Sent("smsru", str(one["sms_id"]), raw, _rubles_to_kop(one.get("cost")))


@dataclass(frozen=True)
class SmsStatus:
    sms_id: str
    code: int
    cost_kop: int | None
    text: str


def sms_statuses(cfg: Mapping, sms_ids: list[str]) -> tuple[list[SmsStatus], str]:
    """Ask SMS.ru's /sms/status for the status and cost of sent messages (when callbacks are not set up)."""
    if not cfg["SMSRU_API_ID"]:
        raise NotConfigured("SMSRU_API_ID is not set")
    answer, raw = _call(cfg, "/sms/status", {"api_id": cfg["SMSRU_API_ID"], "sms_id": ",".join(sms_ids), "json": 1})
    if answer.get("status") != "OK":
        raise TemporaryFailure(f"SMS.ru: {answer.get('status_code')} {answer.get('status_text', '')}".strip(), raw)
    out = []
    for sms_id, one in (answer.get("sms") or {}).items():
        if isinstance(one, dict) and one.get("status") == "OK":
            out.append(SmsStatus(str(sms_id), int(one.get("status_code")), _rubles_to_kop(one.get("cost")),
                                 str(one.get("status_text") or "")))
    return out, raw


def parse_smsru_callback(entries: list[str]) -> list[tuple[str, int, int]]:
    """The `data[]` entries SMS.ru posts to a callback (https://sms.ru/api/callback): each is lines
    «sms_status\\n<sms_id>\\n<status code>\\n<unix time>»; other kinds (callcheck_status …) are skipped.
    Returns (sms_id, code, unix time)."""
    out = []
    for entry in entries:
        lines = [line.strip() for line in entry.replace("\r\n", "\n").split("\n")]
        if len(lines) >= 4 and lines[0] == "sms_status":
            try:
                out.append((lines[1], int(lines[2]), int(lines[3])))
            except ValueError:
                continue
    return out
