"""One record per event: what other areas' events do to a case (docs/cases.md, «One record per event»).

The documents and contacts areas call these functions directly when something happens there, so the lawyer and
the collector never record it twice:

- an issued court-order application or claim becomes the case's court filing with the document's figures
  (`filing_from_document`), or is linked to the filing the lawyer has already recorded;
- a delivered restriction warning starts the case's 20-day term (`warning_from_document`, ПП 354 п.119);
- a signed payment agreement moves the case to the payment-agreement stage (`agreement_signed`);
- a contact's next action becomes the case's next action (`next_action_from_contact`);
- the writ and the bailiff unit recorded on the case fill the bailiff and employer applications (`recorded_writ`).

Services flush; the caller (view, CLI) commits.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from ..audit.services import record_event
from ..domain.errors import DomainError
from ..domain.stages import Stage, TransitionNotAllowed
from ..extensions import db
from .models import Case, CourtRecord, Enforcement


def case_for(account_id: int | None, case_id: int | None = None) -> Case | None:
    """The case an event concerns: the one named when it is open, else the account's open case (or None)."""
    if case_id is not None:
        case = db.session.get(Case, case_id)
        if case is not None and case.is_open:
            return case
        account_id = account_id or (case.account_id if case is not None else None)
    if account_id is None:
        return None
    return db.session.scalars(select(Case).where(Case.account_id == account_id, Case.is_open.is_(True))
                              .order_by(Case.id.desc()).limit(1)).first()


def pending_filing(case: Case, kind: str) -> CourtRecord | None:
    """The case's latest filing of this kind (order | claim) that the court has not acted on yet."""
    return db.session.scalars(select(CourtRecord).where(
        CourtRecord.case_id == case.id, CourtRecord.kind == kind, CourtRecord.outcome == "pending",
        CourtRecord.cancelled_on.is_(None)).order_by(CourtRecord.id.desc()).limit(1)).first()


def filing_from_document(*, account_id: int, case_id: int | None, document_id: int, document_label: str, kind: str,
                         court_id: int | None, court_name: str | None = None, principal_kop: int, penalty_kop: int,
                         duty_kop: int,
                         periods, period_from: date | None, period_to: date | None, user,
                         today: date) -> CourtRecord | None:
    """An issued court-order application or claim (ГПК 122, 131; АПК 229.3, 125) is the case's filing: the filing
    the lawyer already recorded (pending, same kind) is linked to the document and takes its figures; else a filing
    dated the document's day is recorded through cases.services.record_court_filing (the same guard as the document,
    the months of the claim, so the same principal and penalty) with the document's duty. A case is opened when the
    account has none. Returns the filing (None when the account has no debt left to open a case for)."""
    from . import services

    case = case_for(account_id, case_id)
    if case is None:
        try:
            case = services.open_case(account_id, user, today, note=document_label)
        except TransitionNotAllowed:
            return None
    rec = pending_filing(case, kind)
    if rec is not None:
        rec.document_id = document_id
        rec.principal_kop, rec.penalty_kop, rec.duty_kop = principal_kop, penalty_kop, duty_kop
        rec.period_from, rec.period_to = period_from, period_to
        if court_id is not None:
            rec.court_id = court_id
        db.session.flush()
        return rec
    rec = services.record_court_filing(case, user, today, kind=kind, court_id=court_id, filed_on=today,
                                       principal_kop=principal_kop, penalty_kop=penalty_kop, duty_kop=duty_kop,
                                       period_from=period_from, period_to=period_to,
                                       note=document_label + (f"; {court_name}" if court_id is None and court_name
                                                              else ""),
                                       periods=periods, court_by_hand=court_id is None and bool(court_name))
    rec.duty_kop = duty_kop
    rec.document_id = document_id
    db.session.flush()
    return rec


