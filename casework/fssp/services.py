"""The bailiffs' reconciliation against the writs: match each reported proceeding to an enforcement, show what would
change, and apply it on the lawyer's confirmation.

Reads first (`review_upload`, `load_review`), writes only on confirmation (`apply_review`): enforcement fields through
the ORM (each change an audit row), receipts through the ledger import (`imports.commit_import`, source
`enforcement`, dedup keys, figures refreshed) — only the receipts the lawyer ticked, and never one the ledger
already holds (the same date and amount, e.g. imported from the billing: «уже в учёте»).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from ..accounts.models import Account, AccountParty, LedgerEntry, Party, Service
from ..audit.services import record_event
from ..cases.labels import END_REASON_LABELS, PROCEEDINGS_STATUS_LABELS
from ..cases.models import BailiffUnit, Case, Enforcement
from ..domain import enforcement as enf
from ..domain.money import from_kopecks
from ..extensions import db
from ..i18n import _, _l
from ..imports.columns import norm
from ..imports.services import commit_import
from ..imports.uploads import load_upload_set, store_upload_set
from ..timeutil import today
from . import parser

MATCHED, AMBIGUOUS, UNMATCHED = "matched", "ambiguous", "unmatched"
NEW, IN_LEDGER = "new", "in_ledger"
RECEIPT_SOURCES = ("enforcement", "employer")


@dataclass
class RowReview:
    """One reported proceeding: what it matched, what would change, which receipts are new."""

    index: int
    p: parser.Proceeding
    state: str = UNMATCHED
    how: str | None = None                 # ip | writ | debtor
    enforcement_id: int | None = None
    case_id: int | None = None
    account_number: str | None = None
    candidates: list[dict] = field(default_factory=list)
    reason: str | None = None
    changes: list[dict] = field(default_factory=list)
    receipts: list[dict] = field(default_factory=list)
    re_present_on: date | None = None
    writ_term_end: date | None = None
    silent_days: int | None = None        # nothing moved this long (ENFORCEMENT_SILENCE_DAYS reached)
    complaint_by: date | None = None      # last day of the complaint (229-ФЗ ст.122), learned today

    @property
    def new_receipts(self) -> list[dict]:
        return [r for r in self.receipts if r["state"] == NEW]


# ------------------------------------------------------------------------------------------------ matching
def _candidate(e: Enforcement, case: Case, account: Account) -> dict:
    return {"id": e.id, "case_id": case.id, "account_number": account.number, "debtor": account.debtor_name,
            "writ_number": e.writ_number, "writ_date": e.writ_date, "amount_kop": e.amount_kop,
            "proceedings_number": e.proceedings_number}


def _bailiff_enforcements() -> list[tuple[Enforcement, Case, Account]]:
    return list(db.session.execute(
        select(Enforcement, Case, Account).join(Case, Case.id == Enforcement.case_id)
        .join(Account, Account.id == Case.account_id).where(Enforcement.destination == "bailiff")
        .order_by(Enforcement.id)).all())


def _by_debtor(p: parser.Proceeding, rows) -> list:
    """Enforcements of accounts where a person of the same name and birth date is a party, for the same amount."""
    if not p.debtor_name or not p.debtor_birth:
        return []
    name = norm(p.debtor_name)
    accounts = {acc_id for acc_id, full in db.session.execute(
        select(AccountParty.account_id, Party.full_name).join(Party, Party.id == AccountParty.party_id)
        .where(Party.birth_date == p.debtor_birth)) if norm(full) == name}
    out = [r for r in rows if r[2].id in accounts]
    if p.debt_kop is not None:
        out = [r for r in out if r[0].amount_kop == p.debt_kop]
    return out


def match(p: parser.Proceeding, rows) -> tuple[str, str | None, list, str | None]:
    """(state, how, candidates, why): by the ИП number already recorded, else by the writ's number and date, else
    by the debtor's name, birth date and the amount; several → ambiguous (the lawyer picks), none → unmatched."""
    if p.ip_number:
        found = [r for r in rows if r[0].proceedings_number and r[0].proceedings_number.strip() == p.ip_number]
        if len(found) == 1:
            return MATCHED, "ip", found, None
    if p.writ_number:
        key = enf.writ_key(p.writ_number)
        found = [r for r in rows if enf.writ_key(r[0].writ_number) == key
                 and (p.writ_date is None or r[0].writ_date == p.writ_date)]
        if len(found) == 1:
            return MATCHED, "writ", found, None
        if len(found) > 1:
            return AMBIGUOUS, "writ", found, _("Several writs have the number %(n)s of %(d)s.", n=p.writ_number,
                                               d=p.writ_date.strftime("%d.%m.%Y") if p.writ_date else "—")
    found = _by_debtor(p, rows)
    if len(found) == 1:
        return MATCHED, "debtor", found, None
    if len(found) > 1:
        return AMBIGUOUS, "debtor", found, _("Several writs are against %(name)s born %(d)s for this amount.",
                                             name=p.debtor_name, d=p.debtor_birth.strftime("%d.%m.%Y"))
    return UNMATCHED, None, [], _("No writ has the number %(n)s of %(d)s, and no debtor %(name)s born %(b)s has a "
                                  "writ for this amount.", n=p.writ_number or "—",
                                  d=p.writ_date.strftime("%d.%m.%Y") if p.writ_date else "—",
                                  name=p.debtor_name or "—",
                                  b=p.debtor_birth.strftime("%d.%m.%Y") if p.debtor_birth else "—")


