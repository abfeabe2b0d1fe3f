"""One record per event, the documents' side: what issuing, delivering or dispatching a document records on the case
and in the contact log (the cases' side is casework/cases/links.py; docs/cases.md, «One record per event»).

- issue of a court-order application or a claim → the case's court filing with the document's figures;
- delivery of a restriction warning → the case's 20-day term (ПП 354 п.119);
- delivery of a letter to the debtor, or its entry in an issued dispatch register → the contact «letter sent» /
  «delivered» (never at issue: a document printed is not a letter sent);
- the bailiff and employer applications are filled from the writ and the bailiff unit recorded on the case.
"""
from __future__ import annotations

from datetime import date, datetime, time

from flask import current_app
from sqlalchemy import select

from ..domain.errors import DomainError
from ..extensions import db
from .letters import LETTERS
from .models import Document

#: letters whose parameters come from the writ recorded on the case (cases.links.recorded_writ)
WRIT_LETTERS = ("enforcement_application", "employer_letter")
#: recorded values these letters take that are not on their form: the writ's sum (fields._enforce_kop)
WRIT_HIDDEN = ("enforce_kop",)
WARNING_KIND = "warning_restriction"
REGISTER_KIND = "dispatch_register"


def recorded_params(code: str, account_id: int | None, case_id: int | None) -> dict:
    """The parameters of a bailiff or employer application that the case already records (writ number and date,
    court, bailiff unit or employer) — the form's defaults; {} for other letters."""
    letter = LETTERS.get(code)
    if letter is None or code not in WRIT_LETTERS:
        return {}
    from ..cases.links import recorded_writ

    return {k: v for k, v in recorded_writ(account_id, case_id).items() if k in letter.params or k in WRIT_HIDDEN}


def with_recorded_params(code: str, params: dict, account_id: int | None, case_id: int | None) -> dict:
    """`params` with the empty ones filled from the case's records (recorded_params); what the user typed wins."""
    recorded = recorded_params(code, account_id, case_id)
    if not recorded:
        return params
    out = dict(params)
    for k, v in recorded.items():
        if not out.get(k):
            out[k] = v
    return out


def after_issue(doc: Document, prep, user) -> None:
    """What an issued document records elsewhere: a court-order application or a claim becomes (or is linked to)
    the case's court filing with the same figures; a dispatch register logs the dispatch of the letters it lists."""
    letter = prep.letter
    if letter.court_kind in ("order", "claim") and prep.account_id is not None:
        _filing(doc, prep, user)
    elif letter.code == REGISTER_KIND:
        log_register(doc, getattr(prep.source, "documents", None) or [], user)


def _filing(doc: Document, prep, user) -> None:
    _filing_of(doc, prep.letter, prep.source, prep.account_id, prep.case_id, user)


def filings_from_batch(letter, sources: list, rows: list[dict], user_id: int | None) -> int:
    """Court applications issued in a batch (documents.bulk): each is its case's filing, as one issued alone
    (after_issue); a filing refused for one account (its case closed meanwhile, …) leaves its document standing and
    is logged. Returns how many filings were recorded or linked."""
    if letter.court_kind not in ("order", "claim") or not rows:
        return 0
    from ..auth.models import User

    user = db.session.get(User, user_id) if user_id is not None else None
    docs = {d.seq: d for d in db.session.scalars(select(Document).where(
        Document.year == rows[0]["year"], Document.seq.in_([r["seq"] for r in rows])))}
    done = 0
    for src, row in zip(sources, rows):
        doc = docs.get(row["seq"])
        if doc is None:
            continue
        try:
            with db.session.begin_nested():
                _filing_of(doc, letter, src, src.account.id, row["case_id"], user)
            done += 1
        except DomainError as exc:
            current_app.logger.warning("document %s: the filing is not recorded: %s", doc.number, exc)
    return done


