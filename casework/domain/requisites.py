"""Checksums of Russian taxpayer and registration numbers (ИНН, КПП, ОГРН, СНИЛС, bank details)."""
from __future__ import annotations

import re


def _digits(value: str, lengths: tuple[int, ...]) -> list[int] | None:
    value = (value or "").strip()
    if not value.isdigit() or len(value) not in lengths:
        return None
    return [int(c) for c in value]


def _weighted(d: list[int], weights: tuple[int, ...]) -> int:
    return sum(x * w for x, w in zip(d, weights)) % 11 % 10


def inn_is_valid(value: str) -> bool:
    """ИНН check digits (10 digits for organizations, 12 for individuals), per ФНС algorithm."""
    d = _digits(value, (10, 12))
    if d is None:
        return False
    if len(d) == 10:
        return _weighted(d, (2, 4, 10, 3, 5, 9, 4, 6, 8)) == d[9]
    n11 = _weighted(d, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    n12 = _weighted(d, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return n11 == d[10] and n12 == d[11]


def kpp_is_valid(value: str) -> bool:
    """КПП: 9 characters, tax office code (4 digits), reason (2 digits or letters), number (3 digits)."""
    return bool(re.fullmatch(r"\d{4}[\dA-Z]{2}\d{3}", (value or "").strip()))


def ogrn_is_valid(value: str) -> bool:
    """ОГРН (13 digits: number mod 11, last digit) or ОГРНИП (15 digits: number mod 13)."""
    value = (value or "").strip()
    if not value.isdigit() or len(value) not in (13, 15):
        return False
    body, check = int(value[:-1]), int(value[-1])
    modulus = 11 if len(value) == 13 else 13
    return body % modulus % 10 == check


def snils_is_valid(value: str) -> bool:
    """СНИЛС control number: Σ digit·(9..1) for the first nine digits, mod 101, 100 → 00."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits.isdigit() or len(digits) != 11:
        return False
    body, check = digits[:9], int(digits[9:])
    if int(body) <= 1001998:
        return True  # numbers up to 001-001-998 carry no control number
    total = sum(int(c) * w for c, w in zip(body, range(9, 0, -1)))
    if total > 101:
        total %= 101
    if total in (100, 101):
        total = 0
    return total == check


def bank_account_is_valid(bik: str, account: str) -> bool:
    """Settlement account (20 digits) against the BIK (9 digits): the ЦБ key with weights 7,1,3."""
    bik, account = (bik or "").strip(), (account or "").strip()
    if not (bik.isdigit() and len(bik) == 9 and account.isdigit() and len(account) == 20):
        return False
    number = bik[-3:] + account
    weights = (7, 1, 3) * 8
    return sum(int(c) * w % 10 for c, w in zip(number, weights)) % 10 == 0


def correspondent_account_is_valid(bik: str, account: str) -> bool:
    """Correspondent account (30101…) against the BIK: '0' + BIK digits 5–6 then the account."""
    bik, account = (bik or "").strip(), (account or "").strip()
    if not (bik.isdigit() and len(bik) == 9 and account.isdigit() and len(account) == 20):
        return False
    number = "0" + bik[4:6] + account
    weights = (7, 1, 3) * 8
    return sum(int(c) * w % 10 for c, w in zip(number, weights)) % 10 == 0