# ------------------------------------------------------------------------------------------------- the plan
FIELD_LABELS = {
    "proceedings_number": _l("ИП number"), "proceedings_opened_on": _l("date of initiation"),
    "proceedings_status": _l("status"), "ended_on": _l("end date"), "end_reason": _l("end ground"),
    "end_article": _l("article of 229-ФЗ"), "bailiff_name": _l("bailiff"), "bailiff_unit": _l("bailiff unit"),
}


def _shown(f: str, v) -> str | None:
    """A value as the review page shows it: dates dd.mm.yyyy, statuses and grounds in words."""
    if v is None:
        return None
    if isinstance(v, date):
        return v.strftime("%d.%m.%Y")
    if f == "proceedings_status":
        return str(PROCEEDINGS_STATUS_LABELS.get(v, v))
    if f == "end_reason":
        return str(END_REASON_LABELS.get(v, v))
    return str(v)


def _plan_fields(p: parser.Proceeding, e: Enforcement) -> list[dict]:
    """What the report changes in the enforcement record (only what it says; an empty cell changes nothing)."""
    new = {"proceedings_number": p.ip_number, "proceedings_opened_on": p.ip_opened_on,
           "proceedings_status": p.status, "bailiff_name": p.bailiff_name}
    if p.status in (enf.ENDED, enf.TERMINATED):
        new["ended_on"] = p.ended_on
        if p.ground is not None:
            new["end_reason"] = p.ground.reason
            new["end_article"] = p.ground.ref
    out = []
    for f, v in new.items():
        if v is not None and getattr(e, f) != v:
            old = getattr(e, f)
            out.append({"field": f, "label": str(FIELD_LABELS[f]),
                        "old": old.isoformat() if isinstance(old, date) else old,
                        "new": v.isoformat() if isinstance(v, date) else v,
                        "old_shown": _shown(f, old), "new_shown": _shown(f, v)})
    if p.unit_name:
        current = e.bailiff_unit.name if e.bailiff_unit is not None else None
        if norm(current) != norm(p.unit_name):
            out.append({"field": "bailiff_unit", "label": str(FIELD_LABELS["bailiff_unit"]), "old": current,
                        "new": p.unit_name, "old_shown": current, "new_shown": p.unit_name})
    return out


def _ledger_payments(account_id: int) -> list[tuple[date, int, str | None]]:
    return [tuple(r) for r in db.session.execute(
        select(LedgerEntry.paid_on, LedgerEntry.amount_kop, LedgerEntry.source)
        .where(LedgerEntry.account_id == account_id, LedgerEntry.kind == "payment"))]


def receipt_in_ledger(paid_on: date, amount_kop: int, ledger: list[tuple[date, int, str | None]]) -> bool:
    """A transfer is already in the ledger when a payment of that day has its amount, or the payments of that day
    add up to it (a billing splits one receipt across services) — whatever source the billing gave it."""
    same_day = [a for d, a, _s in ledger if d == paid_on]
    return amount_kop in same_day or (bool(same_day) and sum(same_day) == amount_kop)


