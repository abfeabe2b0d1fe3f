"""Case stages, the transition table and its legal guards (pure: no I/O, `today` is an argument).

Every refusal is a `TransitionNotAllowed` carrying a stable `code`, its `params` and a plain-English
`reason`; the web/service layer translates the code (see casework/cases/labels.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from .errors import CodedRefusal
from .jurisdiction import (
    ARBITRAZH_ORDER_LIMIT_KOP,
    CourtTrack,
    arbitrazh_claim_may_be_filed_on,
    arbitrazh_objection_term_end,
)
from .periods import add_months

# ---------------------------------------------------------------------------------------------- constants
# the 20-day warning and 10-day restriction terms (ПП 354 п.119), their reading and the ПП 424 freeze are
# defined once, in restriction.py
from .restriction import (  # noqa: E402,F401
    PP424_FREEZE,
    SUSPENSION_AFTER_DAYS,
    THRESHOLD_MONTHS,
    WARNING_TERM_DAYS,
    TermReading,
    earliest_restriction_date,
    earliest_suspension_date,
)

COURT_ORDER_LIMIT_KOP = 500_000_00  # ГПК ст.121 / АПК ст.229.2: court order up to 500,000 ₽
OBJECTION_DAYS = 10             # ГПК ст.128–129: 10 days from receipt of the order to object (АПК: jurisdiction.py)
EVICTION_MONTHS = 6             # ЖК ст.90: eviction of a social tenant after > 6 months without payment
EMPLOYER_LIMIT_KOP = 100_000_00  # 229-ФЗ ст.9 ч.1: writ straight to the employer only up to 100,000 ₽


class Stage(StrEnum):
    DEBT_DETECTED = "debt_detected"
    NOTICE = "notice"
    PAYMENT_AGREEMENT = "payment_agreement"
    RESTRICTION = "restriction"
    SUSPENSION = "suspension"
    COURT = "court"
    ENFORCEMENT = "enforcement"
    WRITTEN_OFF = "written_off"
    PAID = "paid"
    CLOSED = "closed"


class HoldReason(StrEnum):
    DISPUTE = "dispute"
    RECALCULATION = "recalculation"
    BANKRUPTCY = "bankruptcy"
    DECEASED_HEIRS_SEARCH = "deceased_heirs_search"
    MINOR_OWNER = "minor_owner"
    OTHER = "other"


class CourtKind(StrEnum):
    ORDER = "order"        # судебный приказ (ГПК гл.11)
    CLAIM = "claim"        # исковое заявление after a cancelled/refused order (Пленум № 62)
    EVICTION = "eviction"  # выселение нанимателя (ЖК ст.90)


class CourtActKind(StrEnum):
    ORDER = "order"
    JUDGMENT = "judgment"


FINAL_STAGES = frozenset({Stage.WRITTEN_OFF, Stage.PAID, Stage.CLOSED})
EXITS = frozenset({Stage.PAID, Stage.CLOSED})
_OPEN = (Stage.DEBT_DETECTED, Stage.NOTICE, Stage.PAYMENT_AGREEMENT, Stage.RESTRICTION, Stage.SUSPENSION,
         Stage.COURT, Stage.ENFORCEMENT)

# Structural table: where a case may go from each stage (guards below decide on the facts).
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.DEBT_DETECTED: frozenset({Stage.NOTICE, Stage.PAYMENT_AGREEMENT, Stage.COURT, Stage.WRITTEN_OFF,
                                    Stage.PAID, Stage.CLOSED}),
    Stage.NOTICE: frozenset({Stage.PAYMENT_AGREEMENT, Stage.RESTRICTION, Stage.COURT, Stage.WRITTEN_OFF,
                             Stage.PAID, Stage.CLOSED}),
    Stage.PAYMENT_AGREEMENT: frozenset({Stage.NOTICE, Stage.RESTRICTION, Stage.COURT, Stage.WRITTEN_OFF,
                                        Stage.PAID, Stage.CLOSED}),
    Stage.RESTRICTION: frozenset({Stage.SUSPENSION, Stage.PAYMENT_AGREEMENT, Stage.COURT, Stage.WRITTEN_OFF,
                                  Stage.PAID, Stage.CLOSED}),
    Stage.SUSPENSION: frozenset({Stage.PAYMENT_AGREEMENT, Stage.COURT, Stage.WRITTEN_OFF, Stage.PAID,
                                 Stage.CLOSED}),
    Stage.COURT: frozenset({Stage.ENFORCEMENT, Stage.PAYMENT_AGREEMENT, Stage.WRITTEN_OFF, Stage.PAID,
                            Stage.CLOSED}),
    Stage.ENFORCEMENT: frozenset({Stage.COURT, Stage.PAYMENT_AGREEMENT, Stage.WRITTEN_OFF, Stage.PAID,
                                  Stage.CLOSED}),
    Stage.WRITTEN_OFF: frozenset({Stage.PAID}),  # a debtor may still pay a written-off debt (off balance, 5 years)
    Stage.PAID: frozenset(),
    Stage.CLOSED: frozenset(),
}
# while a hold is on, only these moves remain possible
ALLOWED_ON_HOLD = frozenset({Stage.PAID, Stage.CLOSED, Stage.WRITTEN_OFF})


class TransitionNotAllowed(CodedRefusal):
    """A stage change refused by the rules; `code` + `params` are stable, `reason` is plain English."""

    def __init__(self, code: str, reason: str, **params):
        super().__init__(code, reason, **params)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """One utility a restriction/suspension would touch: its rule, debt and monthly charge at the norm (п.118)."""

    code: str
    restriction_rule: str = "allowed"  # 'allowed' | 'never' | 'approval_in_apartment_building'
    suspendable_in_apartment_building: bool = True
    debt_kop: int = 0
    norm_monthly_kop: int | None = None


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """Everything the guards look at, gathered by the service layer; all money in kopecks."""

    debt_kop: int = 0
    debtor_kind: str = "person"            # jurisdiction.DebtorKind: 'person' | 'entrepreneur' | 'organization'
    court_track: str = CourtTrack.GENERAL  # jurisdiction.court_track: 'general' (ГПК) | 'arbitrazh' (АПК)
    tenure: str = "owner"                  # accounts.tenure
    apartment_building: bool = True
    on_hold: bool = False
    # notice / restriction / suspension
    warning_delivered_on: date | None = None
    restricted_on: date | None = None
    term_reading: str = TermReading.FULL_DAYS  # setting RESTRICTION_TERM_READING: 'full_days' | 'elapsed'
    service: ServiceFacts | None = None
    lawyer_approved: bool = False
    agreement_performed: bool = False
    # court
    court_kind: str = CourtKind.ORDER
    claimable_kop: int | None = None       # debt still within limitation today (None = not computed)
    claim_kop: int | None = None           # amount to be claimed; defaults to claimable / debt
    order_cancelled_or_refused: bool = False
    # court orders of the case that were cancelled or refused: (first month, last month) of each, None = unknown
    # (ГПК 129, 125 ч.3; АПК 229.5 ч.4, 229.4): the same months go by claim, never by a second order
    cancelled_orders: tuple = ()
    claim_periods: frozenset | None = None  # months of this filing (Period); None = not known (every month)
    time_barred_chosen: bool = False       # time-barred months were chosen explicitly (ГК 199 п.2)
    disputed: bool = False                 # the debt is disputed (hold «dispute»): no court order (ГПК 125 ч.3)
    pretrial_claim_sent_on: date | None = None  # pre-claim letter sent (АПК ст.4 ч.5: arbitrazh claim 30 days later)
    months_unpaid: int = 0
    # enforcement
    court_act_kind: str | None = None      # 'order' | 'judgment'
    act_made_on: date | None = None        # order issued / judgment made
    debtor_received_on: date | None = None  # order copy received (or returned unclaimed) by the debtor
    objection_filed: bool = False
    act_cancelled: bool = False
    # write-off
    writeoff_ground: str | None = None
    writeoff_evidence: bool = False
    writeoff_proposed_by: int | None = None
    writeoff_approved_by: int | None = None
    writeoff_approver_role: str | None = None
    extra: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ guards
def restriction_threshold_kop(norm_monthly_kop: int) -> int:
    """Restriction threshold: two monthly charges at the norm and current tariff (ПП 354 п.118)."""
    return norm_monthly_kop * THRESHOLD_MONTHS


def in_pp424_freeze(day: date) -> bool:
    """Restriction and suspension were frozen 06.04.2020–31.12.2020 (ПП РФ от 02.04.2020 № 424)."""
    return PP424_FREEZE[0] <= day <= PP424_FREEZE[1]


def restriction_may_start_on(delivered_on: date, calendar=None, reading: str | None = None) -> date:
    """First day of restriction after the 20-day warning term (ПП 354 п.119 "а"; ГК 191, 193): day 21 after
    delivery by default, day 20 under the "elapsed" reading — computed by restriction.earliest_restriction_date."""
    return earliest_restriction_date(delivered_on, calendar, reading)


def suspension_may_start_on(restricted_on: date, calendar=None, reading: str | None = None) -> date:
    """First day of suspension after the 10-day term following restriction (ПП 354 п.119 "в"; ГК 191, 193):
    day 11 by default, day 10 under the "elapsed" reading — computed by restriction.earliest_suspension_date."""
    return earliest_suspension_date(restricted_on, calendar, reading)


def objection_term_end(received_on: date, calendar=None, track: str = CourtTrack.GENERAL) -> date:
    """Last day to object to a court order: magistrate — 10 calendar days from receipt, moved off a non-working day
    (ГПК 128, ГК 193); arbitrazh court — the 10th working day after receipt (АПК 229.5 ч.3, 114 ч.3)."""
    if CourtTrack(track) == CourtTrack.ARBITRAZH:
        return arbitrazh_objection_term_end(received_on, calendar)
    end = received_on + timedelta(days=OBJECTION_DAYS)
    return calendar.next_working_day(end) if calendar is not None else end


def act_in_force_on(act_kind: str, made_on: date | None, received_on: date | None, calendar=None,
                    track: str = CourtTrack.GENERAL) -> date | None:
    """Day a court act may be enforced: order — day after the 10-day objection term from receipt (ГПК 128/129;
    АПК 229.5, in working days); judgment — one month after it is made (ГПК 321 ч.2, 209; АПК 180 ч.1)."""
    if act_kind == CourtActKind.ORDER:
        return None if received_on is None else objection_term_end(received_on, calendar, track) + timedelta(days=1)
    if act_kind == CourtActKind.JUDGMENT:
        return None if made_on is None else add_months(made_on, 1) + timedelta(days=1)
    return None


def check_writ_destination(destination: str, amount_kop: int) -> None:
    """A writ goes to the employer directly only for sums up to 100,000 ₽ (229-ФЗ ст.9 ч.1); bank (ст.8) and bailiffs any sum."""
    if destination not in ("bailiff", "employer", "bank"):
        raise TransitionNotAllowed("bad_destination", f"unknown writ destination {destination}",
                                   destination=destination)
    if destination == "employer" and amount_kop > EMPLOYER_LIMIT_KOP:
        raise TransitionNotAllowed("employer_limit",
                                   "a writ may go to the employer directly only for up to 100,000 rubles "
                                   "(229-FZ art. 9); send it to the bailiffs or the bank",
                                   amount_kop=amount_kop, limit_kop=EMPLOYER_LIMIT_KOP)


def _refuse(code: str, reason: str, **params):
    raise TransitionNotAllowed(code, reason, **params)


def _guard_debt(facts: CaseFacts) -> None:
    if facts.debt_kop <= 0:
        _refuse("no_debt", "the account has no debt")


def _guard_restrictable_service(facts: CaseFacts, today: date):
    """Common to restriction and suspension: debt, no ПП 424 freeze, a service chosen that may be restricted
    at all (ПП 354 п.119, 122). Returns the service facts."""
    _guard_debt(facts)
    if in_pp424_freeze(today):
        _refuse("pp424_freeze", "restriction and suspension were frozen from 06.04.2020 to 31.12.2020 (PP 424)")
    svc = facts.service
    if svc is None:
        _refuse("no_service", "choose the service to restrict")
    if svc.restriction_rule == "never":
        _refuse("service_never_restricted", "this service may never be restricted or suspended (PP 354 p.119, 122)",
                service=svc.code)
    return svc


def _guard_restriction(facts: CaseFacts, today: date, calendar=None) -> None:
    """Restriction (ПП 354 пп.117–122, ПП 424): 20-day warning term over (reading per facts.term_reading),
    debt > 2 norm-months, no agreement, not heating."""
    svc = _guard_restrictable_service(facts, today)
    if facts.warning_delivered_on is None:
        _refuse("no_warning", "no delivered warning is recorded (PP 354 p.119)")
    may_on = restriction_may_start_on(facts.warning_delivered_on, calendar, facts.term_reading)
    if today < may_on:
        _refuse("warning_term", "the 20-day warning term has not run out yet (PP 354 p.119)",
                delivered_on=facts.warning_delivered_on, may_on=may_on)
    if not svc.norm_monthly_kop or svc.norm_monthly_kop <= 0:
        _refuse("no_norm", "the monthly charge at the norm is not set for this service (PP 354 p.118)",
                service=svc.code)
    threshold = restriction_threshold_kop(svc.norm_monthly_kop)
    if svc.debt_kop <= threshold:
        _refuse("below_threshold", "the debt for this service does not exceed two monthly charges at the norm "
                "(PP 354 p.118)", debt_kop=svc.debt_kop, threshold_kop=threshold, service=svc.code)
    if facts.agreement_performed:
        _refuse("agreement_performed", "a payment agreement is being performed (PP 354 p.118)")
    if (svc.restriction_rule == "approval_in_apartment_building" and facts.apartment_building
            and not facts.lawyer_approved):
        _refuse("lawyer_approval", "restricting this service in an apartment building needs a lawyer's approval "
                "(PP 354 p.122)", service=svc.code)


def _guard_suspension(facts: CaseFacts, today: date, calendar=None) -> None:
    """Suspension after the 10-day term following restriction (reading per facts.term_reading); never heating,
    never cold water in an apartment building (ПП 354 п.119 "в")."""
    svc = _guard_restrictable_service(facts, today)
    if facts.apartment_building and not svc.suspendable_in_apartment_building:
        _refuse("never_suspended_mkd", "this service may not be suspended in an apartment building "
                "(PP 354 p.119 \"v\")", service=svc.code)
    if facts.restricted_on is None:
        _refuse("not_restricted", "the service has not been restricted yet")
    may_on = suspension_may_start_on(facts.restricted_on, calendar, facts.term_reading)
    if today < may_on:
        _refuse("restriction_term", "10 days have not passed since the restriction (PP 354 p.119)",
                restricted_on=facts.restricted_on, may_on=may_on)
    if facts.agreement_performed:
        _refuse("agreement_performed", "a payment agreement is being performed (PP 354 p.118)")


def _order_cancelled_for(facts: CaseFacts):
    """The (first, last) months of a cancelled or refused order of the case that the filing's months overlap."""
    wanted = facts.claim_periods
    for first, last in facts.cancelled_orders:
        if wanted is None or first is None or last is None:
            return first, last
        if any(first <= p <= last for p in wanted):
            return first, last
    return None


