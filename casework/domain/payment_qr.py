"""The payment QR code of a letter: the text of ГОСТ Р 56042-2014 («Стандарты финансовых операций. Двумерные
символы штрихового кода для осуществления платежей физических лиц»).

The text is a service block and the requisites, each ``Key=value``, joined by the separator:

    ST0001 2 | Name=… | PersonalAcc=… | BankName=… | BIC=… | CorrespAcc=… | PayeeINN=… | KPP=… | Sum=… | …
    ^^^^^^ ^ ^
    format «ST», version «0001»; the character set (1 = windows-1251, 2 = UTF-8, 3 = КОИ8-Р); the separator

Mandatory requisites (table 1 of the standard): Name, PersonalAcc, BankName, BIC, CorrespAcc. Additional ones
used here (table 2): PayeeINN, KPP, Sum (kopecks, digits only), Purpose; and of the other requisites (table 3):
PersAcc (the payer's account number with the payee — the лицевой счёт) and PayerAddress. The separator may not
occur in a value, so «|» in a value becomes «/»; line breaks and tabs become spaces.

We write the UTF-8 variant (``ST00012``): every Cyrillic letter survives (windows-1251 and КОИ8-Р have no
Yakut letters such as «ө», «ү», «һ», «ҥ»), and a generic QR reader shows the text as it is. The bytes put in the
symbol are the text encoded with the character set its header names (`payload_bytes`), always in one byte-mode
segment. See docs/payment-qr.md.

Pure: no I/O; the picture is drawn elsewhere (casework.documents.fields with segno).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import requisites
from .errors import InvalidAmount, InvalidInput

FORMAT = "ST0001"
SEPARATOR = "|"
WINDOWS_1251, UTF_8, KOI8_R = "1", "2", "3"
CHARSETS = {WINDOWS_1251: "cp1251", UTF_8: "utf-8", KOI8_R: "koi8_r"}
DEFAULT_CHARSET = UTF_8

# maximum lengths in characters: tables 1 and 2 of the standard; table 3 sets none, the caps below are ours
MAX_LENGTH = {
    "Name": 160, "PersonalAcc": 20, "BankName": 45, "BIC": 9, "CorrespAcc": 20,
    "Sum": 18, "Purpose": 210, "PayeeINN": 12, "KPP": 9,
    "PersAcc": 30, "PayerAddress": 160,
}

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Payee:
    """The payee's bank details as they stand on the enterprise page."""

    name: str
    personal_acc: str  # расчётный счёт, 20 digits
    bank_name: str
    bic: str  # БИК, 9 digits
    corresp_acc: str  # корреспондентский счёт банка, 20 digits
    inn: str = ""
    kpp: str = ""


def payee_problems(payee: Payee) -> tuple[str, ...]:
    """The mandatory requisites (by their key in the standard) that are empty or would send the money nowhere: a
    BIC that is not 9 digits, an account that is not 20 digits or fails the Bank of Russia key against the BIC.
    Empty when a QR code can be drawn."""
    bic, acc, corr = (_strip(payee.bic), _strip(payee.personal_acc), _strip(payee.corresp_acc))
    out = []
    if not clean(payee.name, MAX_LENGTH["Name"]):
        out.append("Name")
    bic_ok = bic.isdigit() and len(bic) == 9
    if not requisites.bank_account_is_valid(bic, acc):
        out.append("PersonalAcc")
    if not clean(payee.bank_name, MAX_LENGTH["BankName"]):
        out.append("BankName")
    if not bic_ok:
        out.append("BIC")
    if not requisites.correspondent_account_is_valid(bic, corr):
        out.append("CorrespAcc")
    return tuple(out)


def clean(value: str | None, limit: int) -> str:
    """A value fit for the payload: the separator replaced by «/», whitespace runs (line breaks, tabs) made one
    space, trimmed, and cut to `limit` characters at the last comma or space that keeps it within (hard cut only
    when there is none)."""
    text = _SPACES.sub(" ", (value or "").replace(SEPARATOR, "/")).strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    for mark in (",", " "):
        cut = head.rfind(mark)
        if cut > limit // 2:
            return head[:cut].rstrip(" ,")
    return head.rstrip()


def build_payload(payee: Payee, *, sum_kop: int | None = None, purpose: str = "", pers_acc: str = "",
                  payer_address: str = "", charset: str = DEFAULT_CHARSET) -> str:
    """The text of the QR code. `sum_kop` is the amount in integer kopecks (left out when None or 0: the payer
    types it); empty optional values are left out. Refuses incomplete bank details (`payee_problems`)."""
    if charset not in CHARSETS:
        raise InvalidInput(f"unknown character set {charset!r} (1, 2 or 3)")
    problems = payee_problems(payee)
    if problems:
        raise InvalidInput("the payee's bank details are incomplete: " + ", ".join(problems))
    if sum_kop is not None and (isinstance(sum_kop, bool) or not isinstance(sum_kop, int) or sum_kop < 0):
        raise InvalidAmount(f"the sum must be whole kopecks, not below zero: {sum_kop!r}")
    inn, kpp = _strip(payee.inn), _strip(payee.kpp)
    pairs = [
        ("Name", clean(payee.name, MAX_LENGTH["Name"])),
        ("PersonalAcc", _strip(payee.personal_acc)),
        ("BankName", clean(payee.bank_name, MAX_LENGTH["BankName"])),
        ("BIC", _strip(payee.bic)),
        ("CorrespAcc", _strip(payee.corresp_acc)),
        ("PayeeINN", inn if inn.isdigit() and len(inn) in (10, 12) else ""),
        ("KPP", kpp if requisites.kpp_is_valid(kpp) else ""),
        ("Sum", str(sum_kop) if sum_kop else ""),
        ("Purpose", clean(purpose, MAX_LENGTH["Purpose"])),
        ("PersAcc", clean(pers_acc, MAX_LENGTH["PersAcc"])),
        ("PayerAddress", clean(payer_address, MAX_LENGTH["PayerAddress"])),
    ]
    if len(pairs[7][1]) > MAX_LENGTH["Sum"]:
        raise InvalidAmount(f"the sum has more than {MAX_LENGTH['Sum']} digits: {sum_kop!r}")
    return FORMAT + charset + SEPARATOR + SEPARATOR.join(f"{k}={v}" for k, v in pairs if v)


def payload_bytes(payload: str) -> bytes:
    """The bytes to put in the symbol: the text in the character set its header names (a character that set
    cannot hold becomes «?»)."""
    charset = _header_charset(payload)
    return payload.encode(CHARSETS[charset], errors="replace")


def parse_payload(data: bytes | str) -> dict[str, str]:
    """The requisites of a payload (bytes as read from a symbol, decoded by the header's character set), key →
    value; refuses a text that does not start with the service block. The inverse of `build_payload`."""
    if isinstance(data, bytes):
        head = data[:8].decode("ascii", errors="replace")
        text = data.decode(CHARSETS[_header_charset(head)])
    else:
        text = data
        _header_charset(text)
    sep = text[7]
    out: dict[str, str] = {}
    for item in text[8:].split(sep):
        if not item:
            continue
        key, eq, value = item.partition("=")
        if not eq:
            raise InvalidInput(f"a requisite without «=»: {item!r}")
        out[key] = value
    return out


def _header_charset(text: str) -> str:
    if len(text) < 8 or not text.startswith(FORMAT) or text[6] not in CHARSETS:
        raise InvalidInput("not a ГОСТ Р 56042-2014 payload (expected «ST0001», the character set 1–3 and a "
                           "separator)")
    return text[6]


def _strip(value: str | None) -> str:
    return (value or "").replace(" ", "").strip()
