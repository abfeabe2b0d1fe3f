"""Actions on contacts, promises and agreements. They flush; the caller (view, CLI, daily job) commits."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import and_, bindparam, func, insert, select, update

from ..audit.models import AuditEvent
from ..domain import agreements as dagr
from ..domain import contact_rules as rules
from ..domain.errors import DomainError
from ..domain.periods import Period, nominal_due_date
from ..extensions import db
from ..i18n import _
from ..timeutil import now_local, utcnow
from ..timeutil import today as business_today
from .models import (
    AGREEMENT_KINDS,
    CHANNELS,
    DIRECTIONS,
    NEXT_ACTIONS,
    OUTCOMES,
    AgreementInstalment,
    Contact,
    PaymentAgreement,
    Promise,
)

MAX_PROMISE_DAYS = 180  # a promise further out than this is an agreement, not a promise


# ------------------------------------------------------------------------------------------------ «show phone»

def reveal_phone(user, account) -> str | None:
    """The account's phone in full on request — for a collector, who sees it masked, before a call — recorded as an
    audit `pii.view` row like every full view of personal data (152-ФЗ ст.19). Flushes; the view commits."""
    from ..audit.services import record_event

    if not account.phone:
        return None
    record_event("pii.view", "accounts", account.id, {"field": "phone", "on_request": True}, actor=user)
    return account.phone


# ------------------------------------------------------------------------------------------------ settings

def _cfg(key: str, default):
    return current_app.config.get(key, default) if has_app_context() else default


def contact_limits() -> rules.ContactLimits:
    """Contact-frequency settings: app.config['CONTACT_RULES'] over the 230-ФЗ ст.7 defaults."""
    return rules.ContactLimits.from_settings(_cfg("CONTACT_RULES", None))


def promise_grace_days() -> int:
    return int(_cfg("PROMISE_GRACE_DAYS", 3))


def adherence_policy(grace_days: int | None = None) -> dagr.AdherencePolicy:
    """Agreement tolerances: app.config['AGREEMENT_POLICY'] over the defaults (5 grace days, 2 misses, 30 days)."""
    kw = dict(_cfg("AGREEMENT_POLICY", {}) or {})
    if grace_days is not None:
        kw["grace_days"] = grace_days
    return dagr.AdherencePolicy(**kw)


def _calendar():
    try:
        from ..legal.reference import load_calendar
        return load_calendar()
    except Exception:  # pragma: no cover - the packaged calendar is always shipped
        from ..domain.calendar import weekends_only_calendar
        return weekends_only_calendar()


def _user_id(user) -> int | None:
    if user is None:
        return None
    return user if isinstance(user, int) else user.id


def _flush_as(user_id: int | None) -> None:
    """Flush with the audit actor set (services may run without a request, e.g. from the daily job)."""
    info = db.session.info
    old = info.get("actor_id")
    if user_id is not None:
        info["actor_id"] = user_id
    try:
        db.session.flush()
    finally:
        if old is None:
            info.pop("actor_id", None)
        else:
            info["actor_id"] = old


def _audit_rows(rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(AuditEvent.__table__), rows)


def _resolve_account(account_id: int | None, case_id: int | None) -> tuple[int, int | None]:
    from ..accounts.models import Account
    from ..cases.models import Case

    if case_id is not None:
        case = db.session.get(Case, case_id)
        if case is None:
            raise DomainError(_("The case does not exist."))
        if account_id is not None and account_id != case.account_id:
            raise DomainError(_("The case belongs to another account."))
        return case.account_id, case.id
    if account_id is None or db.session.get(Account, account_id) is None:
        raise DomainError(_("The account does not exist."))
    return account_id, None


# ------------------------------------------------------------------------------------------------ contacts

def history_for_rules(account_id: int, at: datetime) -> list[rules.PastContact]:
    """The account's contacts in the week and month around `at`, for the frequency rules."""
    start, end = rules.history_window(at.date())
    rows = db.session.execute(
        select(Contact.channel, Contact.direction, Contact.contacted_at, Contact.outcome)
        .where(Contact.account_id == account_id,
               Contact.contacted_at >= datetime.combine(start, time.min),
               Contact.contacted_at <= datetime.combine(end, time.max))).all()
    refusal = db.session.execute(
        select(Contact.channel, Contact.direction, Contact.contacted_at, Contact.outcome)
        .where(Contact.account_id == account_id, Contact.outcome == rules.REFUSAL_OUTCOME,
               Contact.contacted_at < datetime.combine(start, time.min)).limit(1)).all()
    return [rules.PastContact(*r) for r in list(rows) + list(refusal)]


