"""ГИС ЖКХ debt requests: import, matching to accounts and persons, the answer from the court records, the export.

The views and the CLI commit; these functions flush. Audit rows are written automatically for the record changes,
and `record_event` notes the imports, answers and exports (who, when, what)."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from xml.etree import ElementTree as ET

from flask import current_app
from sqlalchemy import or_, select

from ..accounts.models import Account, AccountBalance, AccountParty, Party
from ..audit.services import record_event
from ..cases.models import Case, Court, CourtRecord, Enforcement
from ..cases.services import business_calendar
from ..domain import debt_requests as rules
from ..domain.errors import DomainError
from ..domain.money import from_kopecks
from ..egrn.services import address_tokens
from ..extensions import db
from ..i18n import _
from ..imports.parsing import norm
from ..timeutil import utcnow
from . import parsing
from .models import GisExport, GisHouse, GisRequest

MAX_ACTIONS = 100  # importDSRResponsesRequest takes at most 100 actions per message
COURT_PAPERS = ("court_order_application", "claim_after_cancel", "debt_calculation")
ACT_KIND_WORDS = {"order": "Судебный приказ", "claim": "Решение суда"}


# ------------------------------------------------------------------------------------------------- import
def import_requests(name: str, data: bytes, today: date, user=None) -> dict:
    """Store the new subrequests of a file (a subrequest already held is left as it is, whatever its answer), with
    the answer term in working days, and match each to an account and a person."""
    parsed = parsing.parse_file(name, data)
    cal = business_calendar()
    days = int(current_app.config["GIS_ANSWER_WORKING_DAYS"])
    held = set(db.session.scalars(select(GisRequest.subrequest_guid).where(
        GisRequest.subrequest_guid.in_([p.subrequest_guid for p in parsed] or [""]))))
    new = []
    for p in parsed:
        if p.subrequest_guid in held:
            continue
        held.add(p.subrequest_guid)
        req = GisRequest(subrequest_guid=p.subrequest_guid, request_guid=p.request_guid,
                         request_number=p.request_number, source=p.source, file_name=name[:255], sent_on=p.sent_on,
                         gis_due_on=p.gis_due_on, due_on=rules.answer_due(p.sent_on, cal, days),
                         org_name=(p.org_name or None) and p.org_name[:500], org_guid=p.org_guid,
                         applicant_name=p.applicant_name, applicant_snils=p.applicant_snils,
                         applicant_document=p.applicant_document, fias_house_guid=p.fias_house_guid,
                         house_guid=p.house_guid, address=p.address[:1000], flat=p.flat, period_from=p.period_from,
                         period_to=p.period_to, status="review")
        db.session.add(req)
        new.append(req)
    db.session.flush()
    for req in new:
        auto_match(req)
    totals = {"read": len(parsed), "new": len(new), "known": len(parsed) - len(new),
              "matched": sum(r.status == "matched" for r in new)}
    record_event("gis.import", "gis_request", None, {"file": name, **totals}, actor=user)
    db.session.flush()
    return totals


def working_days_left(due_on: date, today: date) -> int:
    """Working days from tomorrow to the due day inclusive (0 on the due day), by the production calendar."""
    if due_on <= today:
        return 0
    return business_calendar().working_days_between(today + timedelta(days=1), due_on)


# ----------------------------------------------------------------------------------------------- matching
def _account_tokens(acc: Account) -> list[str]:
    words = address_tokens(acc.address)
    if acc.apartment and (not words or words[-1] != norm(acc.apartment)):
        words.append(norm(acc.apartment))
    return words


def _request_tokens(req: GisRequest) -> list[str]:
    words = address_tokens(req.address)
    if req.flat and (not words or words[-1] != norm(req.flat)):
        words.append(norm(req.flat))
    return words


def candidate_accounts(req: GisRequest) -> list[Account]:
    """Accounts at the request's address: by the ФИАС house learned before and the flat, else by the address words
    (settlement, street, house, flat; lower case, ё→е, «г.», «ул.», «д.», «кв.» dropped), the shorter of the two
    addresses ending the longer."""
    flat = norm(req.flat) if req.flat else ""
    if req.fias_house_guid:
        house = db.session.scalar(select(GisHouse).where(GisHouse.fias_house_guid == req.fias_house_guid))
        if house is not None:
            accs = db.session.scalars(select(Account).where(Account.building_id == house.building_id)
                                      .order_by(Account.id)).all()
            found = [a for a in accs if norm(a.apartment or "") == flat]
            if found:
                return found
    words = _request_tokens(req)
    streets = [w for w in words if not w.isdigit()]
    if len(words) < 2 or not streets:
        return []
    street = streets[-1]
    spellings = {street, street.capitalize(), street.upper()}
    rows = db.session.scalars(select(Account).where(or_(
        Account.search_text.like(f"%{street}%"), *(Account.address.like(f"%{s}%") for s in spellings)))
        .order_by(Account.id))
    out = []
    for acc in rows:
        mine = _account_tokens(acc)
        short, long_ = (mine, words) if len(mine) <= len(words) else (words, mine)
        if len(short) < 2 or long_[-len(short):] != short or (flat and mine[-1] != flat):
            continue
        place = address_tokens(acc.settlement)  # an address kept without its settlement: the settlement must agree
        if place and not all(w in words for w in place):
            continue
        out.append(acc)
    return out


def account_persons(account_id: int, on: date | None = None) -> list[Party]:
    """The persons linked to the account (owners, registered, tenants …) whose link has not ended by `on`."""
    q = (select(Party).join(AccountParty, AccountParty.party_id == Party.id)
         .where(AccountParty.account_id == account_id).order_by(Party.full_name, Party.id))
    if on is not None:
        q = q.where(or_(AccountParty.until.is_(None), AccountParty.until >= on))
    seen, out = set(), []
    for p in db.session.scalars(q):
        if p.id not in seen:
            seen.add(p.id)
            out.append(p)
    return out


def _snils(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def persons_named(req: GisRequest, persons: list[Party]) -> list[Party]:
    """The persons the applicant is: the same СНИЛС, else the same name (case- and ё/е-insensitive)."""
    snils = _snils(req.applicant_snils)
    if snils:
        same = [p for p in persons if _snils(p.snils) == snils]
        if same:
            return same
    key = rules.name_key(req.applicant_name)
    return [p for p in persons if key and rules.name_key(p.full_name) == key]


def auto_match(req: GisRequest) -> None:
    """Match by address and name; anything not certain (no account, several, the name not on the account) is
    left to the lawyer's review."""
    accounts = candidate_accounts(req)
    open_ = [a for a in accounts if a.closed_on is None] or accounts
    req.account_id = req.party_id = None
    if not open_:
        req.status, req.match_note = "review", _("No account at this address.")
        return
    if len(open_) > 1:
        req.status = "review"
        req.match_note = _("Several accounts at this address: %(numbers)s.", numbers=", ".join(a.number for a in open_))
        return
    acc = open_[0]
    if not req.applicant_name and not req.applicant_snils:
        req.account_id, req.status = acc.id, "matched"
        req.match_note = _("Matched by the address (the request names no person).")
        return
    named = persons_named(req, account_persons(acc.id, req.sent_on))
    req.account_id = acc.id
    if len(named) == 1:
        req.party_id, req.status = named[0].id, "matched"
        req.match_note = _("Matched by the address and the name.")
    elif named:
        req.status, req.match_note = "review", _("Several persons of the account have this name.")
    else:
        req.status, req.match_note = "review", _("The account at this address has no person with this name.")


