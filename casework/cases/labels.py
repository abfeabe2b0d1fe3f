"""Translated titles of the case codes and the refusal messages (the pure core gives codes, we give words)."""
from __future__ import annotations

from datetime import date

from ..domain.errors import CodedRefusal
from ..i18n import _l

STAGE_LABELS = {
    "debt_detected": _l("Debt detected"), "notice": _l("Notice"), "payment_agreement": _l("Payment agreement"),
    "restriction": _l("Restriction"), "suspension": _l("Suspension"), "court": _l("Court"),
    "enforcement": _l("Enforcement"), "written_off": _l("Written off"), "paid": _l("Paid"), "closed": _l("Closed"),
}
HOLD_LABELS = {
    "dispute": _l("Debt disputed"), "recalculation": _l("Recalculation pending"), "bankruptcy": _l("Bankruptcy"),
    "deceased_heirs_search": _l("Debtor died: searching for heirs"), "minor_owner": _l("Minor owner"),
    "other": _l("Other reason"),
}
COURT_KIND_LABELS = {"order": _l("Court order"), "claim": _l("Claim"), "eviction": _l("Eviction claim")}
COURT_TYPE_LABELS = {"magistrate": _l("Magistrate sector"), "district": _l("District court"),
                     "arbitrazh": _l("Arbitrazh court")}
OUTCOME_LABELS = {
    "pending": _l("Pending"), "returned": _l("Returned"), "refused": _l("Refused"),
    "left_without_motion": _l("Left without motion"), "issued": _l("Issued"), "cancelled": _l("Cancelled"),
    "reversed": _l("Reversed"), "satisfied": _l("Claim satisfied"), "dismissed": _l("Claim dismissed"),
}
#: the daily job's own reasons for a stage change (StageChange.details["why"]; "daily" alone: opened or paid)
AUTO_REASON_LABELS = {
    "no_overdue": _l("daily job: no overdue debt (only charges not yet due)"),
    "agreement_kept": _l("daily job: the payment agreement is being kept"),
    "agreement_broken": _l("daily job: the payment agreement is not kept, the case is worked again"),
    "daily": _l("daily job"),
}
DESTINATION_LABELS = {"bailiff": _l("Bailiff unit"), "employer": _l("Debtor's employer"), "bank": _l("Debtor's bank")}
END_REASON_LABELS = {
    "paid": _l("Paid in full"), "impossible": _l("Impossible to collect (229-FZ art. 46, 47)"),
    "returned": _l("Writ returned at our request"), "cancelled": _l("Court act cancelled"), "other": _l("Other"),
}
PROCEEDINGS_STATUS_LABELS = {
    "in_progress": _l("in progress"), "ended": _l("ended"), "terminated": _l("terminated"),
    "suspended": _l("suspended"),
}
GROUND_LABELS = {
    "limitation": _l("Limitation period expired"),
    "bailiff_impossible": _l("Bailiff's act of impossibility (229-FZ art. 46, 47)"),
    "death_no_heirs": _l("Debtor died without heirs"), "bankruptcy": _l("Bankruptcy completed"),
    "liquidation": _l("Debtor organisation liquidated"),
}
NORM_SOURCE_LABELS = {"account": _l("set for this account"), "service": _l("the service's default"),
                      "derived": _l("derived: the mean of the last 3 monthly charges")}
DEADLINE_LABELS = {
    "warning_term": _l("20-day warning term expired: restriction may start"),
    "restriction_term": _l("10 days since restriction: suspension may start"),
    "objection_window": _l("Objection window passed: the writ can be sent"),
    "limitation": _l("Limitation expires for the oldest debt"),
}
ALERT_LABELS = {
    "hold_review": _l("Hold review date has come"),
    "enforcement_silence": _l("Nothing received from enforcement for a long time"),
    "order_cancelled": _l("Court order cancelled: prepare the claim"),
    "promise_broken": _l("Promise to pay broken"),
    "agreement_broken": _l("Payment agreement broken"),
}

