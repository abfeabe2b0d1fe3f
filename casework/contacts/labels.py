"""Translated titles of the contact codes (kept outside the models and the pure core)."""
from __future__ import annotations

from ..domain.contact_rules import ContactWarning, WarningCode
from ..i18n import _, _l

CHANNEL_LABELS = {
    "call": _l("Phone call"), "visit": _l("Door-to-door visit"), "sms": _l("SMS"), "email": _l("E-mail"),
    "letter": _l("Letter"), "reception": _l("Personal reception"), "raid": _l("Joint raid with bailiffs"),
    "messenger": _l("Messenger"), "gis_zhkh": _l("GIS ZhKKh"),
}
DIRECTION_LABELS = {"outgoing": _l("Outgoing (we contacted)"), "incoming": _l("Incoming (debtor contacted us)")}
OUTCOME_LABELS = {
    "reached": _l("Reached the debtor"), "no_answer": _l("No answer"), "busy": _l("Line busy"),
    "wrong_number": _l("Wrong number"), "refused_to_talk": _l("Refused to talk"),
    "promised_to_pay": _l("Promised to pay"), "disputes_debt": _l("Disputes the debt"),
    "paid_already": _l("Says already paid"), "asked_for_agreement": _l("Asked for a payment agreement"),
    "agreement_signed": _l("Payment agreement signed"), "not_at_home": _l("Not at home"),
    "notice_handed": _l("Notice handed over"), "left_in_mailbox": _l("Left in the mailbox"),
    "third_party_reached": _l("Spoke to a relative or neighbour"), "message_sent": _l("Message sent"),
    "letter_sent": _l("Letter sent"), "delivered": _l("Delivery confirmed"), "moved_out": _l("Moved out"),
    "debtor_deceased": _l("Debtor has died"), "subsidy_advised": _l("Advised on housing subsidy"),
    "work_off_offered": _l("Offered to work off the debt"), "property_inspected": _l("Property inspected"),
    "refused_contact": _l("Refused further contact (230-FZ art. 8)"), "other": _l("Other"),
}
NEXT_ACTION_LABELS = {
    "call": _l("Call"), "visit": _l("Visit"), "sms": _l("Send SMS"), "letter": _l("Send letter"),
    "check_payment": _l("Check payment"), "notice": _l("Issue notice"), "agreement": _l("Prepare agreement"),
    "raid": _l("Joint raid with bailiffs"), "court_review": _l("Review for court"), "other": _l("Other"),
}
PROMISE_STATUS_LABELS = {"pending": _l("Pending"), "kept": _l("Kept"), "partly_kept": _l("Partly kept"),
                         "broken": _l("Broken"), "cancelled": _l("Cancelled")}
AGREEMENT_KIND_LABELS = {"instalment": _l("Instalment plan (rassrochka)"),
                         "restructuring": _l("Restructuring"),
                         "holiday": _l("Deferred start (payment holiday)")}
AGREEMENT_STATUS_LABELS = {"draft": _l("Draft"), "on_track": _l("On track"), "late": _l("Late"),
                           "broken": _l("Broken"), "completed": _l("Completed"), "cancelled": _l("Cancelled")}
INSTALMENT_STATE_LABELS = {"paid": _l("Paid"), "partly_paid": _l("Partly paid"), "overdue": _l("Overdue"),
                           "upcoming": _l("Upcoming")}
LIMIT_CLASS_LABELS = {"call": _l("calls"), "message": _l("messages"), "meeting": _l("personal meetings")}
DUE_KIND_LABELS = {"next_action": _l("Next action"), "promise_due": _l("Promise due"),
                   "promise_broken": _l("Promise broken"), "instalment_overdue": _l("Instalment overdue"),
                   "agreement_broken": _l("Agreement broken")}


def choices(labels: dict) -> list[tuple[str, str]]:
    return [(k, v) for k, v in labels.items()]


def label(labels: dict, code: str | None) -> str:
    return str(labels.get(code, code or "—"))


def warning_text(w: ContactWarning) -> str:
    """One warning of the contact rules in the user's words."""
    what = label(LIMIT_CLASS_LABELS, w.limit_class)
    if w.code == WarningCode.DAY_LIMIT:
        return _("Limit of %(n)s %(what)s a day reached: %(count)s already today (230-FZ art. 7).",
                 n=w.limit, what=what, count=w.count)
    if w.code == WarningCode.WEEK_LIMIT:
        return _("Limit of %(n)s %(what)s a week reached: %(count)s already this week (230-FZ art. 7).",
                 n=w.limit, what=what, count=w.count)
    if w.code == WarningCode.MONTH_LIMIT:
        return _("Limit of %(n)s %(what)s a month reached: %(count)s already this month (230-FZ art. 7).",
                 n=w.limit, what=what, count=w.count)
    if w.code == WarningCode.QUIET_HOURS:
        return _("Quiet hours: no contact 22:00–08:00 on working days and 20:00–09:00 on weekends and "
                 "holidays, debtor's local time (230-FZ art. 7).")
    if w.code == WarningCode.REFUSED_CONTACT:
        return _("The debtor has refused further contact (230-FZ art. 8).")
    return str(w.code)