def _check_open(req: GisRequest) -> None:
    if req.status == "answered":
        raise DomainError(_("The request has been answered; the answer is not changed."))


def confirm_match(req: GisRequest, user, account_id: int | None, party_id: int | None) -> None:
    """The lawyer's choice of the account and the person; the ФИАС house of the request is learned for the
    account's building."""
    _check_open(req)
    acc = db.session.get(Account, account_id) if account_id else None
    if acc is None:
        raise DomainError(_("Choose an account."))
    if party_id and party_id not in {p.id for p in account_persons(acc.id)}:
        raise DomainError(_("The person is not linked to the account."))
    req.account_id, req.party_id = acc.id, party_id or None
    req.status, req.match_note = "matched", _("Confirmed by %(user)s.", user=getattr(user, "full_name", "") or "—")
    req.matched_by_id, req.matched_at = getattr(user, "id", None), utcnow()
    if req.fias_house_guid and acc.building_id:
        house = db.session.scalar(select(GisHouse).where(GisHouse.fias_house_guid == req.fias_house_guid))
        if house is None:
            db.session.add(GisHouse(fias_house_guid=req.fias_house_guid, building_id=acc.building_id))
    db.session.flush()


def mark_not_ours(req: GisRequest, user) -> None:
    """«Не наш абонент»: nobody at this address is our account; the answer is «нет задолженности»."""
    _check_open(req)
    req.account_id = req.party_id = None
    req.status, req.match_note = "not_ours", _("Not our subscriber (%(user)s).",
                                              user=getattr(user, "full_name", "") or "—")
    req.matched_by_id, req.matched_at = getattr(user, "id", None), utcnow()
    db.session.flush()