def _plan_receipts(p: parser.Proceeding, e: Enforcement, account_id: int, day: date) -> list[dict]:
    ledger = _ledger_payments(account_id)
    out = []
    if p.payments:
        for paid_on, kop in p.payments:
            out.append({"paid_on": paid_on.isoformat(), "amount_kop": kop,
                        "state": IN_LEDGER if receipt_in_ledger(paid_on, kop, ledger) else NEW, "total": False})
        return out
    reported = p.transferred_kop if p.transferred_kop is not None else p.recovered_kop
    if not reported:
        return out
    have = sum(a for d, a, s in ledger if s in RECEIPT_SOURCES and d >= e.sent_on)
    if reported > have:  # only the sum: the part not yet in the ledger, dated the day of the report
        on = p.ended_on or day
        kop = reported - have
        out.append({"paid_on": on.isoformat(), "amount_kop": kop, "total": True,
                    "state": IN_LEDGER if receipt_in_ledger(on, kop, ledger) else NEW})
    else:
        out.append({"paid_on": None, "amount_kop": reported, "total": True, "state": IN_LEDGER})
    return out


def _check_silence(rv: RowReview, e: Enforcement, account_id: int, day: date) -> None:
    """Nothing moved — no receipt (in the ledger or in the report), no change of status — for the configured time:
    the взыскатель learns of the inaction today, and has ten days to complain (229-ФЗ ст.122, ст.15 ч.2)."""
    from flask import current_app

    from ..cases.services import business_calendar

    moves = [e.sent_on, e.proceedings_opened_on, e.status_changed_on, rv.p.ip_opened_on,
             *(d for d, _a in rv.p.payments),
             *(d for d, _a, s in _ledger_payments(account_id) if s in RECEIPT_SOURCES and d >= e.sent_on)]
    if any(c["field"] == "proceedings_status" and c["old"] is not None for c in rv.changes):
        moves.append(day)
    since = max(d for d in moves if d is not None)
    days = (day - since).days
    if days >= int(current_app.config["ENFORCEMENT_SILENCE_DAYS"]):
        rv.silent_days = days
        rv.complaint_by = enf.complaint_last_day(day, business_calendar())


def review_rows(procs: list[parser.Proceeding], picks: dict[int, int] | None = None) -> list[RowReview]:
    """Match and plan every proceeding; `picks` (row index → enforcement id) resolves ambiguous rows."""
    rows = _bailiff_enforcements()
    by_id = {r[0].id: r for r in rows}
    day = today()
    out = []
    for i, p in enumerate(procs):
        rv = RowReview(index=i, p=p)
        rv.state, rv.how, found, rv.reason = match(p, rows)
        rv.candidates = [_candidate(*r) for r in found]
        pick = (picks or {}).get(i)
        if rv.state == AMBIGUOUS and pick in {c["id"] for c in rv.candidates}:
            found, rv.state = [by_id[pick]], MATCHED
        if rv.state == MATCHED:
            e, case, account = found[0]
            rv.enforcement_id, rv.case_id, rv.account_number = e.id, case.id, account.number
            rv.changes = _plan_fields(p, e)
            rv.receipts = _plan_receipts(p, e, account.id, day)
        if rv.state == MATCHED and p.status in (enf.IN_PROGRESS, enf.SUSPENDED, None):
            _check_silence(rv, found[0][0], found[0][2].id, day)
        if p.ground is not None and p.ended_on is not None and p.ground.reason in ("impossible", "returned"):
            rv.re_present_on = enf.re_presentation_date(p.ended_on, p.ground)
            rv.writ_term_end = enf.writ_term_end(p.ended_on)
        out.append(rv)
    return out


# --------------------------------------------------------------------------------------------- the upload
def review_upload(uploads: list[tuple[str, bytes]]) -> tuple[str, list[RowReview]]:
    """Read the upload (refuses what is not a reconciliation), keep its files and review it; the token names it."""
    procs = parser.read_upload(uploads)
    token, _file_tokens = store_upload_set("fssp", uploads)
    return token, review_rows(procs)


