"""Generators of Russian identifiers with valid check digits (the checks live in casework.domain.requisites)."""
from __future__ import annotations

import random


def _weighted(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights)) % 11 % 10


def org_inn(rng: random.Random, region_office: str) -> str:
    """10-digit ИНН of an organization: tax office code (4 digits), 5 digits, check digit (ФНС algorithm)."""
    digits = [int(c) for c in region_office] + [rng.randrange(10) for _ in range(5)]
    digits.append(_weighted(digits, (2, 4, 10, 3, 5, 9, 4, 6, 8)))
    return "".join(map(str, digits))


def person_inn(rng: random.Random, region_office: str) -> str:
    """12-digit ИНН of an individual (sole trader): tax office code, 6 digits, two check digits."""
    digits = [int(c) for c in region_office] + [rng.randrange(10) for _ in range(6)]
    digits.append(_weighted(digits, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
    digits.append(_weighted(digits, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)))
    return "".join(map(str, digits))


def ogrn(rng: random.Random, year: int, region: str, *, sole_trader: bool = False) -> str:
    """ОГРН (13 digits, body mod 11) or ОГРНИП (15 digits, body mod 13): sign, year, region, number, check."""
    sign = "3" if sole_trader else rng.choice("11111115")
    length = 14 if sole_trader else 12
    body = sign + f"{year % 100:02d}" + region
    body += "".join(str(rng.randrange(10)) for _ in range(length - len(body)))
    modulus = 13 if sole_trader else 11
    return body + str(int(body) % modulus % 10)


def snils(rng: random.Random) -> str:
    """СНИЛС «XXX-XXX-XXX YY» with the control number (Σ digit·(9..1) mod 101; 100 → 00)."""
    while True:
        body = "".join(str(rng.randrange(10)) for _ in range(9))
        if int(body) > 1001998:
            break
    total = sum(int(c) * w for c, w in zip(body, range(9, 0, -1)))
    if total > 101:
        total %= 101
    if total in (100, 101):
        total = 0
    return f"{body[0:3]}-{body[3:6]}-{body[6:9]} {total:02d}"


def _account_key(prefix: str, account: str) -> str:
    """Fill the key digit (position 9) of a 20-digit account so that the ЦБ weights 7,1,3 give 0 mod 10."""
    for key in range(10):
        candidate = account[:8] + str(key) + account[9:]
        number = prefix + candidate
        if sum(int(c) * w % 10 for c, w in zip(number, (7, 1, 3) * 8)) % 10 == 0:
            return candidate
    raise AssertionError("no key digit")  # pragma: no cover - one digit always fits


def settlement_account(rng: random.Random, bik: str, balance_account: str = "40702") -> str:
    """A 20-digit settlement account in roubles (810) valid against the BIK's last three digits."""
    raw = balance_account + "810" + "0" + "".join(str(rng.randrange(10)) for _ in range(11))
    return _account_key(bik[-3:], raw)


def correspondent_account(bik: str) -> str:
    """The bank's correspondent account 30101810…<BIK last three> valid against the BIK."""
    raw = "30101810" + "0" + "00000000" + bik[-3:]
    return _account_key("0" + bik[4:6], raw)
