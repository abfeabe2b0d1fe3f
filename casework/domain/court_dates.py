"""Dates of court acts and deliveries that cannot be (pure: `today` is an argument).

One set of checks for the case's court records and for the documents that state those dates: nothing of the court
happens in the future; an order is not issued (nor a judgment made) before the application (claim) was filed; it is
not received, objected to or cancelled before it was issued; a cancellation follows the objection; nothing is
delivered before the document existed or in the future. Refusals are `TransitionNotAllowed` with a stable code and
the dates as parameters (casework/cases/labels.py words them).
"""
from __future__ import annotations

from datetime import date

from .stages import TransitionNotAllowed


def _refuse(code: str, reason: str, **params):
    raise TransitionNotAllowed(code, reason, **params)


def check_not_future(what: str, on: date | None, today: date) -> None:
    """A date of something that has happened (a filing, a court act, a delivery, a measure) is not after today."""
    if on is not None and on > today:
        _refuse("date_in_future", f"{what} {on} is in the future", what=what, on=on, today=today)


def check_court_dates(kind: str, *, filed_on: date | None, issued_on: date | None = None,
                      received_on: date | None = None, objection_on: date | None = None,
                      cancelled_on: date | None = None, in_force_on: date | None = None, today: date) -> None:
    """The dates of one court filing (`kind`: order | claim | eviction) and of what the court did."""
    for what, on in (("filed_on", filed_on), ("issued_on", issued_on), ("received_on", received_on),
                     ("objection_on", objection_on), ("cancelled_on", cancelled_on), ("in_force_on", in_force_on)):
        check_not_future(what, on, today)
    if issued_on is not None and filed_on is not None and issued_on < filed_on:
        if kind == "order":
            _refuse("order_before_filing", "a court order cannot be issued before the application was filed",
                    issued_on=issued_on, filed_on=filed_on)
        _refuse("decision_before_claim", "a judgment cannot be made before the claim was filed",
                issued_on=issued_on, filed_on=filed_on)
    for code, what, on in (("received_before_issue", "received_on", received_on),
                           ("objection_before_issue", "objection_on", objection_on),
                           ("cancelled_before_issue", "cancelled_on", cancelled_on),
                           ("in_force_before_issue", "in_force_on", in_force_on)):
        if on is not None and issued_on is not None and on < issued_on:
            _refuse(code, f"{what} {on} is before the court act of {issued_on}", on=on, issued_on=issued_on)
    if cancelled_on is not None and objection_on is not None and cancelled_on < objection_on:
        _refuse("cancelled_before_objection", "the order cannot be cancelled before the objection was received",
                cancelled_on=cancelled_on, objection_on=objection_on)


def check_delivery(delivered_on: date, document_date: date | None, today: date) -> None:
    """A document is delivered on or after the day it was made, and not in the future (the 20-day warning term of
    ПП 354 п.119 and the objection term run from delivery)."""
    check_not_future("delivered_on", delivered_on, today)
    if document_date is not None and delivered_on < document_date:
        _refuse("delivery_before_document", "a document cannot be delivered before it existed",
                delivered_on=delivered_on, document_date=document_date)