def load_review(token: str, picks: dict[int, int] | None = None) -> list[RowReview] | None:
    """The stored upload reviewed again, against the database as it is now (None: unknown token)."""
    listing = load_upload_set("fssp", token)
    if listing is None:
        return None
    return review_rows(parser.read_upload([(n, d) for n, d, _t in listing]), picks)


# ------------------------------------------------------------------------------------------------- apply
def _unit(name: str) -> BailiffUnit:
    for u in db.session.scalars(select(BailiffUnit)):
        if norm(u.name) == norm(name):
            return u
    u = BailiffUnit(name=name[:300])
    db.session.add(u)
    db.session.flush()
    return u


def _service_code(account_id: int) -> str:
    """The service a receipt is posted to: the account's most charged one (the allocation spreads it anyway)."""
    sid = db.session.scalar(select(LedgerEntry.service_id).where(
        LedgerEntry.account_id == account_id, LedgerEntry.kind.in_(("charge", "opening")))
        .group_by(LedgerEntry.service_id).order_by(func.sum(LedgerEntry.amount_kop).desc()).limit(1))
    if sid is None:
        sid = db.session.scalar(select(Service.id).order_by(Service.sort_order, Service.id).limit(1))
    return db.session.get(Service, sid).code


def apply_row(rv: RowReview, day: date) -> dict:
    """Write one matched row's field changes; a change of status counts as a movement (the silence alert)."""
    e = db.session.get(Enforcement, rv.enforcement_id)
    for c in rv.changes:
        if c["field"] == "bailiff_unit":
            e.bailiff_unit_id = _unit(c["new"]).id
            continue
        value = date.fromisoformat(c["new"]) if c["field"].endswith("_on") else c["new"]
        if c["field"] == "proceedings_status" and (c["old"] is not None or value != enf.IN_PROGRESS):
            # a real change of status (not the first report that it is in progress): a movement of the proceeding
            e.status_changed_on = rv.p.ended_on if value in (enf.ENDED, enf.TERMINATED) and rv.p.ended_on else day
        setattr(e, c["field"], value)
    e.reconciled_on = day
    db.session.flush()
    return {"changed": len(rv.changes)}


def apply_review(token: str, user, *, picks: dict[int, int], rows: set[int], receipts: set[tuple[int, int]]
                 ) -> dict | None:
    """Apply the ticked rows' changes and add the ticked new receipts to the ledger (source enforcement), then
    record the reconciliation. Receipts the ledger already holds are never added. Flushes only."""
    reviews = load_review(token, picks)
    if reviews is None:
        return None
    day = today()
    totals = {"rows": 0, "changes": 0, "receipts": 0, "receipts_kop": 0, "in_ledger": 0}
    ledger_rows = []
    for rv in reviews:
        if rv.state != MATCHED or rv.index not in rows:
            continue
        done = apply_row(rv, day)
        totals["rows"] += 1
        totals["changes"] += done["changed"]
        account_id = db.session.scalar(select(Case.account_id).where(Case.id == rv.case_id))
        for j, r in enumerate(rv.receipts):
            if r["state"] != NEW:
                totals["in_ledger"] += 1
                continue
            if (rv.index, j) not in receipts:
                continue
            ledger_rows.append({"account_number": rv.account_number, "period": "", "service": _service_code(account_id),
                                "kind": "payment", "amount": str(from_kopecks(r["amount_kop"])),
                                "paid_on": r["paid_on"], "source": "enforcement", "paid_period": "",
                                "reference": f"ИП {rv.p.ip_number or rv.p.writ_number}"[:64], "reverses": ""})
            totals["receipts"] += 1
            totals["receipts_kop"] += r["amount_kop"]
        record_event("fssp.reconcile", "enforcements", rv.enforcement_id,
                     {"ip": rv.p.ip_number, "origin": rv.p.origin, "changes": rv.changes}, actor=user)
    if ledger_rows:
        data = json.dumps({"rows": ledger_rows}, ensure_ascii=False, separators=(",", ":")).encode()
        batch = commit_import("ledger", data, f"fssp-{token[:12]}.json", user, via="fssp")
        if batch.status != "committed":
            from ..domain.errors import DomainError

            raise DomainError(_("The receipts could not be added to the ledger: %(m)s",
                                m=batch.message or batch.status))
        totals["batch_id"] = batch.id
    db.session.flush()
    return totals