def contact_warnings(account_id: int, channel: str, direction: str, at: datetime) -> list[rules.ContactWarning]:
    """Warnings the planned contact would raise under the 230-ФЗ ст.7–8 settings (never a refusal)."""
    cal = _calendar()
    return rules.check_contact(channel, direction, at, history_for_rules(account_id, at), contact_limits(),
                               cal.is_working_day)


def log_contact(user, *, channel: str, outcome: str, account_id: int | None = None, case_id: int | None = None,
                note: str = "", when: datetime | date | None = None, document_id: int | None = None,
                direction: str | None = None, contact_person: str = "", contact_point: str = "",
                next_action_kind: str | None = None, next_action_on: date | None = None,
                warnings: list[str] | None = None, corrects_id: int | None = None) -> Contact:
    """Record one contact with a debtor (callable without a request, e.g. when a letter is issued); nothing is ever edited or deleted."""
    if channel not in CHANNELS:
        raise DomainError(_("Unknown contact channel: %(c)s.", c=channel))
    if outcome not in OUTCOMES:
        raise DomainError(_("Unknown contact outcome: %(c)s.", c=outcome))
    direction = direction or "outgoing"
    if direction not in DIRECTIONS:
        raise DomainError(_("Unknown direction: %(c)s.", c=direction))
    if next_action_kind and next_action_kind not in NEXT_ACTIONS:
        raise DomainError(_("Unknown next action: %(c)s.", c=next_action_kind))
    if next_action_on and not next_action_kind:
        next_action_kind = "other"
    if next_action_kind and not next_action_on:
        raise DomainError(_("Give the date of the next action."))
    account_id, case_id = _resolve_account(account_id, case_id)
    if when is None:
        when = now_local()
    elif not isinstance(when, datetime):
        when = datetime.combine(when, time(12, 0))
    if when > now_local() + _slack():
        raise DomainError(_("A contact cannot be logged in the future."))
    if next_action_on and next_action_on < when.date():
        raise DomainError(_("The next action cannot be before the contact."))
    if corrects_id is not None:
        old = db.session.get(Contact, corrects_id)
        if old is None or old.account_id != account_id:
            raise DomainError(_("The contact to correct does not belong to this account."))
    contact = Contact(account_id=account_id, case_id=case_id, channel=channel, direction=direction,
                      outcome=outcome, note=note or "", contacted_at=when, contact_person=contact_person or "",
                      contact_point=contact_point or "", next_action_kind=next_action_kind or None,
                      next_action_on=next_action_on, author_id=_user_id(user), document_id=document_id,
                      warnings=warnings or None, corrects_id=corrects_id)
    db.session.add(contact)
    _flush_as(_user_id(user))
    if next_action_on:  # the contact's plan is the case's plan (cases.links)
        from ..cases.links import next_action_from_contact
        from .labels import NEXT_ACTION_LABELS

        text = str(NEXT_ACTION_LABELS.get(next_action_kind, next_action_kind))
        if note:
            text = f"{text}: {note}"
        next_action_from_contact(account_id=account_id, case_id=case_id, on=next_action_on, text=text, user=user)
    return contact


def _slack():
    from datetime import timedelta
    return timedelta(minutes=5)


# ------------------------------------------------------------------------------------------------ promises

