"""Personal data on screen: who sees identifiers in full, and how the others see them masked."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..access import ADMIN, LAWYER, MANAGER

PII_ROLES = frozenset({LAWYER, MANAGER, ADMIN})
MASK = "•"


def may_see_pii(role: str | None) -> bool:
    """Lawyers, managers and admins see passport, СНИЛС and phone in full; collectors only their last digits.

    Data minimisation: personal data shown only as far as the work needs it (152-ФЗ ст. 5 ч. 5; peers.md §12).
    """
    return role in PII_ROLES


def mask_tail(value: str | None, keep: int = 4) -> str | None:
    """Replace every digit and letter but the last `keep` digits with a bullet, keeping separators."""
    if not value:
        return value
    digits_seen = 0
    out = []
    for ch in reversed(value):
        if ch.isdigit() and digits_seen < keep:
            out.append(ch)
            digits_seen += 1
        elif ch.isalnum():
            out.append(MASK)
        else:
            out.append(ch)
    return "".join(reversed(out))


@dataclass(frozen=True)
class PartyView:
    """A party as the current user may see it (identifiers masked unless `revealed`)."""

    party_id: int
    kind: str
    full_name: str
    role: str
    share: str | None
    since: date | None
    until: date | None
    birth_date: date | None
    birth_place: str | None
    passport: str | None
    passport_issued: str | None
    snils: str | None
    inn: str | None
    ogrn: str | None
    registration_address: str | None
    phone: str | None
    email: str | None
    deceased_on: date | None
    revealed: bool

    @property
    def has_pii(self) -> bool:
        return any((self.passport, self.snils, self.phone, self.birth_date, self.birth_place))


def party_view(link, party, reveal: bool) -> PartyView:
    """Build the on-screen view of an account party; masking passport, СНИЛС and phone unless `reveal`."""
    passport = " ".join(x for x in (party.passport_series, party.passport_number) if x) or None
    issued = None
    if party.passport_issued_by or party.passport_issued_on:
        issued = ", ".join(x for x in (party.passport_issued_by,
                                        party.passport_issued_on.strftime("%d.%m.%Y") if party.passport_issued_on
                                        else None) if x)
    if not reveal:
        passport, issued = mask_tail(passport, 4), (MASK * 3 if issued else None)
    return PartyView(
        party_id=party.id, kind=party.kind, full_name=party.full_name, role=link.role, share=link.share,
        since=link.since, until=link.until,
        birth_date=party.birth_date if reveal else None,
        birth_place=party.birth_place if reveal else None,
        passport=passport, passport_issued=issued,
        snils=party.snils if reveal else mask_tail(party.snils, 4),
        inn=party.inn, ogrn=party.ogrn, registration_address=party.registration_address,
        phone=party.phone if reveal else mask_tail(party.phone, 4),
        email=party.email, deceased_on=party.deceased_on, revealed=reveal)


def shown_phone(account) -> str | None:
    """The account's phone as the current user may see it: in full for lawyers, managers and admins — that view
    recorded as an audit `pii.view` row (the calling view commits) — else masked to its last digits.

    152-ФЗ ст. 5 ч. 5 (minimisation) and ст. 19 (recording access to personal data); peers.md §12.
    """
    from flask_login import current_user

    from ..audit.services import record_event

    if not account.phone:
        return account.phone
    if may_see_pii(getattr(current_user, "role", None)):
        record_event("pii.view", "accounts", account.id, {"field": "phone"})
        return account.phone
    return mask_tail(account.phone, 4)