def _guard_court(facts: CaseFacts, today: date, calendar=None) -> None:
    """Court: debt within limitation unless time-barred months were chosen explicitly (ГК 196, 199 п.2); order only
    for an undisputed claim (ГПК 122, 125 ч.3), ≤ 500,000 ₽ of principal and penalty (ГПК 121; АПК 229.2) and not
    for months whose order was cancelled or refused (ГПК 129; АПК 229.5 ч.4) — a claim instead; a claim up to
    500,000 ₽ only after a cancelled order (ГПК 135, Пленум № 62; АПК 129 ч.1 п.2.1); arbitrazh claim 30 days after
    the pre-claim letter (АПК 4 ч.5); eviction only of a social tenant after > 6 months unpaid (ЖК 90)."""
    _guard_debt(facts)
    if facts.claimable_kop is not None and facts.claimable_kop <= 0 and not facts.time_barred_chosen:
        _refuse("time_barred", "the whole debt is time-barred; a court would refuse it (Civil Code art. 196, 199)")
    claim = facts.claim_kop if facts.claim_kop is not None else (
        facts.claimable_kop if facts.claimable_kop is not None else facts.debt_kop)
    kind = facts.court_kind
    if kind not in (CourtKind.ORDER, CourtKind.CLAIM, CourtKind.EVICTION):
        _refuse("bad_court_kind", f"unknown court procedure {kind}", kind=kind)
    if facts.court_track == CourtTrack.ARBITRAZH and kind != CourtKind.EVICTION:
        _guard_arbitrazh(facts, claim, today, calendar)
    elif kind == CourtKind.ORDER:
        if facts.disputed:
            _refuse("order_disputed", "the debt is disputed: a court order is issued only for an undisputed claim; "
                    "file a claim (Civil Procedure Code art. 122, 125)")
        if claim > COURT_ORDER_LIMIT_KOP:
            _refuse("order_limit", "a court order is possible only up to 500,000 rubles; file a claim "
                    "(Civil Procedure Code art. 121)", claim_kop=claim, limit_kop=COURT_ORDER_LIMIT_KOP)
        cancelled = _order_cancelled_for(facts)
        if cancelled is not None:
            _refuse("order_after_cancel", "a court order for these months was cancelled or refused; file a claim "
                    "(Civil Procedure Code art. 129)", period_from=cancelled[0], period_to=cancelled[1])
    elif kind == CourtKind.CLAIM:
        if claim <= COURT_ORDER_LIMIT_KOP and not facts.order_cancelled_or_refused:
            _refuse("claim_needs_order", "a claim up to 500,000 rubles is possible only after a court order was "
                    "cancelled or refused (Civil Procedure Code art. 135; Plenum No. 62)", claim_kop=claim)
    else:  # eviction
        if facts.tenure != "social_tenancy":
            _refuse("eviction_not_social", "eviction for debt applies only to social tenants (Housing Code art. 90)")
        if facts.months_unpaid <= EVICTION_MONTHS:
            _refuse("eviction_months", "eviction needs more than 6 months without payment (Housing Code art. 90)",
                    months=facts.months_unpaid)