def record_promise(user, *, amount_kop: int, due_on: date, account_id: int | None = None,
                   case_id: int | None = None, contact_id: int | None = None, promised_on: date | None = None,
                   note: str = "", grace_days: int | None = None) -> Promise:
    """Record a promise to pay an amount by a date; it is checked against the ledger by the daily job."""
    account_id, case_id = _resolve_account(account_id, case_id)
    promised_on = promised_on or business_today()
    if amount_kop is None or amount_kop <= 0:
        raise DomainError(_("The promised amount must be above zero."))
    if due_on is None:
        raise DomainError(_("Give the date the debtor promised to pay by."))
    if due_on < promised_on:
        raise DomainError(_("The promised date cannot be before the day the promise was given."))
    if (due_on - promised_on).days > MAX_PROMISE_DAYS:
        raise DomainError(_("A promise more than %(n)s days ahead should be a payment agreement.",
                            n=MAX_PROMISE_DAYS))
    promise = Promise(account_id=account_id, case_id=case_id, contact_id=contact_id, amount_kop=amount_kop,
                      promised_on=promised_on, due_on=due_on, note=note or "", author_id=_user_id(user),
                      grace_days=promise_grace_days() if grace_days is None else grace_days, status="pending")
    db.session.add(promise)
    _flush_as(_user_id(user))
    return promise