def _filing_of(doc: Document, letter, src, account_id: int, case_id: int | None, user) -> None:
    """The filing of one issued court application from its source's figures (cases.links.filing_from_document)."""
    from ..cases.links import filing_from_document

    claim = src.claim if src.uses_claim else None
    first = claim.first_period.first_day() if claim is not None and claim.selected else None
    last = claim.last_period.first_day() if claim is not None and claim.selected else None
    rec = filing_from_document(
        account_id=account_id, case_id=case_id, document_id=doc.id,
        document_label=f"{doc.title} № {doc.number} от {doc.issued_on:%d.%m.%Y}", kind=letter.court_kind,
        court_id=getattr(src.court, "id", None), court_name=src.common.params.get("court_name"),
        principal_kop=src.debt_kop, penalty_kop=src.penalty_kop, duty_kop=src.duty_kop,
        periods=sorted(claim.selected) if claim is not None else None, period_from=first, period_to=last,
        user=user, today=doc.issued_on)
    if rec is not None and doc.case_id is None:
        doc.case_id = rec.case_id
        db.session.flush()


def after_delivery(doc: Document, user, today: date) -> None:
    """What a recorded delivery records elsewhere: a restriction warning starts the case's 20-day term (ПП 354
    п.119); a letter to the debtor is logged as a contact «delivered» on the delivery date."""
    letter = LETTERS.get(doc.kind)
    if doc.kind == WARNING_KIND and doc.account_id is not None:
        from ..cases.links import warning_from_document

        deadline = warning_from_document(account_id=doc.account_id, case_id=doc.case_id, document_id=doc.id,
                                         delivered_on=doc.delivered_on, method=doc.delivery_method, user=user,
                                         today=today)
        if deadline is not None and doc.case_id is None:
            doc.case_id = deadline.case_id
    if letter is not None and letter.recipient == "debtor":
        log_dispatch(doc, user, "delivered", doc.delivered_on)


def log_register(register: Document, listed: list, user) -> int:
    """A dispatch register issued: each letter to the debtor it lists is logged as sent (contact: channel letter,
    outcome letter_sent, the register's number in the note), once per document — one Core insert for the register
    (a batch's register lists thousands of letters). Returns how many were logged."""
    from sqlalchemy import insert

    from ..contacts.models import Contact
    from ..timeutil import now_local, utcnow

    docs = [d for d in listed
            if d.account_id is not None and getattr(LETTERS.get(d.kind), "recipient", None) == "debtor"]
    if not docs:
        return 0
    ids = [d.id for d in docs]
    done = set()
    for i in range(0, len(ids), 900):
        done.update(db.session.scalars(select(Contact.document_id).where(
            Contact.document_id.in_(ids[i:i + 900]), Contact.outcome == "letter_sent")))
    now, local = utcnow(), now_local()
    when = local if register.issued_on >= local.date() else datetime.combine(register.issued_on, time(12))
    rows = [{"account_id": d.account_id, "case_id": d.case_id, "channel": "letter", "direction": "outgoing",
             "outcome": "letter_sent", "note": f"{d.title} № {d.number} (реестр № {register.number})",
             "contacted_at": when,
             "contact_person": "", "contact_point": "", "author_id": getattr(user, "id", None),
             "document_id": d.id, "created_at": now} for d in docs if d.id not in done]
    if rows:
        db.session.execute(insert(Contact.__table__), rows)
    return len(rows)


def log_dispatch(doc: Document, user, outcome: str, on: date, register: Document | None = None) -> None:
    """Log a letter to the debtor in the contact log (channel letter; outcome letter_sent when a dispatch register
    lists it, delivered when its delivery is recorded) once per document and outcome."""
    letter = LETTERS.get(doc.kind)
    if doc.account_id is None or letter is None or letter.recipient != "debtor":
        return
    from ..contacts.models import Contact
    from ..contacts.services import log_contact

    if db.session.scalar(select(Contact.id).where(Contact.document_id == doc.id, Contact.outcome == outcome)
                         .limit(1)) is not None:
        return
    note = f"{doc.title} № {doc.number}"
    if register is not None:
        note += f" (реестр № {register.number})"
    from ..timeutil import now_local

    now = now_local()
    try:  # today's event at the present time (noon could be «in the future»), an earlier day at noon
        log_contact(user, channel="letter", outcome=outcome, account_id=doc.account_id, case_id=doc.case_id,
                    note=note, when=now if on >= now.date() else on, document_id=doc.id)
    except DomainError as exc:  # the document stands even when the contact log refuses the entry
        current_app.logger.warning("contact for document %s not logged: %s", doc.number, exc)
