"""Case actions: stage changes through the domain guards, holds, warnings, court, enforcement, write-off,
bulk work and the daily job. Services flush; only the view or CLI command commits.

Callable without a web request (the documents area records filings through these functions).
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import case as sql_case
from sqlalchemy import exists, func, insert, literal, select, text, update
from sqlalchemy.orm import aliased

from ..accounts.models import Account, AccountBalance, AccountServiceNorm, Building, LedgerEntry, Service
from ..audit.services import record_event
from ..contacts.models import PaymentAgreement
from ..documents.models import Document
from ..documents.queries import pretrial_claim_sent_on as documents_pretrial_claim_sent_on
from ..documents.queries import warning_delivered_on
from ..domain.court_dates import check_court_dates, check_delivery, check_not_future
from ..domain.periods import Period
from ..domain.stages import (
    FINAL_STAGES,
    CaseFacts,
    CourtActKind,
    CourtKind,
    ServiceFacts,
    Stage,
    TransitionNotAllowed,
    check_transition,
    check_writ_destination,
    objection_term_end,
    restriction_may_start_on,
    suspension_may_start_on,
)
from ..domain.stages import check_court_application as _check_court_application
from ..domain.stages import check_measure as _check_measure
from ..extensions import db
from .directory import check_court_fits, debtor_kind_of, debtor_of, level_params, track_of
from .directory import court_choice as _directory_court_choice
from .models import (
    Alert,
    Case,
    Court,
    CourtRecord,
    Deadline,
    Enforcement,
    Hold,
    StageChange,
    WriteOffProposal,
    sync_open_case_flags,
)


def _refuse(code: str, reason: str, **params):
    raise TransitionNotAllowed(code, reason, **params)


def term_reading() -> str:
    """The reading of the 20-day warning and 10-day restriction terms (setting RESTRICTION_TERM_READING:
    'full_days' — from day 21 / 11, ГК 191, the default; 'elapsed' — from day 20 / 10); see docs/legal-engine.md."""
    from ..domain.restriction import term_reading as parse

    return parse(current_app.config["RESTRICTION_TERM_READING"]).value


def business_calendar():
    """The production calendar in force (the rate tables, with the admin's decree rows): the last day of a term
    moves off a non-working day (ГК 193)."""
    from ..legal.services import current_reference

    return current_reference().calendar


def open_threshold_kop() -> int:
    """A case is opened above this debt (setting CASE_OPEN_THRESHOLD_KOP, config.py)."""
    return int(current_app.config["CASE_OPEN_THRESHOLD_KOP"])




# ------------------------------------------------------------------------------------------- facts
def account_debt_kop(account_id: int) -> int:
    """Current balance from the ledger (charges + openings + recalculations − payments)."""
    signed = sql_case((LedgerEntry.kind == "payment", -LedgerEntry.amount_kop), else_=LedgerEntry.amount_kop)
    return int(db.session.scalar(select(func.coalesce(func.sum(signed), 0))
                                 .where(LedgerEntry.account_id == account_id)) or 0)


def service_debt_kop(account_id: int, service_id: int) -> int:
    signed = sql_case((LedgerEntry.kind == "payment", -LedgerEntry.amount_kop), else_=LedgerEntry.amount_kop)
    return int(db.session.scalar(select(func.coalesce(func.sum(signed), 0)).where(
        LedgerEntry.account_id == account_id, LedgerEntry.service_id == service_id)) or 0)


def service_monthly_charges(account_id: int, service_id: int, before: date, limit: int = 3) -> list[tuple[date, int]]:
    """The account's latest monthly charges of a service (kind «charge», summed per billing month, > 0) of the
    months before `before`'s month, newest first: the input of the derived norm charge."""
    first = date(before.year, before.month, 1)
    total = func.sum(LedgerEntry.amount_kop)
    rows = db.session.execute(
        select(LedgerEntry.period, total).where(LedgerEntry.account_id == account_id,
                                                LedgerEntry.service_id == service_id, LedgerEntry.kind == "charge",
                                                LedgerEntry.period < first)
        .group_by(LedgerEntry.period).having(total > 0).order_by(LedgerEntry.period.desc()).limit(limit)).all()
    return [(p, int(k)) for p, k in rows]


NORM_ACCOUNT, NORM_SERVICE, NORM_DERIVED = "account", "service", "derived"


def norm_info(account_id: int, service: Service, today: date | None = None) -> tuple[int | None, str | None]:
    """(monthly charge at the norm, where it comes from) for the account's service (ПП 354 п.118): the account's own
    (set on the norms page, NORM_ACCOUNT), else the service's default (NORM_SERVICE), else derived from the charges
    (domain.restriction.derived_norm_kop: the mean of the last 3 full monthly charges, NORM_DERIVED), else (None,
    None)."""
    from ..domain.restriction import DERIVED_NORM_MONTHS, derived_norm_kop
    from ..timeutil import today as _today

    own = db.session.get(AccountServiceNorm, (account_id, service.id))
    if own is not None:
        return own.norm_monthly_kop, NORM_ACCOUNT
    if service.norm_monthly_kop:
        return service.norm_monthly_kop, NORM_SERVICE
    charges = service_monthly_charges(account_id, service.id, today or _today(), DERIVED_NORM_MONTHS)
    derived = derived_norm_kop([k for _p, k in charges])
    return (derived, NORM_DERIVED) if derived is not None else (None, None)


def norm_for(account_id: int, service: Service, today: date | None = None) -> int | None:
    """The monthly charge at the norm the restriction guard uses (norm_info: own, service default, derived)."""
    return norm_info(account_id, service, today)[0]


def set_account_norm(account: Account, service: Service, norm_kop: int | None, user) -> AccountServiceNorm | None:
    """Set (or, None, clear) the account's own monthly charge at the norm for a service (ПП 354 п.118: the
    restriction needs a debt above two of them); audited as an ORM change. Refused for a negative or zero amount."""
    if norm_kop is not None and norm_kop <= 0:
        _refuse("norm_not_positive", "the monthly charge at the norm must be above zero")
    own = db.session.get(AccountServiceNorm, (account.id, service.id))
    if norm_kop is None:
        if own is not None:
            db.session.delete(own)
        own = None
    elif own is None:
        own = AccountServiceNorm(account_id=account.id, service_id=service.id, norm_monthly_kop=norm_kop)
        db.session.add(own)
    else:
        own.norm_monthly_kop = norm_kop
    record_event("cases.norm_set", "accounts", account.id,
                 {"service": service.code, "norm_monthly_kop": norm_kop}, actor=user)
    db.session.flush()
    return own


def months_unpaid(account_id: int, today: date) -> int:
    """Whole months since the last payment (or since the first charge when nothing was ever paid)."""
    last = db.session.scalar(select(func.max(LedgerEntry.paid_on)).where(
        LedgerEntry.account_id == account_id, LedgerEntry.kind == "payment", LedgerEntry.amount_kop > 0))
    if last is None:
        last = db.session.scalar(select(func.min(LedgerEntry.period)).where(LedgerEntry.account_id == account_id))
    if last is None:
        return 0
    return (today.year - last.year) * 12 + today.month - last.month - (1 if today.day < last.day else 0)


def limitation_for(account_id: int, today: date, debt_kop: int | None = None):
    """(claimable_kop, LimitationResult) of the account's legal calculation (`casework.legal.services.
    account_calculation`: the ledger through the legal adapter — reversals, recalculations, named periods, the
    contract payment day —, payments allocated by ГК 319.1 / Пленум № 22 п.32, court filings and signed agreements
    as events, the LIMITATION_POLICY setting): claimable = the unpaid remainders of the months not time-barred.
    `debt_kop` is accepted for the callers' convenience and not needed."""
    from ..legal.adapter import contract_due_day, ledger_entries_for, limitation_events_for
    from ..legal.services import calculation_from_entries

    # = account_calculation(account_id, today) without the penalty, which the guards do not need
    calc = calculation_from_entries(account_id, ledger_entries_for(account_id), limitation_events_for(account_id),
                                    today, contract_day=contract_due_day(), with_penalty=False)
    return calc.claimable_kop, calc.limitation


def claim_for(account_id: int, on: date, periods=None, *, include_time_barred: bool | None = None):
    """The months of a court claim on `on` (domain.claim.ClaimSelection): the account's legal calculation on that
    date (`casework.legal.services.account_calculation`) through `casework.legal.adapter.claim_selection` — the
    months ticked (`periods`: 'YYYY-MM' strings, dates or Periods) or, None, the default (due, not time-barred
    unless the setting CLAIM_TIME_BARRED_DEFAULT). Raises domain.claim.ClaimRefused."""
    from ..legal.adapter import claim_selection
    from ..legal.services import account_calculation

    return claim_selection(account_calculation(account_id, on), periods, include_time_barred=include_time_barred)


def claim_checklist_for(account_id: int, on: date, chosen=None):
    """The month checklist of the court-filing form (legal.adapter.claim_checklist: default ticks, never refused)."""
    from ..legal.adapter import claim_checklist
    from ..legal.services import account_calculation

    return claim_checklist(account_calculation(account_id, on), chosen)


def _month(d: date | None) -> Period | None:
    return None if d is None else Period(d.year, d.month)


def _months_between(first: date | None, last: date | None) -> frozenset | None:
    if first is None or last is None or last < first:
        return None
    p, end, out = _month(first), _month(last), set()
    while p <= end and len(out) < 600:
        out.add(p)
        p = p.next()
    return frozenset(out)


def court_history(case_id: int | None) -> tuple[bool, tuple]:
    """(an order of the case was cancelled, refused or returned; the (first, last) months of each order cancelled or
    refused — ГПК 129, 125 ч.3: those months go by claim)."""
    if case_id is None:
        return False, ()
    rows = db.session.execute(select(CourtRecord.outcome, CourtRecord.cancelled_on, CourtRecord.period_from,
                                     CourtRecord.period_to)
                              .where(CourtRecord.case_id == case_id, CourtRecord.kind == "order")
                              .order_by(CourtRecord.id)).all()
    any_back = any(o in ("cancelled", "refused", "returned") for o, *_r in rows)
    cancelled = tuple((_month(f), _month(t)) for o, c, f, t in rows if o in ("cancelled", "refused") or c is not None)
    return any_back or bool(cancelled), cancelled


def _warning_delivered_on(case: Case | None, account_id: int) -> date | None:
    """The latest delivery of the restriction warning: recorded on the case (its 20-day deadline) or on a delivered
    «Предупреждение» document of the case or account (documents.queries.warning_delivered_on)."""
    dates = []
    if case is not None:
        warning = _latest_deadline(case.id, "warning_term")
        if warning is not None:
            dates.append(warning.starts_on)
    d = warning_delivered_on(case_id=case.id if case is not None else None, account_id=account_id)
    if d is not None:
        dates.append(d)
    return max(dates) if dates else None


def _restricted_on(case: Case) -> date | None:
    """The day the service was restricted: the case's move to the restriction stage (kept at suspension too)."""
    if case.stage == Stage.RESTRICTION:
        return case.stage_since
    if case.stage != Stage.SUSPENSION:
        return None
    return db.session.scalar(select(func.max(StageChange.changed_on)).where(
        StageChange.case_id == case.id, StageChange.to_stage == Stage.RESTRICTION.value))


def _latest_deadline(case_id: int, kind: str) -> Deadline | None:
    return db.session.scalars(select(Deadline).where(Deadline.case_id == case_id, Deadline.kind == kind)
                              .order_by(Deadline.starts_on.desc()).limit(1)).first()


def _agreement_performed(case: Case, today: date) -> bool:
    """Is a signed payment agreement of the account being performed (on track, or late within its tolerance, as the
    daily assessment found it)? Then no restriction or suspension (ПП 354 п.118)."""
    return db.session.scalar(select(PaymentAgreement.id).where(
        PaymentAgreement.account_id == case.account_id, PaymentAgreement.signed_on.is_not(None),
        PaymentAgreement.signed_on <= today, PaymentAgreement.status.in_(("on_track", "late"))).limit(1)) is not None


def latest_court_record(case_id: int) -> CourtRecord | None:
    return db.session.scalars(select(CourtRecord).where(CourtRecord.case_id == case_id)
                              .order_by(CourtRecord.id.desc()).limit(1)).first()


def pretrial_claim_sent_on(case: Case) -> date | None:
    """When the latest pre-claim letter (documents area, «Досудебная претензия») of the case or its account was
    issued: the registry's date of sending, from which the 30 days of АПК ст.4 ч.5 run."""
    return documents_pretrial_claim_sent_on(case_id=case.id, account_id=case.account_id)


def gather_facts(case: Case, today: date, *, service_id: int | None = None, court_kind: str | None = None,
                 claim_kop: int | None = None, lawyer_approved: bool | None = None,
                 with_limitation: bool = True, proposal: WriteOffProposal | None = None,
                 approver=None) -> CaseFacts:
    """Collect the facts the domain guards need for this case today."""
    account = case.account
    debt = account_debt_kop(account.id)
    building = db.session.get(Building, account.building_id) if account.building_id else None
    svc_facts = None
    sid = service_id or case.service_id
    if sid:
        svc = db.session.get(Service, sid)
        if svc is not None:
            svc_facts = ServiceFacts(svc.code, svc.restriction_rule, svc.suspendable_in_apartment_building,
                                     service_debt_kop(account.id, svc.id), norm_for(account.id, svc, today))
    warning_on = _warning_delivered_on(case, account.id)
    restricted = _restricted_on(case)
    claimable = None
    if with_limitation:
        claimable, _result = limitation_for(account.id, today, debt)
    rec = latest_court_record(case.id)
    act_kind = None
    if rec is not None and rec.outcome in ("issued", "satisfied"):
        act_kind = CourtActKind.ORDER if rec.kind == "order" else CourtActKind.JUDGMENT
    cancelled_or_refused, cancelled_orders = court_history(case.id)
    debtor = debtor_of(account)
    kind = debtor_kind_of(account, debtor)
    track = track_of(account, debtor)
    facts = dict(
        debt_kop=debt, debtor_kind=kind.value, court_track=track.value, tenure=account.tenure,
        apartment_building=bool(building.is_apartment_building) if building else True,
        on_hold=case.hold_reason is not None, disputed=case.hold_reason == "dispute",
        warning_delivered_on=warning_on,
        restricted_on=restricted, term_reading=term_reading(), service=svc_facts,
        lawyer_approved=bool(lawyer_approved) if lawyer_approved is not None else case.lawyer_approved_by is not None,
        agreement_performed=_agreement_performed(case, today),
        court_kind=court_kind or CourtKind.ORDER, claimable_kop=claimable, claim_kop=claim_kop,
        order_cancelled_or_refused=cancelled_or_refused, cancelled_orders=cancelled_orders,
        months_unpaid=months_unpaid(account.id, today),
        pretrial_claim_sent_on=pretrial_claim_sent_on(case) if track == "arbitrazh" else None,
        court_act_kind=act_kind,
        act_made_on=rec.issued_on if rec else None, debtor_received_on=rec.received_on if rec else None,
        objection_filed=bool(rec and rec.objection_on), act_cancelled=bool(rec and rec.cancelled_on),
    )
    if proposal is not None:
        facts.update(writeoff_ground=proposal.ground, writeoff_evidence=bool((proposal.evidence or "").strip()),
                     writeoff_proposed_by=proposal.proposed_by, writeoff_approved_by=getattr(approver, "id", None),
                     writeoff_approver_role=getattr(approver, "role", None))
    return CaseFacts(**facts)


def court_application_facts(account: Account, case: Case | None, today: date, *, kind: str, claim=None,
                            claim_kop: int | None = None, claim_periods: frozenset | None = None,
                            order_cancelled: bool = False) -> CaseFacts:
    """The facts of one court application (`kind` order | claim | eviction) of a case — or of an account without
    one, for a document — with its months: `claim` (domain.claim.ClaimSelection) gives the sum (principal +
    penalty), the months and whether time-barred months were chosen; without it `claim_kop` and the account's
    claimable debt. `order_cancelled`: the user states an order was cancelled (a date typed on a claim)."""
    from dataclasses import replace

    total = claim.total_kop if claim is not None else claim_kop
    if case is not None:
        facts = gather_facts(case, today, court_kind=kind, claim_kop=total, with_limitation=claim is None)
    else:
        debtor = debtor_of(account)
        track = track_of(account, debtor)
        claimable = None if claim is not None else limitation_for(account.id, today)[0]
        facts = CaseFacts(debt_kop=account_debt_kop(account.id), debtor_kind=debtor_kind_of(account, debtor).value,
                          court_track=track.value, tenure=account.tenure, court_kind=kind, claimable_kop=claimable,
                          claim_kop=total, months_unpaid=months_unpaid(account.id, today) if kind == "eviction" else 0,
                          pretrial_claim_sent_on=documents_pretrial_claim_sent_on(account_id=account.id)
                          if track == "arbitrazh" else None)
    changes: dict = {}
    if claim is not None:
        changes.update(claimable_kop=claim.claimable_kop, claim_periods=frozenset(claim.selected),
                       time_barred_chosen=claim.time_barred_chosen)
    elif claim_periods is not None:
        changes.update(claim_periods=claim_periods)
    if order_cancelled:
        changes.update(order_cancelled_or_refused=True)
    return replace(facts, **changes) if changes else facts


def check_court_application(account: Account, case: Case | None, today: date, *, kind: str, claim=None,
                            claim_kop: int | None = None, order_cancelled: bool = False,
                            facts: CaseFacts | None = None) -> CaseFacts:
    """The one guard of a court application (domain.stages.check_court_application): the case filing and the issue
    of a court-order application or a claim both call it. Returns the facts it checked."""
    if facts is None:
        facts = court_application_facts(account, case, today, kind=kind, claim=claim, claim_kop=claim_kop,
                                        order_cancelled=order_cancelled)
    _check_court_application(facts, today, calendar=business_calendar())
    return facts


def measure_facts(account: Account, case: Case | None, on: date, service_id: int | None) -> CaseFacts:
    """The facts of a restriction or suspension on `on` (ПП 354 пп.117–122) of a case, or of an account without one
    (then only a delivered warning document counts)."""
    if case is not None:
        return gather_facts(case, on, service_id=service_id, with_limitation=False)
    building = db.session.get(Building, account.building_id) if account.building_id else None
    svc_facts = None
    svc = db.session.get(Service, service_id) if service_id else None
    if svc is not None:
        svc_facts = ServiceFacts(svc.code, svc.restriction_rule, svc.suspendable_in_apartment_building,
                                 service_debt_kop(account.id, svc.id), norm_for(account.id, svc, on))
    return CaseFacts(debt_kop=account_debt_kop(account.id), tenure=account.tenure,
                     apartment_building=bool(building.is_apartment_building) if building else True,
                     warning_delivered_on=_warning_delivered_on(None, account.id), term_reading=term_reading(),
                     service=svc_facts)


def check_measure_on(account: Account, case: Case | None, on: date, *, target: str, service_id: int | None,
                     today: date) -> None:
    """The guard of the move to restriction (suspension) for an act of that measure dated `on`: the same
    domain.stages.check_measure as the stage move, and the act's date not in the future."""
    check_not_future("measure_on", on, today)
    _check_measure(target, measure_facts(account, case, on, service_id), on, calendar=business_calendar())


# ------------------------------------------------------------------------------------------- stage changes
def _actor_id(user) -> int | None:
    return getattr(user, "id", None)


def change_stage(case: Case, target: str, user, today: date, reason: str | None = None, *,
                 facts: CaseFacts | None = None, **details) -> StageChange:
    """Move a case to `target` if the domain allows it today; write StageChange and audit; flush.

    details: service_id, court_kind, claim_kop, lawyer_approved (restriction/court facts), plus anything to keep.
    """
    target = Stage(target)
    if not case.is_open and target not in (Stage.PAID,):
        _refuse("case_closed", "the case is closed")
    if target == Stage.CLOSED and not (reason or "").strip():
        _refuse("closing_reason", "give the reason for closing the case")
    if facts is None:
        facts = gather_facts(case, today, service_id=details.get("service_id"),
                             court_kind=details.get("court_kind"), claim_kop=details.get("claim_kop"),
                             lawyer_approved=details.get("lawyer_approved"),
                             with_limitation=target in (Stage.COURT, Stage.WRITTEN_OFF))
    cal = business_calendar()
    check_transition(case.stage, target, facts, today, calendar=cal)
    previous = case.stage
    sc = StageChange(case_id=case.id, from_stage=previous, to_stage=target, changed_on=today,
                     user_id=_actor_id(user), reason=reason,
                     details={k: (v.isoformat() if isinstance(v, date) else v) for k, v in details.items()})
    db.session.add(sc)
    case.stage = target
    case.stage_since = today
    if target == Stage.RESTRICTION:
        case.service_id = details.get("service_id") or case.service_id
        if details.get("lawyer_approved"):
            case.lawyer_approved_by = _actor_id(user)
        _add_deadline(case.id, "restriction_term", today,
                      suspension_may_start_on(today, cal, facts.term_reading))
        _close_deadlines(case.id, ("warning_term",), today)
    elif target == Stage.SUSPENSION:
        _close_deadlines(case.id, ("restriction_term",), today)
    elif target == Stage.ENFORCEMENT:
        _close_deadlines(case.id, ("objection_window",), today)
    if target in FINAL_STAGES:
        case.is_open = False
        case.closed_on = today
        case.next_action_on = None
        _close_deadlines(case.id, None, today)
        if case.hold_reason:
            _end_hold(case, user, today, reason)
    db.session.flush()
    return sc


def _add_deadline(case_id: int, kind: str, starts_on: date, due_on: date, **params) -> Deadline:
    existing = db.session.scalars(select(Deadline).where(Deadline.case_id == case_id, Deadline.kind == kind,
                                                         Deadline.starts_on == starts_on)).first()
    if existing:
        existing.due_on = due_on
        return existing
    d = Deadline(case_id=case_id, kind=kind, starts_on=starts_on, due_on=due_on, params=params)
    db.session.add(d)
    return d


def _close_deadlines(case_id: int, kinds, today: date) -> None:
    stmt = update(Deadline).where(Deadline.case_id == case_id, Deadline.done_on.is_(None))
    if kinds:
        stmt = stmt.where(Deadline.kind.in_(kinds))
    db.session.execute(stmt.values(done_on=today))


def open_case(account_id: int, user, today: date, assignee_id: int | None = None, note: str | None = None) -> Case:
    """Open a case for an account with debt (one open case per account)."""
    if db.session.scalar(select(Case.id).where(Case.account_id == account_id, Case.is_open.is_(True)).limit(1)):
        _refuse("case_exists", "the account already has an open case")
    debt = account_debt_kop(account_id)
    if debt <= 0:
        _refuse("no_debt", "the account has no debt")
    case = Case(account_id=account_id, stage=Stage.DEBT_DETECTED, stage_since=today, opened_on=today,
                debt_at_open_kop=debt, assignee_id=assignee_id, note=note, is_open=True)
    db.session.add(case)
    db.session.flush()
    db.session.add(StageChange(case_id=case.id, from_stage=None, to_stage=Stage.DEBT_DETECTED, changed_on=today,
                               user_id=_actor_id(user), reason=note, details={"debt_kop": debt}))
    db.session.flush()
    return case


def record_warning_delivered(case: Case, delivered_on: date, user, channel: str | None = None,
                             service_id: int | None = None, document_id: int | None = None,
                             today: date | None = None) -> Deadline:
    """Record delivery of the restriction warning (ПП 354 п.119 "а"); starts the 20-day term, whose deadline is
    the first day restriction is possible (per the RESTRICTION_TERM_READING setting and ГК 193). Not in the future,
    not before the warning document (when named) was issued."""
    from ..timeutil import today as _today

    doc_date = None
    if document_id is not None:
        doc = db.session.get(Document, document_id)
        doc_date = doc.issued_on if doc is not None else None
    check_delivery(delivered_on, doc_date, today or _today())
    d = _add_deadline(case.id, "warning_term", delivered_on,
                      restriction_may_start_on(delivered_on, business_calendar(), term_reading()),
                      channel=channel, service_id=service_id, document_id=document_id)
    if service_id:
        case.service_id = service_id
    record_event("case.warning_delivered", "cases", case.id,
                 {"delivered_on": delivered_on.isoformat(), "channel": channel}, actor=user)
    db.session.flush()
    return d


def plan_next_action(case: Case, on: date | None, text: str | None, user) -> None:
    case.next_action_on = on
    case.next_action = text
    db.session.flush()


# ------------------------------------------------------------------------------------------- holds
def set_hold(case: Case, reason: str, review_on: date, user, today: date, note: str | None = None) -> Hold:
    """Put a case on hold with a reason and a review date (dispute, recalculation, bankruptcy, …)."""
    from ..domain.stages import HoldReason

    HoldReason(reason)
    if not case.is_open:
        _refuse("case_closed", "the case is closed")
    if case.hold_reason:
        _refuse("already_on_hold", "the case is already on hold")
    if review_on <= today:
        _refuse("hold_review_past", "the review date must be in the future")
    hold = Hold(case_id=case.id, reason=reason, note=note, started_on=today, review_on=review_on,
                started_by=_actor_id(user))
    db.session.add(hold)
    case.hold_reason = reason
    case.hold_until = review_on
    db.session.flush()
    return hold


def _end_hold(case: Case, user, today: date, note: str | None) -> None:
    hold = db.session.scalars(select(Hold).where(Hold.case_id == case.id, Hold.ended_on.is_(None))
                              .order_by(Hold.id.desc()).limit(1)).first()
    if hold:
        hold.ended_on = today
        hold.ended_by = _actor_id(user)
        hold.end_note = note
    case.hold_reason = None
    case.hold_until = None
    db.session.execute(update(Alert).where(Alert.case_id == case.id, Alert.kind == "hold_review",
                                           Alert.resolved_on.is_(None))
                       .values(resolved_on=today, resolved_by=_actor_id(user)))


def lift_hold(case: Case, user, today: date, note: str | None = None) -> None:
    if not case.hold_reason:
        _refuse("not_on_hold", "the case is not on hold")
    _end_hold(case, user, today, note)
    db.session.flush()


# ------------------------------------------------------------------------------------------- court
def court_for_account(account: Account):
    """The court for the debtor: the one linked to the account's building for a citizen; the arbitrazh court of
    the building's region for an organisation or ИП (None when the directory has none; see court_choice)."""
    return court_choice(account).court


def court_choice(account: Account, *, kind: str | None = None, claim_kop: int = 0, on: date | None = None,
                 cache: dict | None = None):
    """The court for the account's debt with its track, or the reason none was found (cases.directory); given the
    filing's kind, sum and date, of the level it needs (magistrate / district court, ГПК 23, 24)."""
    return _directory_court_choice(account, kind=kind, claim_kop=claim_kop, on=on, cache=cache)


def filing_duty_kop(account: Account, kind: str, claim_kop: int, sent_on: date) -> int:
    """State duty for a filing by the legal engine: НК 333.19 for a citizen, НК 333.21 for an organisation / ИП
    (court order 50 %, arbitrazh new scale at least 8,000 ₽); rubles per НК 52 п.6; 0 for an eviction or no claim."""
    from ..domain.duty import compute_duty
    from ..domain.money import from_kopecks, to_kopecks
    from ..legal.adapter import duty_policy
    from ..legal.services import current_reference

    if claim_kop <= 0 or kind == CourtKind.EVICTION:
        return 0
    res = compute_duty(from_kopecks(claim_kop), track_of(account).value,
                       "court_order" if kind == CourtKind.ORDER else "claim", sent_on,
                       current_reference().duty_scales, policy=duty_policy())
    return to_kopecks(res.to_pay)


def record_court_filing(case: Case, user, today: date, *, kind: str = "order", court_id: int | None = None,
                        filed_on: date | None = None, principal_kop: int = 0, penalty_kop: int = 0,
                        duty_kop: int | None = 0, period_from: date | None = None, period_to: date | None = None,
                        case_number: str | None = None, note: str | None = None,
                        periods=None, court_by_hand: bool = False) -> CourtRecord:
    """Record an application to court; moves the case to the court stage (guards: limitation, order limit,
    claim after a cancelled order, arbitrazh pre-claim term, eviction rule). The court must fit the debtor
    (arbitrazh for an organisation / ИП) and the filing (an order and a claim up to the ГПК 23 ceiling: the
    magistrate; a larger claim: the district court from the directory); duty_kop=None computes the duty by the
    engine. `periods` (the months ticked, see claim_for) gives the principal, the penalty and the months from the
    legal calculation on the filing date; without it the amounts given are recorded (and checked). The filing date
    is not in the future. `court_by_hand`: the court was typed on the issued application (documents.links), so no
    court of the directory is needed. Callable from the documents area."""
    CourtKind(kind)
    filed = filed_on or today
    check_court_dates(kind, filed_on=filed, today=today)
    selection = None
    if periods is not None:
        selection = claim_for(case.account_id, filed, list(periods))
        principal_kop, penalty_kop = selection.debt_kop, selection.penalty_kop
        period_from, period_to = selection.first_period.first_day(), selection.last_period.first_day()
    claim = principal_kop + penalty_kop
    choice = court_choice(case.account, kind=kind, claim_kop=claim, on=filed)
    if court_id is not None:
        court = db.session.get(Court, court_id)
        if court is not None and kind != CourtKind.EVICTION:
            check_court_fits(choice.track, court, choice.level, **level_params(kind, claim, filed))
    elif choice.court is not None:
        court_id = choice.court.id
    elif choice.problem and kind != CourtKind.EVICTION and not court_by_hand:  # never a court of another kind
        raise choice.error()
    facts = court_application_facts(case.account, case, today, kind=kind, claim=selection, claim_kop=claim,
                                    claim_periods=_months_between(period_from, period_to))
    if case.stage != Stage.COURT:
        change_stage(case, Stage.COURT, user, today, reason=note, facts=facts, court_kind=kind, claim_kop=claim)
    else:  # the same guard when a further filing is made in the court stage
        check_court_application(case.account, case, today, kind=kind, facts=facts)
    if duty_kop is None:
        duty_kop = filing_duty_kop(case.account, kind, claim, filed)
    rec = CourtRecord(case_id=case.id, court_id=court_id, kind=kind, case_number=case_number,
                      principal_kop=principal_kop, penalty_kop=penalty_kop, duty_kop=duty_kop,
                      period_from=period_from, period_to=period_to, filed_on=filed, outcome="pending",
                      note=note, created_by=_actor_id(user))
    db.session.add(rec)
    db.session.flush()
    return rec


COURT_UPDATE_FIELDS = ("case_number", "issued_on", "received_on", "objection_on", "cancelled_on", "in_force_on",
                       "outcome", "awarded_kop", "note", "court_id")


def update_court_record(rec: CourtRecord, user, today: date, **fields) -> CourtRecord:
    """Record what the court did; receipt starts the objection window (10 days; in the arbitrazh court 10 working
    days), cancellation alerts the claim path. The dates are checked first (domain.court_dates: none in the
    future, an order not before its filing, a judgment not before the claim, receipt, objection and cancellation
    not before the act)."""
    dates = {k: fields.get(k, getattr(rec, k)) for k in ("issued_on", "received_on", "objection_on", "cancelled_on",
                                                         "in_force_on")}
    check_court_dates(rec.kind, filed_on=rec.filed_on, today=today, **dates)
    for k, v in fields.items():
        if k in COURT_UPDATE_FIELDS:
            setattr(rec, k, v)
    if rec.cancelled_on and rec.outcome not in ("cancelled", "reversed"):
        rec.outcome = "cancelled"
    if rec.kind == "order" and rec.received_on and rec.outcome == "issued" and not rec.cancelled_on:
        case = db.session.get(Case, rec.case_id)  # arbitrazh order: 10 working days (АПК 229.5 ч.3, 114 ч.3)
        _add_deadline(rec.case_id, "objection_window", rec.received_on,
                      objection_term_end(rec.received_on, business_calendar(), track_of(case.account).value)
                      + timedelta(days=1), court_record_id=rec.id)
    if rec.outcome == "cancelled":
        _close_deadlines(rec.case_id, ("objection_window",), today)
        _raise_alert(rec.case_id, "order_cancelled", str(rec.id), today, {"court_record_id": rec.id})
    db.session.flush()
    return rec


def _raise_alert(case_id: int, kind: str, key: str, today: date, params: dict | None = None) -> None:
    if db.session.scalar(select(Alert.id).where(Alert.case_id == case_id, Alert.kind == kind, Alert.key == key)):
        return
    db.session.add(Alert(case_id=case_id, kind=kind, key=key, raised_on=today, params=params or {}))


# ------------------------------------------------------------------------------------------- enforcement
def send_writ(case: Case, user, today: date, *, writ_number: str, writ_date: date, amount_kop: int,
              destination: str = "bailiff", bailiff_unit_id: int | None = None, payer_name: str | None = None,
              sent_on: date | None = None, court_record_id: int | None = None, note: str | None = None) -> Enforcement:
    """Send the writ (bailiffs; employer only up to 100,000 ₽ — 229-ФЗ ст.9; bank — ст.8); moves to enforcement."""
    check_writ_destination(destination, amount_kop)
    if case.stage != Stage.ENFORCEMENT:
        change_stage(case, Stage.ENFORCEMENT, user, today, reason=note, destination=destination)
    rec = latest_court_record(case.id)
    enf = Enforcement(case_id=case.id, court_record_id=court_record_id or (rec.id if rec else None),
                      writ_number=writ_number, writ_date=writ_date, amount_kop=amount_kop, destination=destination,
                      bailiff_unit_id=bailiff_unit_id if destination == "bailiff" else None,
                      payer_name=payer_name if destination != "bailiff" else None, sent_on=sent_on or today,
                      note=note)
    db.session.add(enf)
    db.session.flush()
    return enf


ENFORCEMENT_UPDATE_FIELDS = ("proceedings_number", "proceedings_opened_on", "travel_ban_requested_on", "ended_on",
                             "end_reason", "note")


def update_enforcement(enf: Enforcement, user, today: date, **fields) -> Enforcement:
    for k, v in fields.items():
        if k in ENFORCEMENT_UPDATE_FIELDS:
            setattr(enf, k, v)
    db.session.flush()
    return enf


# ------------------------------------------------------------------------------------------- write-off
def _month_key(p) -> str:
    return f"{p.year:04d}-{p.month:02d}"


def writeoff_months(account_id: int, today: date, periods=None) -> dict:
    """{Period: unpaid kop} a write-off settles: the chosen time-barred months (domain.writeoff.check_time_barred_
    months on the legal calculation of the day), or, `periods` None, every unpaid month of the account's debt."""
    from ..domain.writeoff import check_time_barred_months
    from ..legal.adapter import claim_candidates
    from ..legal.services import account_calculation

    calc = account_calculation(account_id, today)
    if periods is not None:
        return check_time_barred_months(periods, claim_candidates(calc))
    return {p: int(k) for p, k in calc.allocation.open_kop.items() if k > 0}


def propose_writeoff(case: Case, ground: str, evidence: str | None, user, today: date,
                     periods=None) -> WriteOffProposal:
    """Propose a write-off on a ground; the ground is checked now, the approval later by another manager. `periods`
    ('YYYY-MM'): a partial write-off of only these months, on the limitation ground and only if each is
    time-barred (ГК 196, 199; НК 266 п.2) — the rest of the debt stays in work."""
    from ..domain.writeoff import WriteOffGround, check_ground

    if db.session.scalar(select(WriteOffProposal.id).where(WriteOffProposal.case_id == case.id,
                                                           WriteOffProposal.decision.is_(None))):
        _refuse("proposal_pending", "a write-off proposal is already waiting for a decision")
    if periods is not None:
        if ground != WriteOffGround.LIMITATION:
            _refuse("writeoff_partial_ground", "only time-barred months can be written off in part")
        months = writeoff_months(case.account_id, today, periods)
        p = WriteOffProposal(case_id=case.id, ground=ground, evidence=evidence, proposed_by=user.id,
                             proposed_on=today, amount_kop=sum(months.values()),
                             periods=sorted(_month_key(m) for m in months))
    else:
        p = WriteOffProposal(case_id=case.id, ground=ground, evidence=evidence, proposed_by=user.id,
                             proposed_on=today, amount_kop=account_debt_kop(case.account_id))
        facts = gather_facts(case, today, proposal=p, with_limitation=(ground == "limitation"))
        check_ground(ground, facts)
    db.session.add(p)
    db.session.flush()
    return p


def settle_written_off(case: Case, p: WriteOffProposal, today: date) -> int:
    """The approved write-off settles the months it covers in the ledger: one correction per month and service
    (kind recalculation, source «writeoff», reference «writeoff:<proposal>»; the month's unpaid remainder split over
    its services, domain.writeoff.split_by_services), so the balance, the figures, the legal calculation and the
    daily job never see that debt again. The whole debt: every unpaid month, capital repair included. Returns the
    kopecks settled."""
    from ..accounts.services import refresh_account_figures
    from ..domain.writeoff import split_by_services
    from ..legal.services import account_calculation

    months = writeoff_months(case.account_id, today, p.periods)
    cap_months: dict = {}
    if p.periods is None:  # the whole debt: capital-repair contributions too (the legal calculation leaves them out)
        cap_ids = list(db.session.scalars(select(Service.id).where(Service.is_capital_repair.is_(True))))
        for sid in cap_ids:
            calc = account_calculation(case.account_id, today, service_ids=[sid])
            for per, kop in calc.allocation.open_kop.items():
                if kop > 0:
                    cap_months.setdefault(per, []).append((sid, int(kop)))
    charged = db.session.execute(
        select(LedgerEntry.period, LedgerEntry.service_id, func.sum(LedgerEntry.amount_kop))
        .join(Service, Service.id == LedgerEntry.service_id)
        .where(LedgerEntry.account_id == case.account_id, LedgerEntry.kind != "payment",
               Service.is_capital_repair.is_(False))
        .group_by(LedgerEntry.period, LedgerEntry.service_id)).all()
    by_month: dict = {}
    for period, sid, kop in charged:
        by_month.setdefault((period.year, period.month), []).append((sid, int(kop or 0)))
    rows = []
    for per, kop in sorted(months.items()):
        for sid, part in split_by_services(kop, by_month.get((per.year, per.month), [])):
            rows.append((per, sid, part))
    for per, parts in sorted(cap_months.items()):
        rows.extend((per, sid, kop) for sid, kop in parts)
    if not rows:
        return 0
    db.session.execute(insert(LedgerEntry.__table__), [
        {"account_id": case.account_id, "service_id": sid, "period": per.first_day(), "kind": "recalculation",
         "amount_kop": -kop, "source": "writeoff", "reference": f"writeoff:{p.id}",
         "entry_key": f"writeoff:{p.id}:{_month_key(per)}:{sid}", "created_at": _now()} for per, sid, kop in rows])
    refresh_account_figures([case.account_id], today)
    return sum(kop for _per, _sid, kop in rows)


def decide_writeoff(p: WriteOffProposal, approve: bool, user, today: date, note: str | None = None) -> None:
    """Approve (two-person rule; the whole debt: the case is written off; months: they are settled and the case
    goes on) or reject a proposal. An approved write-off settles its months in the ledger (settle_written_off)."""
    from ..domain.writeoff import check_approval

    if p.decision:
        _refuse("already_decided", "the write-off proposal has already been decided")
    case = db.session.get(Case, p.case_id)
    if approve:
        if p.periods is None:
            facts = gather_facts(case, today, proposal=p, approver=user, with_limitation=(p.ground == "limitation"))
            change_stage(case, Stage.WRITTEN_OFF, user, today, reason=note, facts=facts, ground=p.ground,
                         proposal_id=p.id, amount_kop=p.amount_kop)
        else:
            check_approval(p.proposed_by, getattr(user, "id", None), getattr(user, "role", None))
            writeoff_months(case.account_id, today, p.periods)  # still time-barred and unpaid on the decision day
        settled = settle_written_off(case, p, today)
        record_event("cases.writeoff_settled", "cases", case.id,
                     {"proposal_id": p.id, "amount_kop": settled, "periods": p.periods}, actor=user)
    else:
        if user.role != "manager":
            _refuse("writeoff_approver_role", "only a manager may approve a write-off")
    p.decision = "approved" if approve else "rejected"
    p.decided_by = user.id
    p.decided_on = today
    p.decision_note = note
    db.session.flush()


# ------------------------------------------------------------------------------------------- bulk
def bulk_assign(case_ids: list[int], assignee_id: int | None, user) -> int:
    """Reassign cases in one statement (bulk path); returns the number changed."""
    if not case_ids:
        return 0
    res = db.session.execute(update(Case).where(Case.id.in_(case_ids), Case.is_open.is_(True))
                             .values(assignee_id=assignee_id, version_id=Case.version_id + 1)
                             .execution_options(synchronize_session=False))
    record_event("cases.bulk_assign", "cases", None, {"count": res.rowcount, "assignee_id": assignee_id,
                                                      "case_ids": case_ids[:1000]}, actor=user)
    db.session.flush()
    return res.rowcount


def assign_case(case: Case, assignee_id: int | None) -> None:
    """Give the case to a user (None: to nobody); the audit row follows the change (ORM)."""
    case.assignee_id = assignee_id
    db.session.flush()


def resolve_alert(alert: Alert, user, today: date) -> None:
    """Mark an alert of the case as dealt with today by `user`."""
    alert.resolved_on = today
    alert.resolved_by = user.id
    db.session.flush()


def notice_eligible_ids(case_ids: list[int]) -> list[int]:
    """Cases that may move to the notice stage now: open, in debt_detected/payment_agreement, no hold, with debt."""
    if not case_ids:
        return []
    return list(db.session.scalars(
        select(Case.id).join(AccountBalance, AccountBalance.account_id == Case.account_id)
        .where(Case.id.in_(case_ids), Case.is_open.is_(True), Case.hold_reason.is_(None),
               Case.stage.in_((Stage.DEBT_DETECTED, Stage.PAYMENT_AGREEMENT)), AccountBalance.balance_kop > 0)))


def bulk_open_notice(case_ids: list[int], user, today: date) -> int:
    """Move eligible cases to the notice stage with Core statements (the same guard as the domain: debt, no hold)."""
    ids = notice_eligible_ids(case_ids)
    if not ids:
        return 0
    rows = db.session.execute(select(Case.id, Case.stage).where(Case.id.in_(ids))).all()
    for cid, stage in rows:  # the domain decides; this only re-checks the table (no I/O per row)
        check_transition(stage, Stage.NOTICE, CaseFacts(debt_kop=1), today)
    db.session.execute(insert(StageChange.__table__), [
        {"case_id": cid, "from_stage": stage, "to_stage": Stage.NOTICE.value, "changed_on": today,
         "user_id": _actor_id(user), "reason": None, "details": {"bulk": True}} for cid, stage in rows])
    db.session.execute(update(Case).where(Case.id.in_(ids))
                       .values(stage=Stage.NOTICE.value, stage_since=today, version_id=Case.version_id + 1)
                       .execution_options(synchronize_session=False))
    record_event("cases.bulk_notice", "cases", None, {"count": len(ids)}, actor=user)
    db.session.flush()
    return len(ids)


def bulk_plan_visits(case_ids: list[int], on: date, user, text: str = "visit") -> int:
    if not case_ids:
        return 0
    res = db.session.execute(update(Case).where(Case.id.in_(case_ids), Case.is_open.is_(True))
                             .values(next_action_on=on, next_action=text, version_id=Case.version_id + 1)
                             .execution_options(synchronize_session=False))
    record_event("cases.bulk_visits", "cases", None, {"count": res.rowcount, "on": on.isoformat()}, actor=user)
    db.session.flush()
    return res.rowcount


# ------------------------------------------------------------------------------------------- daily job
KEPT_AGREEMENT = ("on_track",)   # an agreement being kept (contacts.services.assess_agreements)
WORK_STAGES = (Stage.DEBT_DETECTED.value, Stage.NOTICE.value, Stage.PAYMENT_AGREEMENT.value)  # closed when no work


def kept_agreement_exists(account_id_col):
    """EXISTS a signed payment agreement of the account that is being kept (ПП 354 п.118; ГК 203)."""
    return exists().where(PaymentAgreement.account_id == account_id_col,
                          PaymentAgreement.status.in_(KEPT_AGREEMENT), PaymentAgreement.signed_on.is_not(None))


def open_cases_for_debtors(today: date, threshold_kop: int | None = None, user=None) -> int:
    """Open a case for every account whose overdue debt (and balance) exceeds the threshold, which has no open case
    and no payment agreement being kept (INSERT … SELECT): the queue holds work, not debts not yet due."""
    threshold = open_threshold_kop() if threshold_kop is None else threshold_kop
    other = aliased(Case)  # not correlated with the Case of reopen_cases_of_agreements_not_kept, which reads `sel`
    no_case = ~exists().where(other.account_id == AccountBalance.account_id, other.is_open.is_(True))
    sel = (select(AccountBalance.account_id, literal(Stage.DEBT_DETECTED.value), literal(today), literal(True),
                  literal(today), AccountBalance.balance_kop, literal(1), literal(_now()))
           .where(AccountBalance.balance_kop > threshold, AccountBalance.overdue_kop > threshold, no_case,
                  ~kept_agreement_exists(AccountBalance.account_id)))
    reopen_cases_of_agreements_not_kept(today, sel.with_only_columns(AccountBalance.account_id), user)
    opened = db.session.scalar(select(func.count()).select_from(sel.subquery())) or 0
    if not opened:
        return 0
    # the partial unique index uq_cases_one_open_per_account refuses a second open case; a run racing another one
    # (two hosts) skips the accounts the other opened instead of failing
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    res = db.session.execute(upsert(Case.__table__).from_select(
        ["account_id", "stage", "stage_since", "is_open", "opened_on", "debt_at_open_kop", "version_id",
         "created_at"], sel).on_conflict_do_nothing(index_elements=["account_id"], index_where=text("is_open")))
    opened = res.rowcount if res.rowcount is not None and res.rowcount >= 0 else opened
    sync_open_case_flags(db.session.connection())
    if opened:
        no_history = ~exists().where(StageChange.case_id == Case.id)
        db.session.execute(insert(StageChange.__table__).from_select(
            ["case_id", "from_stage", "to_stage", "changed_on", "user_id", "reason", "details", "created_at"],
            select(Case.id, literal(None), Case.stage, literal(today), literal(_actor_id(user)),
                   literal("daily"), literal({"auto": True}, type_=StageChange.__table__.c.details.type),
                   literal(_now())).where(Case.opened_on == today, no_history)))
    return opened


def _now():
    from ..timeutil import utcnow
    return utcnow()


def close_paid_cases(today: date, user=None) -> int:
    """Automatic exit: open cases whose account balance is no longer positive become paid (with history)."""
    ids = list(db.session.scalars(select(Case.id).join(AccountBalance, AccountBalance.account_id == Case.account_id)
                                  .where(Case.is_open.is_(True), AccountBalance.balance_kop <= 0)))
    if not ids:
        return 0
    rows = db.session.execute(select(Case.id, Case.stage).where(Case.id.in_(ids))).all()
    db.session.execute(insert(StageChange.__table__), [
        {"case_id": cid, "from_stage": st, "to_stage": Stage.PAID.value, "changed_on": today,
         "user_id": _actor_id(user), "reason": "daily", "details": {"auto": True}} for cid, st in rows])
    db.session.execute(update(Case).where(Case.id.in_(ids)).values(
        stage=Stage.PAID.value, stage_since=today, is_open=False, closed_on=today, next_action_on=None,
        hold_reason=None, hold_until=None, version_id=Case.version_id + 1).execution_options(synchronize_session=False))
    sync_open_case_flags(db.session.connection(), db.session.scalars(select(Case.account_id).where(Case.id.in_(ids))))
    db.session.execute(update(Hold).where(Hold.case_id.in_(ids), Hold.ended_on.is_(None))
                       .values(ended_on=today, end_note="paid").execution_options(synchronize_session=False))
    db.session.execute(update(Deadline).where(Deadline.case_id.in_(ids), Deadline.done_on.is_(None))
                       .values(done_on=today).execution_options(synchronize_session=False))
    return len(ids)


def refresh_stale_figures(today: date) -> int:
    """Refresh (accounts.services.refresh_account_figures, as of today) the figures the daily job decides on when they
    are older than today: open pre-court cases with a balance but no overdue debt (a charge may have fallen due
    since) and accounts without a case whose balance, not yet their overdue debt, exceeds the threshold."""
    from ..accounts.services import refresh_account_figures

    threshold = open_threshold_kop()
    closing = select(AccountBalance.account_id).join(Case, Case.account_id == AccountBalance.account_id).where(
        Case.is_open.is_(True), Case.stage.in_(WORK_STAGES), AccountBalance.balance_kop > 0,
        AccountBalance.overdue_kop <= 0, AccountBalance.as_of < today)
    opening = select(AccountBalance.account_id).where(
        AccountBalance.has_open_case.is_(False), AccountBalance.balance_kop > threshold,
        AccountBalance.overdue_kop <= threshold, AccountBalance.as_of < today)
    ids = set(db.session.scalars(closing)) | set(db.session.scalars(opening))
    if ids:
        refresh_account_figures(sorted(ids), today)
    return len(ids)


def _close_cases(ids: list[int], today: date, user, reason: str, why: str) -> int:
    """Close these open cases with history (Core: the daily job), ending their holds and terms."""
    if not ids:
        return 0
    rows = db.session.execute(select(Case.id, Case.stage).where(Case.id.in_(ids))).all()
    db.session.execute(insert(StageChange.__table__), [
        {"case_id": cid, "from_stage": st, "to_stage": Stage.CLOSED.value, "changed_on": today,
         "user_id": _actor_id(user), "reason": reason, "details": {"auto": True, "why": why}} for cid, st in rows])
    db.session.execute(update(Case).where(Case.id.in_(ids)).values(
        stage=Stage.CLOSED.value, stage_since=today, is_open=False, closed_on=today, next_action_on=None,
        hold_reason=None, hold_until=None, version_id=Case.version_id + 1).execution_options(synchronize_session=False))
    sync_open_case_flags(db.session.connection(), db.session.scalars(select(Case.account_id).where(Case.id.in_(ids))))
    db.session.execute(update(Hold).where(Hold.case_id.in_(ids), Hold.ended_on.is_(None))
                       .values(ended_on=today, end_note=reason).execution_options(synchronize_session=False))
    db.session.execute(update(Deadline).where(Deadline.case_id.in_(ids), Deadline.done_on.is_(None))
                       .values(done_on=today).execution_options(synchronize_session=False))
    return len(rows)


KEPT_REASON = "daily: payment agreement kept"


def reopen_cases_of_agreements_not_kept(today: date, accounts, user=None) -> int:
    """A case the daily job closed because its payment agreement was being kept opens again — the same case, at the
    stage it was closed in, with its notice, warning and agreement — once the agreement is no longer kept and the
    account would get a case (ПП 354 п.118: the restriction path resumes; the agreement's acknowledgement, ГК 203,
    stays with its case). `accounts`: a select of the account ids the daily job would open a case for."""
    later = aliased(Case)
    rows = db.session.execute(
        select(Case.id, StageChange.from_stage).join(StageChange, StageChange.case_id == Case.id)
        .where(Case.is_open.is_(False), Case.account_id.in_(accounts), StageChange.to_stage == Stage.CLOSED.value,
               StageChange.reason == KEPT_REASON, StageChange.changed_on == Case.closed_on,
               ~exists().where(later.account_id == Case.account_id, later.id > Case.id))).all()
    for cid, stage in rows:
        case = db.session.get(Case, cid)
        db.session.add(StageChange(case_id=cid, from_stage=Stage.CLOSED.value, to_stage=stage, changed_on=today,
                                   user_id=_actor_id(user), reason="daily: payment agreement not kept",
                                   details={"auto": True, "why": "agreement_broken"}))
        case.stage, case.stage_since, case.is_open, case.closed_on, case.next_action_on = stage, today, True, None, today
    if rows:
        db.session.flush()
        sync_open_case_flags(db.session.connection(), [c for c in db.session.scalars(
            select(Case.account_id).where(Case.id.in_([r[0] for r in rows])))])
    return len(rows)


def close_cases_without_work(today: date, user=None) -> dict[str, int]:
    """Automatic exits of the pre-court stages (debt detected, notice, payment agreement) with nothing to do: no
    overdue debt (only charges not yet due — ЖК 155 ч.1), or a signed payment agreement being kept. A case is opened
    again by the daily job when overdue debt above the threshold comes back or the agreement is broken."""
    base = (select(Case.id).join(AccountBalance, AccountBalance.account_id == Case.account_id)
            .where(Case.is_open.is_(True), Case.stage.in_(WORK_STAGES), AccountBalance.balance_kop > 0))
    no_overdue = list(db.session.scalars(base.where(AccountBalance.overdue_kop <= 0)))
    closed_no_overdue = _close_cases(no_overdue, today, user, "daily: no overdue debt", "no_overdue")
    kept = list(db.session.scalars(base.where(kept_agreement_exists(Case.account_id))))
    closed_kept = _close_cases(kept, today, user, KEPT_REASON, "agreement_kept")
    return {"cases_no_overdue": closed_no_overdue, "cases_agreement_kept": closed_kept}


#: a running term whose step the daily job offers when it is due, and the stage move it enables
DEADLINE_STEPS = {"warning_term": Stage.RESTRICTION, "restriction_term": Stage.SUSPENSION,
                  "objection_window": Stage.ENFORCEMENT}
#: refusals that do not stop the offer (the person taking the step supplies them)
OFFER_DESPITE = ("lawyer_approval",)


def mark_deadlines_reached(today: date) -> int:
    """Terms that came mark their case in the queue — only when the step they enable passes its guard today
    (domain.stages.check_transition: a warning's term is not offered for an account with a kept agreement, a debt
    below two norm months, no norm charge…); a refused one is not offered (or no longer), and its refusal code is
    kept in the term's params («blocked») until the guard passes. Other terms are marked when due."""
    res = db.session.execute(update(Deadline).where(Deadline.due_on <= today, Deadline.reached_on.is_(None),
                                                    Deadline.done_on.is_(None), Deadline.kind != "limitation",
                                                    Deadline.kind.not_in(tuple(DEADLINE_STEPS)))
                             .values(reached_on=today).execution_options(synchronize_session=False))
    count = res.rowcount or 0
    due = db.session.scalars(select(Deadline).join(Case, Case.id == Deadline.case_id).where(
        Deadline.due_on <= today, Deadline.done_on.is_(None), Deadline.kind.in_(tuple(DEADLINE_STEPS)),
        Case.is_open.is_(True))).all()
    cal = business_calendar()
    for d in due:
        case = db.session.get(Case, d.case_id)
        blocked = None
        try:
            facts = gather_facts(case, today, service_id=(d.params or {}).get("service_id") or case.service_id,
                                 with_limitation=False)
            check_transition(case.stage, DEADLINE_STEPS[d.kind], facts, today, calendar=cal)
        except TransitionNotAllowed as exc:
            if exc.code not in OFFER_DESPITE:
                blocked = exc.code
        params = dict(d.params or {})
        if blocked is None:
            if d.reached_on is None:
                d.reached_on = today
                count += 1
            if params.pop("blocked", None) is not None:
                d.params = params
        else:
            d.reached_on = None
            if params.get("blocked") != blocked:
                params["blocked"] = blocked
                d.params = params
    db.session.flush()
    return count


def _insert_alerts_from(sel_rows) -> int:
    """Insert (case_id, kind, key, raised_on, params) rows whose (case, kind, key) is new."""
    if not sel_rows:
        return 0
    keys = {(r["case_id"], r["kind"], r["key"]) for r in sel_rows}
    case_ids = list({k[0] for k in keys})
    have = set()
    for chunk in range(0, len(case_ids), 5000):
        have.update(db.session.execute(select(Alert.case_id, Alert.kind, Alert.key).where(
            Alert.case_id.in_(case_ids[chunk:chunk + 5000]))).all())
    new = [r for r in sel_rows if (r["case_id"], r["kind"], r["key"]) not in have]
    if new:
        db.session.execute(insert(Alert.__table__), new)
    return len(new)


def raise_hold_reviews(today: date) -> int:
    rows = db.session.execute(select(Case.id, Case.hold_until, Case.hold_reason).where(
        Case.is_open.is_(True), Case.hold_reason.is_not(None), Case.hold_until <= today)).all()
    return _insert_alerts_from([{"case_id": cid, "kind": "hold_review", "key": until.isoformat(), "raised_on": today,
                                 "params": {"reason": reason, "review_on": until.isoformat()}}
                                for cid, until, reason in rows])


def raise_enforcement_silence(today: date, days: int | None = None) -> int:
    """Nothing moved in an enforcement for N days — no receipt, no change of the proceeding's status (opened,
    ended, suspended as the bailiffs report it) since the writ was sent — raises one alert per silence; the alert
    offers the complaint about the bailiff's inaction (229-ФЗ ст.121, 122; letter `bailiff_inaction_complaint`)."""
    days = int(current_app.config["ENFORCEMENT_SILENCE_DAYS"]) if days is None else days
    last_receipt = (select(func.max(LedgerEntry.paid_on)).where(
        LedgerEntry.account_id == Case.account_id, LedgerEntry.kind == "payment",
        LedgerEntry.source.in_(("enforcement", "employer")), LedgerEntry.paid_on >= Enforcement.sent_on)
        .correlate(Case, Enforcement).scalar_subquery())
    rows = db.session.execute(select(Enforcement.case_id, Enforcement.id, Enforcement.sent_on, last_receipt,
                                     Enforcement.proceedings_opened_on, Enforcement.status_changed_on,
                                     Enforcement.proceedings_number)
                              .join(Case, Case.id == Enforcement.case_id)
                              .where(Case.is_open.is_(True), Enforcement.ended_on.is_(None))).all()
    out = []
    for cid, eid, sent, last, opened, changed, number in rows:
        since = max(d for d in (sent, last, opened, changed) if d is not None)
        if (today - since).days >= days:
            out.append({"case_id": cid, "kind": "enforcement_silence", "key": f"{eid}:{since.isoformat()}",
                        "raised_on": today, "params": {"since": since.isoformat(), "days": (today - since).days,
                                                       "enforcement_id": eid, "proceedings_number": number}})
    return _insert_alerts_from(out)


def refresh_limitation_deadlines(today: date) -> int:
    """One 'limitation' deadline per open pre-court case: the last day to file for the oldest unpaid month,
    estimated from account_balances.oldest_debt_days (ГК 196, 200; ГК 193 shift; the LIMITATION_POLICY reading)."""
    from ..domain.limitation import last_day_to_file
    from ..legal.adapter import limitation_policy

    cal = business_calendar()
    policy = limitation_policy()
    rows = db.session.execute(select(Case.id, AccountBalance.as_of, AccountBalance.oldest_debt_days)
                              .join(AccountBalance, AccountBalance.account_id == Case.account_id)
                              .where(Case.is_open.is_(True), Case.stage.not_in((Stage.COURT, Stage.ENFORCEMENT)),
                                     AccountBalance.oldest_debt_days.is_not(None))).all()
    have = {(cid, s) for cid, s in db.session.execute(select(Deadline.case_id, Deadline.starts_on)
                                                      .where(Deadline.kind == "limitation"))}
    memo: dict = {}
    new = []
    for cid, as_of, age in rows:
        due = as_of - timedelta(days=int(age))
        if (cid, due) in have:
            continue
        end = memo.get(due)
        if end is None:
            end = memo[due] = last_day_to_file(due, cal, policy.reading, policy.weekend_shift)
        new.append({"case_id": cid, "kind": "limitation", "starts_on": due, "due_on": end, "params": {}})
    if new:
        db.session.execute(insert(Deadline.__table__), new)
    return len(new)


def run_daily(today: date, user=None) -> dict[str, int]:
    """The daily job: promises and agreements assessed, stale figures refreshed, automatic exits (paid; no overdue
    debt; a kept agreement), cases opened for overdue debt, terms reached whose step its guard allows, hold reviews,
    silent enforcement, limitation terms, report files past their keeping time deleted. Idempotent: a second run the same day changes nothing."""
    from ..contacts.services import daily as contacts_daily

    counts: dict = {"contacts": contacts_daily(today)}  # promises and agreements first: the exits read them
    counts["figures_refreshed"] = refresh_stale_figures(today)
    counts["cases_paid"] = close_paid_cases(today, user=user)
    counts.update(close_cases_without_work(today, user=user))
    counts["cases_opened"] = open_cases_for_debtors(today, user=user)
    counts.update({
        "deadlines_reached": mark_deadlines_reached(today),
        "hold_reviews": raise_hold_reviews(today),
        "enforcement_silence": raise_enforcement_silence(today),
        "limitation_deadlines": refresh_limitation_deadlines(today),
    })
    from ..jobs.exports import purge_exports

    counts["exports_deleted"] = purge_exports()  # report files past EXPORT_KEEP_DAYS
    db.session.flush()
    return counts