def _guard_arbitrazh(facts: CaseFacts, claim: int, today: date, calendar=None) -> None:
    """Organisation / ИП debtor in the arbitrazh court: an order only up to 500,000 ₽ (АПК ст.229.2); a claim above
    that, or after the order was cancelled or refused (АПК ст.129 ч.1 п.2.1), and only 30 calendar days after the
    pre-claim letter was sent (АПК ст.4 ч.5)."""
    if facts.court_kind == CourtKind.ORDER:
        if claim > ARBITRAZH_ORDER_LIMIT_KOP:
            _refuse("arbitrazh_order_limit", "an arbitrazh court order is possible only up to 500,000 rubles "
                    "(Arbitrazh Procedure Code art. 229.2); send a pre-claim letter and file a claim 30 days later "
                    "(art. 4 part 5)", claim_kop=claim, limit_kop=ARBITRAZH_ORDER_LIMIT_KOP)
        cancelled = _order_cancelled_for(facts)
        if cancelled is not None:
            _refuse("arbitrazh_order_after_cancel", "an arbitrazh court order for these months was cancelled or "
                    "refused; file a claim (Arbitrazh Procedure Code art. 229.5 part 4)",
                    period_from=cancelled[0], period_to=cancelled[1])
        return
    if claim <= ARBITRAZH_ORDER_LIMIT_KOP and not facts.order_cancelled_or_refused:
        _refuse("arbitrazh_claim_needs_order", "a claim up to 500,000 rubles against an organisation or an "
                "entrepreneur is possible only after a court order was cancelled or refused (Arbitrazh Procedure "
                "Code art. 229.2, 129 part 1 p. 2.1)", claim_kop=claim, limit_kop=ARBITRAZH_ORDER_LIMIT_KOP)
    if facts.pretrial_claim_sent_on is None:
        _refuse("no_pretrial_claim", "no pre-claim letter is recorded; an arbitrazh claim may be filed 30 days "
                "after it was sent (Arbitrazh Procedure Code art. 4 part 5)")
    may_on = arbitrazh_claim_may_be_filed_on(facts.pretrial_claim_sent_on, calendar)
    if today < may_on:
        _refuse("pretrial_claim_term", "30 days have not passed since the pre-claim letter was sent "
                "(Arbitrazh Procedure Code art. 4 part 5)", sent_on=facts.pretrial_claim_sent_on, may_on=may_on)