def warning_from_document(*, account_id: int, case_id: int | None, document_id: int, delivered_on: date,
                          method: str, user, today: date):
    """A restriction warning delivered (ПП 354 п.119 «а»): the case's 20-day term starts on the delivery date
    (cases.services.record_warning_delivered, for the case's service). None when the account has no open case."""
    from . import services

    case = case_for(account_id, case_id)
    if case is None:
        return None
    return services.record_warning_delivered(case, delivered_on, user, channel=method, service_id=case.service_id,
                                             document_id=document_id, today=today)


#: the stages a signed agreement moves from: before court (in court and enforcement the filing and the writ stay the
#: case's stage; the agreement shows in the timeline and stops restriction, ПП 354 п.118)
AGREEMENT_MOVES = (Stage.DEBT_DETECTED, Stage.NOTICE, Stage.RESTRICTION, Stage.SUSPENSION)


def agreement_signed(case: Case, *, agreement_id: int, number: str, signed_on: date, user, today: date) -> bool:
    """A signed payment agreement (ГК 203: it acknowledges the debt) moves a case before court (AGREEMENT_MOVES) to
    the payment-agreement stage when the stage table allows it; refused moves (the case is on hold, already there) leave the stage as it is and
    the agreement still shows in the case's timeline. Returns whether the stage moved."""
    from . import services

    if not case.is_open or case.stage not in AGREEMENT_MOVES:
        return False
    try:
        services.change_stage(case, Stage.PAYMENT_AGREEMENT, user, today,
                              reason=f"Соглашение № {number} от {signed_on:%d.%m.%Y}", agreement_id=agreement_id)
    except DomainError as exc:
        current_app.logger.info("agreement %s signed, case %s stays at %s: %s", agreement_id, case.id, case.stage, exc)
        return False
    return True


def next_action_from_contact(*, account_id: int, case_id: int | None, on: date, text: str, user) -> Case | None:
    """A contact's planned next action becomes the case's next action (the queue shows one plan per case)."""
    case = case_for(account_id, case_id)
    if case is None:
        return None
    case.next_action_on = on
    case.next_action = text[:300]
    record_event("case.next_action", "cases", case.id, {"on": on.isoformat(), "text": text[:300], "from": "contact"},
                 actor=user if not isinstance(user, int) else None)
    db.session.flush()
    return case


def recorded_writ(account_id: int | None, case_id: int | None = None) -> dict:
    """The writ recorded on the case, for the bailiff and employer applications: its number and date, the court that
    issued it, the sum it orders (`enforce_kop`: a writ names one debtor and his sum, which may be a part of the award)
    and the bailiff unit (name, address) or the employer it was sent to — from the latest enforcement; the
    number, date and court of the latest issued court order or judgment when no writ was sent yet. Empty values are
    left out."""
    case = case_for(account_id, case_id) if account_id or case_id else None
    if case is None and case_id is not None:
        case = db.session.get(Case, case_id)
    if case is None:
        return {}
    out: dict = {}
    enf = db.session.scalars(select(Enforcement).where(Enforcement.case_id == case.id)
                             .order_by(Enforcement.id.desc()).limit(1)).first()
    rec = None
    if enf is not None:
        out.update(writ_number=enf.writ_number, writ_date=enf.writ_date, enforce_kop=enf.amount_kop or None)
        if enf.bailiff_unit is not None:
            out.update(bailiff_unit=enf.bailiff_unit.name, bailiff_address=enf.bailiff_unit.address or None)
        if enf.destination == "employer" and enf.payer_name:
            out["employer_name"] = enf.payer_name
        rec = db.session.get(CourtRecord, enf.court_record_id) if enf.court_record_id else None
    if rec is None:
        rec = db.session.scalars(select(CourtRecord).where(
            CourtRecord.case_id == case.id, CourtRecord.outcome.in_(("issued", "satisfied")))
            .order_by(CourtRecord.id.desc()).limit(1)).first()
        if rec is not None and enf is None:
            out.update(writ_number=rec.case_number, writ_date=rec.issued_on)
    if rec is not None and rec.court is not None:
        out["writ_court"] = rec.court.name
    return {k: v for k, v in out.items() if v not in (None, "")}