REFUSALS = {
    "unknown_stage": _l("Unknown stage."),
    "same_stage": _l("The case is already at this stage."),
    "final_stage": _l("The case is finished; open a new case for new debt."),
    "not_in_table": _l("This step is not possible from the stage «%(current)s»."),
    "on_hold": _l("The case is on hold; lift the hold first."),
    "no_debt": _l("The account has no debt."),
    "pp424_freeze": _l("Restriction and suspension were frozen from 06.04.2020 to 31.12.2020 (Decree 424)."),
    "no_service": _l("Choose the service to restrict."),
    "service_never_restricted": _l("The service «%(service)s» may never be restricted or suspended (Rules 354, p. 119, 122)."),
    "no_warning": _l("No delivered warning is recorded (Rules 354, p. 119)."),
    "warning_term": _l("The warning was delivered on %(delivered_on)s; restriction is possible from %(may_on)s (Rules 354, p. 119)."),
    "no_norm": _l("The monthly charge at the norm is not set for «%(service)s» and cannot be derived from three monthly charges (Rules 354, p. 118): enter it on the account's norms page."),
    "norm_not_positive": _l("The monthly charge at the norm must be above zero; leave the field empty to remove it."),
    "below_threshold": _l("The debt for «%(service)s» is %(debt_kop)s and does not exceed two monthly charges at the norm, %(threshold_kop)s (Rules 354, p. 118)."),
    "agreement_performed": _l("A payment agreement is being performed (Rules 354, p. 118)."),
    "lawyer_approval": _l("Restricting «%(service)s» in an apartment building needs a lawyer's approval (Rules 354, p. 122)."),
    "never_suspended_mkd": _l("«%(service)s» may not be suspended in an apartment building (Rules 354, p. 119)."),
    "not_restricted": _l("The service has not been restricted yet."),
    "restriction_term": _l("The service was restricted on %(restricted_on)s; suspension is possible from %(may_on)s (Rules 354, p. 119)."),
    "time_barred": _l("The whole debt is time-barred; a court would refuse it (Civil Code art. 196, 199)."),
    "order_limit": _l("A court order is possible only for a claim up to %(limit_kop)s (principal and penalty); this one is %(claim_kop)s. File a statement of claim instead (Civil Procedure Code art. 121)."),
    "order_disputed": _l("The debt is disputed: a court order is issued only for an undisputed claim. File a statement of claim instead (Civil Procedure Code art. 122, 125)."),
    "order_after_cancel": _l("A court order for the months %(period_from)s–%(period_to)s of this case was cancelled or refused: these months cannot go to a court order again. File a statement of claim instead (Civil Procedure Code art. 129)."),
    "arbitrazh_order_after_cancel": _l("An arbitrazh court order for the months %(period_from)s–%(period_to)s of this case was cancelled or refused: file a claim in the arbitrazh court instead (Arbitrazh Procedure Code art. 229.5 part 4)."),
    "claim_period_unknown": _l("The account has no debt or penalty for %(period)s to claim."),
    "claim_period_not_due": _l("The payment for %(period)s is due on %(due_date)s and is not overdue yet: it cannot be claimed."),
    "claim_no_periods": _l("Tick at least one month to claim."),
    "claim_only_time_barred": _l("Every month due is time-barred (%(amount_kop)s): a court refuses them if the debtor pleads limitation (Civil Code art. 199). Tick them explicitly to claim them anyway."),
    "date_in_future": _l("%(what)s %(on)s is in the future (today is %(today)s): record what has already happened."),
    "order_before_filing": _l("The court order cannot be issued (%(issued_on)s) before the application was filed (%(filed_on)s)."),
    "decision_before_claim": _l("The judgment cannot be made (%(issued_on)s) before the claim was filed (%(filed_on)s)."),
    "received_before_issue": _l("The debtor cannot receive the court act (%(on)s) before it was made (%(issued_on)s)."),
    "objection_before_issue": _l("An objection cannot come (%(on)s) before the court order was issued (%(issued_on)s)."),
    "cancelled_before_issue": _l("The court order cannot be cancelled (%(on)s) before it was issued (%(issued_on)s)."),
    "in_force_before_issue": _l("The court act cannot come into force (%(on)s) before it was made (%(issued_on)s)."),
    "cancelled_before_objection": _l("The court order cannot be cancelled (%(cancelled_on)s) before the objection came (%(objection_on)s)."),
    "delivery_before_document": _l("A document cannot be delivered (%(delivered_on)s) before it was issued (%(document_date)s)."),
    "magistrate_court_missing": _l("This filing goes to the magistrate (Civil Procedure Code art. 23), but the debtor's building («%(address)s») is linked to «%(court)s», which is not a magistrate sector. Link the building to its magistrate sector in the court directory or choose the court by hand."),
    "district_court_missing": _l("A claim of %(claim_kop)s is above %(ceiling_kop)s and goes to the district court (Civil Procedure Code art. 23 part 1 p. 5, art. 24), but the court directory has no active district court for «%(address)s» (territory: %(territory)s). Add the district court to the directory with this territory or choose the court by hand."),
    "district_court_ambiguous": _l("A claim of %(claim_kop)s goes to the district court (Civil Procedure Code art. 24), but several district courts of the directory could serve «%(address)s»: %(courts)s. Choose the court by hand."),
    "district_court_required": _l("A claim of %(claim_kop)s is above %(ceiling_kop)s and goes to the district court (Civil Procedure Code art. 23 part 1 p. 5, art. 24), not to «%(court)s»."),
    "magistrate_court_required": _l("This filing (%(claim_kop)s) goes to the magistrate (Civil Procedure Code art. 23; a claim up to %(ceiling_kop)s), not to «%(court)s»."),
    "claim_needs_order": _l("A claim up to 500,000 rubles is possible only after a court order was cancelled or refused (Civil Procedure Code art. 135)."),
    "arbitrazh_order_limit": _l("The debtor is an organisation or an entrepreneur: an arbitrazh court order is possible only up to %(limit_kop)s; the claim is %(claim_kop)s. Send a pre-claim letter and file a claim 30 days after sending it (Arbitrazh Procedure Code art. 229.2, art. 4 part 5)."),
    "arbitrazh_claim_needs_order": _l("A claim up to %(limit_kop)s against an organisation or an entrepreneur is possible only after a court order was cancelled or refused; apply for a court order (Arbitrazh Procedure Code art. 229.2, art. 129 part 1 p. 2.1)."),
    "no_pretrial_claim": _l("No pre-claim letter to the debtor is recorded: issue the pre-court claim; a claim in the arbitrazh court may be filed 30 days after it was sent (Arbitrazh Procedure Code art. 4 part 5)."),
    "pretrial_claim_term": _l("The pre-claim letter was sent on %(sent_on)s; a claim in the arbitrazh court is possible from %(may_on)s (Arbitrazh Procedure Code art. 4 part 5)."),
    "arbitrazh_no_building_court": _l("The debtor is an organisation or an entrepreneur, so the debt goes to the arbitrazh court of the region (Arbitrazh Procedure Code art. 27, 28, 35), but the debtor's building is not linked to any court and the region is unknown. Link the building in the court directory or choose the arbitrazh court by hand."),
    "arbitrazh_no_region": _l("The debtor is an organisation or an entrepreneur, so the debt goes to the arbitrazh court of the region (Arbitrazh Procedure Code art. 27, 28, 35), but the court of the building, «%(court)s», has no OKTMO code and the region is unknown. Fill in its OKTMO in the court directory or choose the arbitrazh court by hand."),
    "arbitrazh_court_missing": _l("The debtor is an organisation or an entrepreneur, so the debt goes to the arbitrazh court of the region (Arbitrazh Procedure Code art. 27, 28, 35), but the court directory has no active arbitrazh court for the region of «%(court)s» (OKTMO %(region)s…). Add the arbitrazh court to the directory or choose it by hand."),
    "arbitrazh_court_required": _l("The debtor is an organisation or an entrepreneur: the debt goes to the arbitrazh court, not to «%(court)s» (Arbitrazh Procedure Code art. 27, 28)."),
    "general_court_required": _l("The debtor is a citizen: «%(court)s» is an arbitrazh court and does not hear this debt; choose a magistrate or district court (Civil Procedure Code art. 22, 23)."),
    "eviction_not_social": _l("Eviction for debt applies only to social tenants (Housing Code art. 90)."),
    "eviction_months": _l("Eviction needs more than 6 months without payment; now %(months)s (Housing Code art. 90)."),
    "bad_court_kind": _l("Unknown court procedure."),
    "no_court_act": _l("There is no court order or judgment in this case."),
    "act_cancelled": _l("The court act was cancelled; file a claim (Civil Procedure Code art. 129)."),
    "objection_filed": _l("The debtor objected to the court order (Civil Procedure Code art. 129)."),
    "not_received": _l("The date the debtor received the court order is not recorded (Civil Procedure Code art. 128)."),
    "arbitrazh_act_cancelled": _l("The court act was cancelled; file a claim in the arbitrazh court (Arbitrazh Procedure Code art. 229.5 part 4)."),
    "arbitrazh_objection_filed": _l("The debtor objected to the arbitrazh court order (Arbitrazh Procedure Code art. 229.5 part 4)."),
    "arbitrazh_not_received": _l("The date the debtor received the arbitrazh court order is not recorded; the 10 working days to object run from receipt (Arbitrazh Procedure Code art. 229.5 part 3, art. 114 part 3)."),
    "no_act_date": _l("The date of the court act is not recorded."),
    "not_in_force": _l("The court act is not in force yet; enforcement is possible from %(in_force_on)s."),
    "bad_destination": _l("Unknown writ destination."),
    "employer_limit": _l("A writ may go to the employer directly only for up to %(limit_kop)s (229-FZ art. 9); send it to the bailiffs or the bank."),
    "writeoff_no_ground": _l("A write-off needs a ground (Tax Code art. 266)."),
    "writeoff_no_months": _l("Choose the time-barred months to write off."),
    "writeoff_month_unknown": _l("Nothing is unpaid for %(period)s: it cannot be written off."),
    "writeoff_month_not_barred": _l("%(period)s is still within limitation: it cannot be written off on this ground (Civil Code art. 196)."),
    "writeoff_partial_ground": _l("Only time-barred months can be written off in part; for another ground write off the whole debt."),
    "writeoff_bad_ground": _l("Unknown write-off ground."),
    "writeoff_not_barred": _l("Part of the debt is still within limitation; it cannot be written off on this ground."),
    "writeoff_liquidation_person": _l("Only an organisation can be liquidated."),
    "writeoff_no_evidence": _l("Describe the document proving the ground (bailiff's act, notary's reply, court ruling, registry extract)."),
    "writeoff_not_proposed": _l("The write-off has not been proposed."),
    "writeoff_not_approved": _l("A manager has not approved the write-off yet."),
    "writeoff_approver_role": _l("Only a manager may approve a write-off."),
    "writeoff_same_person": _l("The write-off must be approved by someone other than the person who proposed it."),
    "still_debt": _l("The debt is not repaid yet: %(debt_kop)s."),
    "closing_reason": _l("Give the reason for closing the case."),
    "hold_review_past": _l("The review date must be in the future."),
    "already_on_hold": _l("The case is already on hold."),
    "not_on_hold": _l("The case is not on hold."),
    "case_exists": _l("The account already has an open case."),
    "case_closed": _l("The case is closed."),
    "already_decided": _l("The write-off proposal has already been decided."),
    "proposal_pending": _l("A write-off proposal is already waiting for a decision."),
    # directory of courts and bailiff units
    "court_code_taken": _l("Another court already has the code %(code)s."),
    "court_name_required": _l("Enter the name of the court."),
    "unit_name_required": _l("Enter the name of the bailiff unit."),
    "unit_name_taken": _l("A bailiff unit named «%(name)s» already exists."),
    "nothing_selected": _l("Select at least one building."),
    "filter_required": _l("Choose a territory or a street to link all its buildings."),
}
COURT_DATE_LABELS = {
    "filed_on": _l("The filing date"), "issued_on": _l("The date of the court act"),
    "received_on": _l("The date the debtor received the court act"), "objection_on": _l("The objection date"),
    "cancelled_on": _l("The cancellation date"), "in_force_on": _l("The date of coming into force"),
    "delivered_on": _l("The delivery date"), "measure_on": _l("The date of the restriction (suspension)"),
    "order_date": _l("The date of the court order"),
}
LINKED_FILTER_LABELS = {"none": _l("Not linked to any court"), "this": _l("Linked to this court"),
                        "other": _l("Linked to another court")}