def _guard_enforcement(facts: CaseFacts, today: date, calendar=None) -> None:
    """Enforcement only with a court act in force: order — no objection within 10 days of receipt (ГПК 128/129;
    arbitrazh: 10 working days, АПК 229.5, 114 ч.3); judgment — one month after it is made (ГПК 321; АПК 180)."""
    if facts.court_act_kind not in (CourtActKind.ORDER, CourtActKind.JUDGMENT):
        _refuse("no_court_act", "there is no court order or judgment in this case")
    arbitrazh = facts.court_track == CourtTrack.ARBITRAZH
    if facts.act_cancelled:
        if arbitrazh:
            _refuse("arbitrazh_act_cancelled", "the court act was cancelled; file a claim in the arbitrazh court "
                    "(Arbitrazh Procedure Code art. 229.5 part 4)")
        _refuse("act_cancelled", "the court act was cancelled; file a claim (Civil Procedure Code art. 129)")
    if facts.court_act_kind == CourtActKind.ORDER:
        if facts.objection_filed:
            if arbitrazh:
                _refuse("arbitrazh_objection_filed", "the debtor objected to the arbitrazh court order "
                        "(Arbitrazh Procedure Code art. 229.5 part 4)")
            _refuse("objection_filed", "the debtor objected to the court order (Civil Procedure Code art. 129)")
        if facts.debtor_received_on is None:
            if arbitrazh:
                _refuse("arbitrazh_not_received", "the date the debtor received the arbitrazh court order is not "
                        "recorded (Arbitrazh Procedure Code art. 229.5 part 3)")
            _refuse("not_received", "the date the debtor received the court order is not recorded "
                    "(Civil Procedure Code art. 128)")
    in_force = act_in_force_on(facts.court_act_kind, facts.act_made_on, facts.debtor_received_on, calendar,
                               facts.court_track)
    if in_force is None:
        _refuse("no_act_date", "the date of the court act is not recorded")
    if today < in_force:
        _refuse("not_in_force", "the court act is not in force yet (Civil Procedure Code art. 128–130, 321)",
                in_force_on=in_force)


