"""Demo contacts, promises and agreements for the demo debtors (called by the demo builder)."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, literal, select

from ..demo.generator import weighted_choice
from ..extensions import db
from .models import Contact, Promise

_CHANNELS = [("call", 50), ("visit", 15), ("sms", 15), ("letter", 8), ("reception", 5), ("email", 3),
             ("messenger", 2), ("raid", 1), ("gis_zhkh", 1)]
_OUTCOMES = {
    "call": [("no_answer", 30), ("reached", 20), ("promised_to_pay", 20), ("wrong_number", 5), ("refused_to_talk", 5),
             ("disputes_debt", 5), ("paid_already", 5), ("asked_for_agreement", 5), ("third_party_reached", 5)],
    "visit": [("not_at_home", 40), ("notice_handed", 25), ("left_in_mailbox", 20), ("promised_to_pay", 10),
              ("moved_out", 5)],
    "sms": [("message_sent", 90), ("delivered", 10)], "email": [("message_sent", 100)],
    "messenger": [("message_sent", 70), ("reached", 30)], "letter": [("letter_sent", 100)],
    "reception": [("asked_for_agreement", 35), ("promised_to_pay", 30), ("disputes_debt", 15),
                  ("subsidy_advised", 10), ("work_off_offered", 10)],
    "raid": [("property_inspected", 60), ("not_at_home", 40)], "gis_zhkh": [("message_sent", 100)],
}
_NOTES = {"promised_to_pay": "Обещал(а) погасить часть долга после зарплаты",
          "disputes_debt": "Не согласен(на) с суммой, просит сверку",
          "asked_for_agreement": "Просит рассрочку, приглашён(а) на приём",
          "not_at_home": "Дверь не открыли, оставлено извещение",
          "subsidy_advised": "Разъяснён порядок получения субсидии на ЖКУ",
          "work_off_offered": "Предложена отработка долга на предприятии"}


def _working_moment(rng: random.Random, d: date) -> datetime:
    while d.weekday() >= 5:
        d -= timedelta(days=1)
    return datetime.combine(d, time(rng.randint(9, 18), rng.choice((0, 15, 30, 45))))


def extend_demo(rng: random.Random, today: date, limit: int = 400) -> dict[str, int]:
    """Add contacts over the last four months, promises (kept/broken from the real ledger) and agreements (on track/late/broken)."""
    from ..accounts.models import AccountBalance
    from ..auth.models import User
    from ..cases.models import Case
    from . import services

    collectors = list(db.session.scalars(select(User.id).where(User.role == "collector"))) or \
        list(db.session.scalars(select(User.id)))
    if not collectors:
        return {}
    targets = db.session.execute(
        select(Case.account_id, Case.id, Case.assignee_id, AccountBalance.balance_kop, AccountBalance.last_payment_on)
        .join(AccountBalance, AccountBalance.account_id == Case.account_id, isouter=True)
        .where(Case.is_open.is_(True)).order_by(Case.id).limit(limit)).all()
    if not targets:
        targets = db.session.execute(
            select(AccountBalance.account_id, literal(None), literal(None), AccountBalance.balance_kop, AccountBalance.last_payment_on)
            .where(AccountBalance.balance_kop > 0).order_by(AccountBalance.balance_kop.desc()).limit(limit)).all()
    contacts, promises = [], []
    for account_id, case_id, assignee_id, balance, last_paid in targets:
        author = assignee_id or rng.choice(collectors)
        for _ in range(rng.randint(1, 6)):
            channel = weighted_choice(rng, _CHANNELS)
            outcome = weighted_choice(rng, _OUTCOMES[channel])
            when = _working_moment(rng, today - timedelta(days=rng.randint(1, 120)))
            nxt = None
            if rng.random() < 0.4:
                nxt = (when.date() + timedelta(days=rng.randint(3, 21)))
            contacts.append({"account_id": account_id, "case_id": case_id, "channel": channel,
                             "direction": "incoming" if channel == "reception" else "outgoing", "outcome": outcome,
                             "contact_person": "", "contact_point": "", "note": _NOTES.get(outcome, ""),
                             "contacted_at": when, "next_action_kind": weighted_choice(rng, [("call", 3), ("visit", 1),
                                                                                   ("check_payment", 2)]) if nxt else None,
                             "next_action_on": nxt, "author_id": author, "created_at": when})
        if rng.random() < 0.3 and balance and balance > 0:
            # kept when the account did pay after the promise, broken otherwise: the daily check decides
            if last_paid and (today - last_paid).days <= 60 and rng.random() < 0.6:
                promised_on = last_paid - timedelta(days=rng.randint(1, 7))
                due_on = last_paid + timedelta(days=rng.randint(0, 3))
                amount = max(100_00, min(balance, 500_00 * rng.randint(1, 6)) // 100 * 100)
            else:
                promised_on = today - timedelta(days=rng.randint(10, 60))
                due_on = promised_on + timedelta(days=rng.randint(3, 10))
                amount = max(100_00, min(balance, 1000_00 * rng.randint(1, 5)) // 100 * 100)
            if due_on <= today:
                promises.append({"account_id": account_id, "case_id": case_id, "amount_kop": amount,
                                 "promised_on": promised_on, "due_on": due_on, "grace_days": 3, "status": "pending",
                                 "paid_kop": 0, "note": "", "author_id": author})
    if contacts:
        db.session.execute(insert(Contact.__table__), contacts)
    if promises:
        db.session.execute(insert(Promise.__table__), promises)
    # agreements: a few dozen ORM records (they are audited like real ones)
    candidates = [t for t in targets if t[3] and t[3] >= 3000_00]
    rng.shuffle(candidates)
    made = 0
    for n, (account_id, case_id, assignee_id, balance, _last) in enumerate(candidates[:max(3, len(targets) // 15)]):
        author = assignee_id or rng.choice(collectors)
        scenario = ("on_track", "late", "broken")[n % 3]
        if scenario == "on_track":
            signed, first_due = today - timedelta(days=10), today + timedelta(days=20)
        elif scenario == "late":
            signed, first_due = today - timedelta(days=45), today - timedelta(days=12)
        else:
            signed, first_due = today - timedelta(days=150), today - timedelta(days=120)
        months = rng.choice((3, 6, 10, 12))
        ag = services.create_agreement(author, account_id=account_id, case_id=case_id, debt_kop=balance,
                                       months=months, first_due_on=first_due, day_of_month=first_due.day,
                                       kind=rng.choice(("instalment", "instalment", "restructuring")))
        services.sign_agreement(author, ag, signed, today=today)
        made += 1
    counts = services.daily(today)
    return {"contacts": len(contacts), "promises": len(promises), "agreements": made, **counts}