# ------------------------------------------------------------------------------------------------- answer
def court_acts(account_id: int) -> list[tuple[rules.CourtAct, CourtRecord]]:
    """The account's court orders and judgments with what the rule needs (paid: the writ enforced in full, or no
    debt left on the account)."""
    recs = db.session.scalars(select(CourtRecord).join(Case, Case.id == CourtRecord.case_id)
                              .where(Case.account_id == account_id).order_by(CourtRecord.id)).all()
    if not recs:
        return []
    paid_ids = set(db.session.scalars(select(Enforcement.court_record_id).where(
        Enforcement.court_record_id.in_([r.id for r in recs]), Enforcement.end_reason == "paid")))
    balance = db.session.get(AccountBalance, account_id)
    no_debt = balance is not None and balance.balance_kop <= 0
    out = []
    for r in recs:
        amount = r.awarded_kop if r.awarded_kop is not None else r.principal_kop + r.penalty_kop + r.duty_kop
        out.append((rules.CourtAct(id=r.id, kind=r.kind, outcome=r.outcome, case_number=r.case_number,
                                   issued_on=r.issued_on, in_force_on=r.in_force_on, cancelled_on=r.cancelled_on,
                                   period_from=r.period_from, period_to=r.period_to, amount_kop=amount or 0,
                                   paid=r.id in paid_ids or no_debt), r))
    return out


def _d(d: date | None) -> str:
    return d.strftime("%d.%m.%Y") if d else "—"


def act_requisites(act: rules.CourtAct, court: Court | None) -> str:
    """The act's requisites as the answer states them (the act itself is attached when the app holds its file)."""
    words = ACT_KIND_WORDS.get(act.kind, act.kind)
    rub = f"{from_kopecks(act.amount_kop):,.2f}".replace(",", " ").replace(".", ",")
    text = f"{words} № {act.case_number or 'б/н'} от {_d(act.issued_on)}, вступил(о) в законную силу {_d(act.in_force_on)}"
    if court is not None:
        text += f", {court.name}"
    if act.period_from or act.period_to:
        text += f", период {_d(act.period_from)}–{_d(act.period_to)}"
    return text + f", сумма {rub} руб."


def propose(req: GisRequest, today: date) -> dict:
    """The answer the court records give: «есть задолженность» with the acts in force for the account, else
    «нет задолженности» (also for a request not matched to our account)."""
    if req.status == "not_ours" or req.account_id is None:
        return {"has_debt": False, "acts": [], "description": "", "documents": []}
    pairs = court_acts(req.account_id)
    found = rules.confirming_acts([a for a, _r in pairs], today, req.period_from, req.period_to)
    recs = {r.id: r for _a, r in pairs}
    acts = []
    for a in found:
        court = recs[a.id].court
        acts.append({"id": a.id, "kind": a.kind, "case_number": a.case_number,
                     "issued_on": a.issued_on.isoformat() if a.issued_on else None,
                     "in_force_on": a.in_force_on.isoformat(), "amount_kop": a.amount_kop,
                     "court": court.name if court else None, "requisites": act_requisites(a, court)})
    description = "; ".join(a["requisites"] for a in acts)[:1000]
    return {"has_debt": bool(acts), "acts": acts, "description": description,
            "documents": court_papers(req.account_id) if acts else []}


def court_papers(account_id: int) -> list[dict]:
    """The court papers the app issued for the account (the application for the order, the claim, the calculation):
    shown beside the answer — casework keeps the papers it issues, not the court's act itself."""
    from ..documents.models import Document

    rows = db.session.scalars(select(Document).where(Document.account_id == account_id,
                                                     Document.kind.in_(COURT_PAPERS))
                              .order_by(Document.issued_on.desc(), Document.id.desc()).limit(10))
    return [{"id": d.id, "number": d.number, "title": d.title, "issued_on": d.issued_on} for d in rows]


def _split_name(full: str) -> tuple[str, str, str | None]:
    parts = full.split()
    return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "",
            " ".join(parts[2:]) or None)


def debtor_person(req: GisRequest) -> dict | None:
    """The person the debt is confirmed for (debtInfo/person): the matched person, else the applicant named."""
    p = req.party
    if p is not None:
        last, first, middle = _split_name(p.full_name)
        return {"last": p.last_name or last, "first": p.first_name or first,
                "middle": p.middle_name if p.last_name else middle, "snils": _snils(p.snils) or None}
    if req.applicant_name:
        last, first, middle = _split_name(req.applicant_name)
        return {"last": last, "first": first, "middle": middle, "snils": _snils(req.applicant_snils) or None}
    return None