def _guard_writeoff(facts: CaseFacts, today: date) -> None:
    from .writeoff import check_approval, check_ground

    check_ground(facts.writeoff_ground, facts)
    check_approval(facts.writeoff_proposed_by, facts.writeoff_approved_by, facts.writeoff_approver_role)


def _guard_hold(facts: CaseFacts, target: Stage) -> None:
    """A case on hold moves only to paid, closed or written off; a disputed debt never gets a court order."""
    if facts.on_hold and target not in ALLOWED_ON_HOLD:
        if target == Stage.COURT and facts.disputed and facts.court_kind == CourtKind.ORDER:
            _refuse("order_disputed", "the debt is disputed: a court order is issued only for an undisputed claim; "
                    "file a claim (Civil Procedure Code art. 122, 125)")
        _refuse("on_hold", "the case is on hold; lift the hold first")


def check_court_application(facts: CaseFacts, today: date, *, calendar=None) -> None:
    """May this court application (facts.court_kind: order, claim, eviction) be made today? The one guard of the
    stage move to court, of a further filing in the court stage and of issuing a court-order application or a
    claim: the hold, then `_guard_court`. Raises TransitionNotAllowed."""
    _guard_hold(facts, Stage.COURT)
    _guard_court(facts, today, calendar)


def check_measure(target: Stage | str, facts: CaseFacts, on: date, *, calendar=None) -> None:
    """May the utility be restricted (suspended) on `on`? The guard of the stage move, used as well before an act
    of restriction (suspension) is issued, so the act never states a term that has not run out (ПП 354 п.119)."""
    target = Stage(target)
    _guard_hold(facts, target)
    if target == Stage.RESTRICTION:
        _guard_restriction(facts, on, calendar)
    elif target == Stage.SUSPENSION:
        _guard_suspension(facts, on, calendar)
    else:
        raise ValueError(f"not a measure: {target}")