def label(labels: dict, code: str | None) -> str:
    return str(labels.get(code, code or ""))


def choices(labels: dict) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in labels.items()]


def _fmt(key: str, value):
    from ..domain.money import from_kopecks

    if key in ("period", "period_from", "period_to"):
        if value is None:
            return "…"
        if isinstance(value, str) and len(value) == 7 and value[4] == "-":  # 'YYYY-MM'
            return f"{value[5:]}.{value[:4]}"
        if hasattr(value, "year") and hasattr(value, "month"):
            return f"{value.month:02d}.{value.year}"
    if key == "what":
        return label(COURT_DATE_LABELS, value)
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if key.endswith("_kop") and isinstance(value, int):
        rub = from_kopecks(value)
        return f"{rub:,.2f}".replace(",", "\u00a0").replace(".", ",") + "\u00a0₽"
    if key in ("current", "target", "stage"):
        return label(STAGE_LABELS, value)
    if key == "service":
        from sqlalchemy import select

        from ..accounts.models import Service
        from ..extensions import db

        name = db.session.scalar(select(Service.name).where(Service.code == value))
        return name or value
    return value


def refusal_message(exc) -> str:
    """The user's words for a refusal: a translated message for a known code, else the exception text."""
    template = REFUSALS.get(exc.code) if isinstance(exc, CodedRefusal) else None
    if template is None:
        return str(exc)
    params = {k: _fmt(k, v) for k, v in exc.params.items()}
    try:
        return str(template) % params
    except (KeyError, ValueError, TypeError):
        return str(template)