def answer(req: GisRequest, user, today: date, has_debt: bool, description: str | None = None) -> None:
    """Record the lawyer's answer once: «есть задолженность» only with an act in force that the court records hold
    (ПП 761 п. 8(1)); the acts, the person, who and when are kept as given, never recomputed."""
    _check_open(req)
    if req.status == "review":
        raise DomainError(_("Confirm the account (or mark «not our subscriber») before answering."))
    proposal = propose(req, today)
    person = None
    if has_debt:
        if not proposal["acts"]:
            raise DomainError(_("No court act in force confirms a debt: the answer can only be «no debt»."))
        person = debtor_person(req)
        if person is None or not person["last"] or not person["first"]:
            raise DomainError(_("Choose the person the debt is confirmed for."))
    acts = proposal["acts"] if has_debt else []
    text = (description or "").strip() or (proposal["description"] if has_debt else "")
    req.has_debt = bool(has_debt)
    req.answer = {"acts": acts, "person": person,
                  "account_number": req.account.number if req.account is not None else None}
    req.description = text.strip()[:1000] or None
    req.debt_kop = sum(a["amount_kop"] for a in acts) if acts else None
    req.transport_guid = str(uuid.uuid4())
    req.answered_by_id, req.answered_at, req.answered_on = getattr(user, "id", None), utcnow(), today
    req.status = "answered"
    db.session.flush()
    record_event("gis.answer", "gis_request", req.id, {"subrequest": req.subrequest_guid, "has_debt": req.has_debt,
                                                        "acts": [a["id"] for a in acts]}, actor=user)


# ------------------------------------------------------------------------------------------------- export
def create_export(user) -> GisExport:
    """Put the answered requests not yet exported (oldest first, at most 100: one message) into a new export."""
    for name in ("GIS_ORG_PPA_GUID", "GIS_EXECUTOR_GUID"):
        if not current_app.config[name]:
            raise DomainError(_("Set %(name)s (the enterprise's identifiers in ГИС ЖКХ) before exporting.", name=name))
    reqs = db.session.scalars(select(GisRequest).where(GisRequest.status == "answered", GisRequest.export_id.is_(None))
                              .order_by(GisRequest.answered_at, GisRequest.id).limit(MAX_ACTIONS)).all()
    if not reqs:
        raise DomainError(_("No answered request waits for export."))
    export = GisExport(message_guid=str(uuid.uuid4()), created_by_id=getattr(user, "id", None), count=len(reqs),
                       created_at=utcnow().replace(microsecond=0))
    db.session.add(export)
    db.session.flush()
    for r in reqs:
        r.export_id = export.id
    db.session.flush()
    record_event("gis.export", "gis_export", export.id, {"requests": [r.id for r in reqs]}, actor=user)
    return export


def _el(parent, ns: str, tag: str, text: str | None = None):
    e = ET.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        e.text = text
    return e


def export_xml(export: GisExport) -> bytes:
    """The importDSRResponses SOAP message of an export, built from the answers as they were given (the same
    bytes every time): one `drs:action` (Send) per subrequest, `hasDebt`, the requisites in `description`, the
    executor, and for a debt the person in `debtInfo`."""
    cfg = current_app.config
    P, B, D = parsing.SOAP, parsing.BASE, parsing.DRS
    for prefix, ns in (("soapenv", P), ("base", B), ("drs", D), ("nsi", parsing.NSI)):
        ET.register_namespace(prefix, ns)
    env = ET.Element(f"{{{P}}}Envelope")
    header = _el(_el(env, P, "Header"), B, "RequestHeader")
    _el(header, B, "Date", export.created_at.strftime("%Y-%m-%dT%H:%M:%S") + "Z")
    _el(header, B, "MessageGUID", export.message_guid)
    _el(header, B, "orgPPAGUID", cfg["GIS_ORG_PPA_GUID"])
    body = _el(_el(env, P, "Body"), D, "importDSRResponsesRequest")
    body.set("Id", "signed-data-container")
    body.set(f"{{{B}}}version", cfg["GIS_DRS_VERSION"])
    reqs = db.session.scalars(select(GisRequest).where(GisRequest.export_id == export.id).order_by(GisRequest.id))
    for r in reqs:
        action = _el(body, D, "action")
        _el(action, B, "TransportGUID", r.transport_guid)
        _el(action, D, "subrequestGUID", r.subrequest_guid)
        _el(action, D, "actionType", "Send")
        data = _el(action, D, "responseData")
        _el(data, D, "hasDebt", "true" if r.has_debt else "false")
        if r.description:
            _el(data, D, "description", r.description)
        _el(data, D, "executorGUID", cfg["GIS_EXECUTOR_GUID"])
        person = (r.answer or {}).get("person") if r.has_debt else None
        if person:
            p = _el(_el(data, D, "debtInfo"), D, "person")
            _el(p, D, "firstName", person["first"])
            _el(p, D, "lastName", person["last"])
            if person.get("middle"):
                _el(p, D, "middleName", person["middle"])
            if person.get("snils"):
                _el(p, D, "snils", person["snils"])
    return ET.tostring(env, encoding="utf-8", xml_declaration=True)