def check_transition(current: Stage | str, target: Stage | str, facts: CaseFacts, today: date,
                     *, calendar=None) -> None:
    """Raise TransitionNotAllowed unless the case may move from `current` to `target` today on these facts."""
    try:
        current, target = Stage(current), Stage(target)
    except ValueError as exc:
        raise TransitionNotAllowed("unknown_stage", str(exc)) from None
    if current == target:
        _refuse("same_stage", "the case is already at this stage", stage=target)
    if current in FINAL_STAGES and target not in TRANSITIONS[current]:
        _refuse("final_stage", "the case is finished; open a new case for new debt", stage=current)
    if target not in TRANSITIONS[current]:
        _refuse("not_in_table", "this step is not possible from the current stage", current=current, target=target)
    _guard_hold(facts, target)
    if target in (Stage.NOTICE, Stage.PAYMENT_AGREEMENT):
        _guard_debt(facts)
    elif target == Stage.RESTRICTION:
        _guard_restriction(facts, today, calendar)
    elif target == Stage.SUSPENSION:
        _guard_suspension(facts, today, calendar)
    elif target == Stage.COURT:
        _guard_court(facts, today, calendar)
    elif target == Stage.ENFORCEMENT:
        _guard_enforcement(facts, today, calendar)
    elif target == Stage.WRITTEN_OFF:
        _guard_writeoff(facts, today)
    elif target == Stage.PAID:
        if facts.debt_kop > 0:
            _refuse("still_debt", "the debt is not repaid yet", debt_kop=facts.debt_kop)
    # CLOSED: always possible from an open stage (the reason is required by the service layer)


def allowed_next(current: Stage | str, facts: CaseFacts, today: date, *, calendar=None) -> list[Stage]:
    """Stages the case may move to today, in table order (empty for a final stage)."""
    out = []
    for target in Stage:
        try:
            check_transition(current, target, facts, today, calendar=calendar)
        except TransitionNotAllowed:
            continue
        out.append(target)
    return out


def refusals(current: Stage | str, facts: CaseFacts, today: date, *, calendar=None) -> dict[Stage, TransitionNotAllowed]:
    """For each structurally possible target refused today, the refusal (to explain disabled buttons)."""
    out = {}
    for target in TRANSITIONS.get(Stage(current), ()):
        try:
            check_transition(current, target, facts, today, calendar=calendar)
        except TransitionNotAllowed as exc:
            out[target] = exc
    return out


