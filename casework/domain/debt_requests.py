"""ГИС ЖКХ debt requests from social-protection offices: the answer term and which court acts confirm a debt.

ПП РФ от 14.12.2005 № 761 (п. 8(1), 8(2), as amended by ПП РФ от 29.10.2021 № 1856 and later) and ЖК РФ ст. 159:
a housing subsidy is refused for a debt «подтвержденной вступившим в законную силу судебным актом»; the supplier
answers the request sent through ГИС ЖКХ within 5 working days, attaching the act; without an answer ГИС ЖКХ
reports «нет задолженности». Pure: the calendar and today are arguments.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ANSWER_WORKING_DAYS = 5
CONFIRMING_OUTCOMES = ("issued", "satisfied")  # a court order issued, a claim granted
ACT_KINDS = ("order", "claim")


def answer_due(sent_on: date, calendar, working_days: int = ANSWER_WORKING_DAYS) -> date:
    """The last day to answer: `working_days` working days after the day the request was sent (ГК 191: the term
    starts the next day; ПП 761 п. 8(2): 5 working days), counted by the production calendar."""
    return calendar.add_working_days(sent_on, working_days)


@dataclass(frozen=True)
class CourtAct:
    """What the answer needs to know about a court record (cases.CourtRecord)."""

    id: int
    kind: str  # order | claim
    outcome: str
    case_number: str | None
    issued_on: date | None
    in_force_on: date | None
    cancelled_on: date | None
    period_from: date | None
    period_to: date | None
    amount_kop: int
    paid: bool = False  # the writ was enforced in full (enforcement ended «paid»)


def act_confirms_debt(act: CourtAct, today: date, period_from: date | None = None,
                      period_to: date | None = None) -> bool:
    """True when the act confirms a debt for the request (ПП 761 п. 8(1)): an order issued or a claim granted,
    in force by today (ГПК 209, 130), not cancelled or reversed, not paid in full, with a positive amount, and —
    when both periods are known — a debt period that overlaps the period the request asks about."""
    if act.kind not in ACT_KINDS or act.outcome not in CONFIRMING_OUTCOMES:
        return False
    if act.cancelled_on is not None or act.in_force_on is None or act.in_force_on > today:
        return False
    if act.paid or act.amount_kop <= 0:
        return False
    if period_from and act.period_to and act.period_to < period_from:
        return False
    if period_to and act.period_from and act.period_from > period_to:
        return False
    return True


def confirming_acts(acts: list[CourtAct], today: date, period_from: date | None = None,
                    period_to: date | None = None) -> list[CourtAct]:
    """The acts that confirm a debt, newest first (the answer «есть задолженность» names them all)."""
    found = [a for a in acts if act_confirms_debt(a, today, period_from, period_to)]
    return sorted(found, key=lambda a: (a.in_force_on, a.id), reverse=True)


def name_key(name: str | None) -> str:
    """A person's name for comparison: lower case, ё→е, one space between the words."""
    return " ".join((name or "").lower().replace("ё", "е").split())