def cancel_promise(user, promise: Promise, reason: str, today: date | None = None) -> Promise:
    """Cancel a pending promise with a reason (entered in error, replaced by an agreement); nothing is deleted."""
    if promise.status != "pending":
        raise DomainError(_("Only a pending promise can be cancelled."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for cancelling."))
    promise.status = "cancelled"
    promise.cancel_reason = reason.strip()
    promise.resolved_on = today or business_today()
    _flush_as(_user_id(user))
    return promise


def check_promises(today: date) -> dict[str, int]:
    """Classify every pending promise from the ledger (payments of the account from the day it was given to due date + grace); idempotent."""
    P = Promise.__table__
    from ..accounts.models import LedgerEntry
    L = LedgerEntry.__table__
    pending = db.session.execute(
        select(P.c.id, P.c.account_id, P.c.case_id, P.c.amount_kop, P.c.promised_on, P.c.due_on,
               P.c.grace_days, P.c.paid_kop).where(P.c.status == "pending")).all()
    counts = {"promises_checked": len(pending), "promises_kept": 0, "promises_partly_kept": 0,
              "promises_broken": 0}
    if not pending:
        return counts
    pay_rows = db.session.execute(
        select(P.c.id, L.c.paid_on, func.sum(L.c.amount_kop))
        .select_from(P.join(L, and_(L.c.account_id == P.c.account_id, L.c.kind == "payment",
                                    L.c.paid_on >= P.c.promised_on, L.c.paid_on <= today)))
        .where(P.c.status == "pending").group_by(P.c.id, L.c.paid_on)).all()
    payments: dict[int, list[tuple[date, int]]] = {}
    for pid, paid_on, amount in pay_rows:
        payments.setdefault(pid, []).append((paid_on, int(amount or 0)))
    changes, audit = [], []
    now = utcnow()
    for row in pending:
        res = rules.check_promise(row.amount_kop, row.promised_on, row.due_on, payments.get(row.id, []), today,
                                  row.grace_days)
        if res.status == rules.PromiseStatus.PENDING and res.paid_kop == row.paid_kop:
            continue
        resolved = None if res.status == rules.PromiseStatus.PENDING else today
        changes.append({"pid": row.id, "status": str(res.status), "paid_kop": res.paid_kop, "checked_on": today,
                        "resolved_on": resolved})
        if resolved:
            counts[f"promises_{res.status}"] += 1
            audit.append({"at": now, "user_id": None, "action": f"promise_{res.status}", "entity": "promises",
                          "entity_id": row.id, "changes": {"paid_kop": res.paid_kop,
                                                           "amount_kop": row.amount_kop,
                                                           "account_id": row.account_id}})
    if changes:
        db.session.execute(
            update(P).where(P.c.id == bindparam("pid")).values(
                status=bindparam("status"), paid_kop=bindparam("paid_kop"), checked_on=bindparam("checked_on"),
                resolved_on=bindparam("resolved_on")).execution_options(synchronize_session=False), changes)
    _audit_rows(audit)
    db.session.flush()
    return counts


# ------------------------------------------------------------------------------------------------ agreements

def _schedule_error(exc: DomainError) -> DomainError:
    """The pure core's refusal (English, no Babel there) in the user's language."""
    msg = str(exc)
    if msg.startswith("The number of months must be from 1 to "):
        return DomainError(_("The number of months must be from 1 to %(n)s.", n=msg.rsplit(" ", 1)[1].rstrip(".")))
    known = {
        "There is no debt to spread: the amount must be above zero.":
            _("There is no debt to spread: the amount must be above zero."),
        "The down payment must be below the debt.": _("The down payment must be below the debt."),
        "The day of the month must be from 1 to 31.": _("The day of the month must be from 1 to 31."),
        "The down payment must be due no later than the first instalment.":
            _("The down payment must be due no later than the first instalment."),
        "The debt is too small for so many months: choose fewer months.":
            _("The debt is too small for so many months: choose fewer months."),
    }
    return DomainError(known.get(msg, msg))


def preview_schedule(*, debt_kop: int, months: int, first_due_on: date, day_of_month: int | None = None,
                     down_payment_kop: int = 0, down_payment_on: date | None = None, round_rubles: bool = True,
                     remainder_on: str = "last") -> list[dagr.Instalment]:
    """The schedule an agreement with these terms would have (nothing is saved)."""
    try:
        return dagr.build_schedule(debt_kop, months, first_due_on, day_of_month, down_payment_kop=down_payment_kop,
                                   down_payment_on=down_payment_on, round_rubles=round_rubles,
                                   remainder=remainder_on,
                                   max_months=int(_cfg("AGREEMENT_MAX_MONTHS", dagr.MAX_MONTHS_DEFAULT)))
    except DomainError as exc:
        raise _schedule_error(exc) from exc


def create_agreement(user, *, debt_kop: int, months: int, first_due_on: date, account_id: int | None = None,
                     case_id: int | None = None, day_of_month: int | None = None, down_payment_kop: int = 0,
                     down_payment_on: date | None = None, round_rubles: bool = True, remainder_on: str = "last",
                     kind: str = "instalment", number: str = "", note: str = "",
                     grace_days: int | None = None) -> PaymentAgreement:
    """Save a draft agreement with its generated schedule (it binds nobody until signed)."""
    if kind not in AGREEMENT_KINDS:
        raise DomainError(_("Unknown agreement kind: %(c)s.", c=kind))
    account_id, case_id = _resolve_account(account_id, case_id)
    schedule = preview_schedule(debt_kop=debt_kop, months=months, first_due_on=first_due_on,
                                day_of_month=day_of_month, down_payment_kop=down_payment_kop,
                                down_payment_on=down_payment_on, round_rubles=round_rubles,
                                remainder_on=remainder_on)
    ag = PaymentAgreement(account_id=account_id, case_id=case_id, kind=kind, status="draft", debt_kop=debt_kop,
                          down_payment_kop=down_payment_kop or 0,
                          down_payment_on=(schedule[0].due_on if down_payment_kop else None), months=months,
                          first_due_on=first_due_on, day_of_month=day_of_month or first_due_on.day,
                          round_rubles=round_rubles, remainder_on=remainder_on, number=number or "",
                          note=note or "", author_id=_user_id(user),
                          grace_days=adherence_policy().grace_days if grace_days is None else grace_days)
    ag.instalments = [AgreementInstalment(number=i.number, due_on=i.due_on, amount_kop=i.amount_kop)
                      for i in schedule]
    db.session.add(ag)
    _flush_as(_user_id(user))
    if not ag.number:
        ag.number = f"{ag.id}"
        _flush_as(_user_id(user))
    return ag


def sign_agreement(user, ag: PaymentAgreement, signed_on: date, debtor_signatory: str = "",
                   today: date | None = None) -> PaymentAgreement:
    """Mark a draft as signed on a date: from then on it is tracked, and it acknowledges the debt (ГК ст.203; ст.206 п.2)."""
    today = today or business_today()
    if ag.status != "draft":
        raise DomainError(_("Only a draft agreement can be signed."))
    if signed_on > today:
        raise DomainError(_("The signing date cannot be in the future."))
    if ag.instalments and signed_on > ag.instalments[0].due_on:
        raise DomainError(_("The agreement cannot be signed after its first payment date: prepare a new schedule."))
    ag.signed_on = signed_on
    ag.debtor_signatory = debtor_signatory or ""
    ag.status = "on_track"
    _flush_as(_user_id(user))
    from ..audit.services import record_event
    record_event("debt_acknowledged", "payment_agreements", ag.id,
                 {"account_id": ag.account_id, "signed_on": signed_on.isoformat(), "debt_kop": ag.debt_kop},
                 actor=user if not isinstance(user, int) else None)
    from ..cases.links import agreement_signed, case_for

    case = case_for(ag.account_id, ag.case_id)  # the agreement moves its case (or the account's open case)
    if case is not None:
        if ag.case_id is None:
            ag.case_id = case.id
        agreement_signed(case, agreement_id=ag.id, number=ag.number, signed_on=signed_on, user=user, today=today)
    assess_agreements(today, ids=[ag.id])
    return ag


def cancel_agreement(user, ag: PaymentAgreement, reason: str, void: bool = False,
                     today: date | None = None) -> PaymentAgreement:
    """Cancel an agreement with a reason; `void` marks it entered in error, so it is no acknowledgment of debt."""
    if ag.status in ("cancelled", "completed"):
        raise DomainError(_("This agreement is already closed."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for cancelling."))
    ag.status = "cancelled"
    ag.cancel_reason = reason.strip()
    ag.cancelled_on = today or business_today()
    ag.is_void = bool(void)
    _flush_as(_user_id(user))
    return ag


def _charges_due(account_ids: list[int], since: date) -> dict[int, list[tuple[date, int]]]:
    """Current charges per account as (due date under ЖК ст.155 ч.1, amount) for months due on or after `since`."""
    from ..accounts.models import AccountMonth
    M = AccountMonth.__table__
    out: dict[int, list[tuple[date, int]]] = {}
    if not account_ids:
        return out
    start = date(since.year - (1 if since.month <= 2 else 0), (since.month - 3) % 12 + 1, 1)
    for i in range(0, len(account_ids), 900):
        chunk = account_ids[i:i + 900]
        for acc, month, charged, recalc in db.session.execute(
                select(M.c.account_id, M.c.month, M.c.charged_kop, M.c.recalculated_kop)
                .where(M.c.account_id.in_(chunk), M.c.month >= start)):
            amount = int(charged or 0) + int(recalc or 0)
            due = nominal_due_date(Period(month.year, month.month))
            out.setdefault(acc, []).append((due, amount))
    return out


def assess_agreements(today: date, ids: list[int] | None = None) -> dict[str, int]:
    """Track every signed, open agreement against the ledger (on track / late / broken / completed); idempotent."""
    A = PaymentAgreement.__table__
    I = AgreementInstalment.__table__
    from ..accounts.models import LedgerEntry
    L = LedgerEntry.__table__
    cond = [A.c.status.in_(("on_track", "late")), A.c.signed_on.isnot(None)]
    if ids is not None:
        cond.append(A.c.id.in_(ids))
    ags = db.session.execute(select(A.c.id, A.c.account_id, A.c.case_id, A.c.status, A.c.signed_on,
                                    A.c.grace_days, A.c.paid_kop, A.c.overdue_kop).where(*cond)).all()
    counts = {"agreements_checked": len(ags), "agreements_late": 0, "agreements_broken": 0,
              "agreements_completed": 0}
    if not ags:
        return counts
    ag_ids = [a.id for a in ags]
    inst: dict[int, list] = {}
    pays: dict[int, list[tuple[date, int]]] = {}
    for i in range(0, len(ag_ids), 900):
        chunk = ag_ids[i:i + 900]
        for r in db.session.execute(select(I.c.id, I.c.agreement_id, I.c.number, I.c.due_on, I.c.amount_kop,
                                           I.c.covered_kop, I.c.state)
                                    .where(I.c.agreement_id.in_(chunk)).order_by(I.c.agreement_id, I.c.number)):
            inst.setdefault(r.agreement_id, []).append(r)
        for aid, paid_on, amount in db.session.execute(
                select(A.c.id, L.c.paid_on, func.sum(L.c.amount_kop))
                .select_from(A.join(L, and_(L.c.account_id == A.c.account_id, L.c.kind == "payment",
                                            L.c.paid_on >= A.c.signed_on, L.c.paid_on <= today)))
                .where(A.c.id.in_(chunk)).group_by(A.c.id, L.c.paid_on)):
            pays.setdefault(aid, []).append((paid_on, int(amount or 0)))
    charges = _charges_due(sorted({a.account_id for a in ags}), min(a.signed_on for a in ags))
    cal = _calendar()
    ag_changes, inst_changes, audit, broken = [], [], [], []
    now = utcnow()
    for a in ags:
        rows = inst.get(a.id, [])
        schedule = [dagr.Instalment(r.number, r.due_on, r.amount_kop) for r in rows]
        res = dagr.assess(schedule, pays.get(a.id, []), today, a.signed_on, charges.get(a.account_id, []),
                          adherence_policy(a.grace_days), cal.next_working_day)
        for r, st in zip(rows, res.instalments):
            if r.covered_kop != st.covered_kop or r.state != st.state:
                inst_changes.append({"iid": r.id, "covered_kop": st.covered_kop, "state": st.state})
        status = str(res.status)
        if status != a.status or res.paid_kop != a.paid_kop or res.overdue_kop != a.overdue_kop:
            ag_changes.append({"aid": a.id, "status": status, "paid_kop": res.paid_kop,
                               "overdue_kop": res.overdue_kop, "assessed_on": today,
                               "broken_on": today if status == "broken" else None,
                               "completed_on": today if status == "completed" else None})
        if status != a.status:
            counts[f"agreements_{status}"] = counts.get(f"agreements_{status}", 0) + 1
            audit.append({"at": now, "user_id": None, "action": f"agreement_{status}",
                          "entity": "payment_agreements", "entity_id": a.id,
                          "changes": {"status": [a.status, status], "overdue_kop": res.overdue_kop,
                                      "account_id": a.account_id}})
            if status == "broken":
                broken.append(a)
    if ag_changes:
        db.session.execute(update(A).where(A.c.id == bindparam("aid")).values(
            status=bindparam("status"), paid_kop=bindparam("paid_kop"), overdue_kop=bindparam("overdue_kop"),
            assessed_on=bindparam("assessed_on"), broken_on=bindparam("broken_on"),
            completed_on=bindparam("completed_on")).execution_options(synchronize_session=False), ag_changes)
    if inst_changes:
        db.session.execute(update(I).where(I.c.id == bindparam("iid")).values(
            covered_kop=bindparam("covered_kop"), state=bindparam("state"))
            .execution_options(synchronize_session=False), inst_changes)
    _audit_rows(audit)
    if ag_changes or inst_changes:
        db.session.expire_all()
    db.session.flush()
    return counts


def daily(today: date) -> dict[str, Any]:
    """The contacts part of `casework daily`: check promises and agreements; a second run the same day changes nothing."""
    counts: dict[str, Any] = {}
    counts.update(check_promises(today))
    counts.update(assess_agreements(today))
    return counts
