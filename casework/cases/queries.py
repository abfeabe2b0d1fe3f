"""Reads for the cases area: the work queue, the neglected list, the filtered case list, the timeline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import g, has_request_context, request
from sqlalchemy import exists, false, func, select
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from ..accounts.models import Account, AccountBalance, AccountServiceNorm, LedgerEntry, Service, Territory
from ..auth.models import User
from ..contacts import labels as contact_labels
from ..contacts.models import Contact, PaymentAgreement, Promise
from ..contacts.queries import due_items_for
from ..documents.models import Document
from ..domain import enforcement as enforcement_rules
from ..domain.restriction import DERIVED_NORM_MONTHS, derived_norm_kop
from ..extensions import db
from . import labels
from .models import (
    Alert,
    BailiffUnit,
    Case,
    Court,
    CourtRecord,
    Deadline,
    Enforcement,
    Hold,
    StageChange,
    WriteOffProposal,
)
from .services import kept_agreement_exists, norm_info, open_threshold_kop, service_debt_kop, service_monthly_charges

SECTION_LIMIT = 50  # rows per queue section: a day's work, not a report (the full list is on /cases/)


@dataclass
class CaseFilter:
    stage: str | None = None
    assignee_id: int | None = None   # 0 = unassigned
    territory_id: int | None = None
    debt_min_kop: int | None = None
    debt_max_kop: int | None = None
    hold: str | None = None          # 'any' | 'none' | a reason
    q: str | None = None
    open_only: bool = True


def _noindex(col):
    """`+col` on SQLite (a no-op there that no index can serve); the column itself elsewhere."""
    if db.session.get_bind().dialect.name == "sqlite":
        return UnaryExpression(col, operator=custom_op("+"))
    return col


def _list_conds(f: CaseFilter, walk: bool = False) -> list:
    """The filter's conditions; `walk`: written so that SQLite cannot answer them from an index (see
    case_list_stmt) — the same conditions, only the plan differs."""
    col = _noindex if walk else (lambda c: c)
    conds = []
    if f.open_only:
        conds.append(col(Case.is_open).is_(True))
    if f.stage:
        conds.append(col(Case.stage) == f.stage)
    if f.assignee_id is not None:
        conds.append(col(Case.assignee_id).is_(None) if f.assignee_id == 0 else col(Case.assignee_id) == f.assignee_id)
    if f.territory_id:
        conds.append(col(Account.territory_id) == f.territory_id)
    if f.debt_min_kop is not None:
        conds.append(AccountBalance.balance_kop >= f.debt_min_kop)
    if f.debt_max_kop is not None:
        conds.append(AccountBalance.balance_kop <= f.debt_max_kop)
    if f.hold == "any":
        conds.append(Case.hold_reason.is_not(None))
    elif f.hold == "none":
        conds.append(Case.hold_reason.is_(None))
    elif f.hold:
        conds.append(col(Case.hold_reason) == f.hold)
    if f.q:  # the same terms as the account search (search_text is normalised: ё→е, no punctuation)
        from ..accounts.queries import search_terms

        conds.extend(Account.search_text.contains(t, autoescape=True) for t in search_terms(f.q))
    return conds


def _is_open_walk():
    """`cases.is_open` for lists sorted by debt, written so that SQLite walks the balance index (see case_list_stmt)."""
    return _noindex(Case.is_open).is_(True)


WALK_FROM = 2_000  # SQLite: this many matching cases or more → walk the balance index; fewer → filter, then sort


def _memo_count(f: CaseFilter) -> int:
    """case_count(f), remembered for the rest of the request (the list view asks for it after the page)."""
    if not has_request_context():
        return case_count(f)
    key = ("_cw_case_count", request._get_current_object(), repr(f))
    memo = g.setdefault("_cw_case_counts", {})
    if key not in memo:
        memo.clear()
        memo[key] = case_count(f)
    return memo[key]


def case_list_stmt(f: CaseFilter):
    """Cases with account and balance columns, filtered; ordered by debt, largest first.

    An inner join to account_balances (every account with a case has its figures) lets the database walk
    ix_account_balances_balance backwards and stop after one page instead of sorting every open case."""
    stmt = (select(Case.id, Case.stage, Case.stage_since, Case.hold_reason, Case.hold_until, Case.next_action_on,
                   Case.assignee_id, Account.id.label("account_id"), Account.number, Account.debtor_name,
                   Account.address, AccountBalance.balance_kop, AccountBalance.months_in_arrears,
                   User.full_name.label("assignee_name"))
            .select_from(AccountBalance)
            .join(Case, Case.account_id == AccountBalance.account_id)
            .join(Account, Account.id == Case.account_id)
            .outerjoin(User, User.id == Case.assignee_id))
    # SQLite does not see the filter's values, so it is told the plan: with many matching cases, walk
    # ix_account_balances_balance from the top (filter terms written so no other index is taken) and stop after
    # one page; with few, find them through the filter's index and sort them (ORDER BY written `+balance`).
    # PostgreSQL plans by cost with the values and gets the plain statement.
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    # a search by a 1–2 letter fragment is not counted (see count_is_cheap): it walks as well
    walk = sqlite and (not _narrowing(f) or not count_is_cheap(f) or _memo_count(f) >= WALK_FROM)
    conds = _list_conds(f, walk=walk) + _search_prefilter(f)
    key = AccountBalance.balance_kop if walk or not sqlite else _noindex(AccountBalance.balance_kop)
    # ties on the balance broken by the balance table's key, then the case (an account's cases come in id
    # order from ix_cases_account_id): the whole ORDER BY is the index order, no sort step
    return stmt.where(*conds).order_by(key.desc(), AccountBalance.account_id.desc(), Case.id)


def _narrowing(f: CaseFilter) -> bool:
    """Whether the filter has a condition beyond open/closed and the debt range (which the walk itself serves)."""
    return bool(f.stage or f.assignee_id is not None or f.territory_id or f.hold or (f.q and f.q.strip()))


def _search_prefilter(f: CaseFilter) -> list:
    """SQLite: the accounts' trigram index narrows a name/number search first (the LIKE of _list_conds decides)."""
    if not (f.q and f.q.strip()):
        return []
    from ..accounts.queries import fts_prefilter, search_terms

    terms = search_terms(f.q)  # the normalised terms the LIKEs use (ё→е, punctuation dropped)
    fts = fts_prefilter(terms) if terms else None
    return [] if fts is None else [fts]


INDEXED_TERM = 3  # a trigram index (FTS5 trigram, pg_trgm) can answer a search term of this many characters or more


def count_is_cheap(f: CaseFilter) -> bool:
    """Whether the filter's count can be answered through an index: no search, or every term long enough for the
    trigram index. A 1–2 character fragment («ип», «ао») makes the count scan every open case with its account."""
    if not (f.q and f.q.strip()):
        return True
    from ..accounts.queries import search_terms

    return all(len(t) >= INDEXED_TERM for t in search_terms(f.q))


def case_count(f: CaseFilter) -> int:
    """Number of cases matching the filter."""
    if has_request_context():
        memo = g.get("_cw_case_counts") or {}
        key = ("_cw_case_count", request._get_current_object(), repr(f))
        if key in memo:
            return memo[key]
    return int(db.session.scalar(case_count_stmt(f)) or 0)


def case_count_stmt(f: CaseFilter):
    """The count of the case list, joining only the tables the filter needs."""
    stmt = select(func.count()).select_from(Case)
    if f.territory_id or f.q:
        stmt = stmt.join(Account, Account.id == Case.account_id)
    if f.debt_min_kop is not None or f.debt_max_kop is not None:
        stmt = stmt.join(AccountBalance, AccountBalance.account_id == Case.account_id)
    return stmt.where(*_list_conds(f), *_search_prefilter(f))


def case_ids_for(f: CaseFilter, limit: int = 100_000) -> list[int]:
    return list(db.session.scalars(case_list_stmt(f).with_only_columns(Case.id).order_by(None).limit(limit)))


def _case_cols():
    return (Case.id.label("case_id"), Account.number, Account.debtor_name, Case.stage, Case.assignee_id)


def _mine(stmt, user_id):
    return stmt if user_id is None else stmt.where(Case.assignee_id == user_id)


def _section(stmt, order: list, user_id: int | None) -> list[dict]:
    """One queue section: the first SECTION_LIMIT rows of `stmt` (cases and their items) in `order` (the columns
    as `stmt` names them), then the account's number and debtor joined to those rows only (not to every
    candidate before the cut)."""
    cut = _mine(stmt, user_id).order_by(*order).limit(SECTION_LIMIT).subquery()
    rows = db.session.execute(select(cut, Account.number, Account.debtor_name, AccountBalance.balance_kop,
                                     AccountBalance.overdue_kop)
                              .join(Account, Account.id == cut.c.account_id)
                              .outerjoin(AccountBalance, AccountBalance.account_id == cut.c.account_id)
                              .order_by(*(cut.c[name] for name in order)))
    return [dict(r._mapping) for r in rows]


def queue(user_id: int | None, today: date) -> dict[str, list[dict]]:
    """The day's work: sections of dict rows (case_id, number, debtor_name, stage, due_on, kind, …).
    user_id None = everybody's (managers)."""
    out: dict[str, list[dict]] = {}
    base = select(Case.id.label("case_id"), Case.account_id, Case.stage, Case.assignee_id).where(
        Case.is_open.is_(True))
    out["actions"] = [dict(r, kind="next_action") for r in _section(
        base.add_columns(Case.next_action_on.label("due_on"), Case.next_action.label("text"))
        .where(Case.next_action_on <= today), ["due_on", "case_id"], user_id)]
    out["deadlines"] = _section(
        base.add_columns(Deadline.kind, Deadline.due_on, Deadline.starts_on)
        .join(Deadline, Deadline.case_id == Case.id)
        .where(Deadline.reached_on.is_not(None), Deadline.done_on.is_(None)), ["due_on", "case_id"], user_id)
    out["alerts"] = _section(
        base.add_columns(Alert.id.label("alert_id"), Alert.kind, Alert.raised_on.label("due_on"), Alert.params)
        .join(Alert, Alert.case_id == Case.id).where(Alert.resolved_on.is_(None)), ["due_on", "case_id"], user_id)
    limitation = _section(
        base.add_columns(Deadline.due_on, Deadline.starts_on)
        .join(Deadline, Deadline.case_id == Case.id)
        .where(Deadline.kind == "limitation", Deadline.done_on.is_(None),
               Deadline.due_on >= today, Deadline.due_on <= today + timedelta(days=90)),
        ["due_on", "case_id"], user_id)
    out["limitation"] = [dict(r, within=30 if (r["due_on"] - today).days <= 30 else
                              60 if (r["due_on"] - today).days <= 60 else 90) for r in limitation]
    out["contacts"] = contacts_items(user_id, today)
    out["new_debtors"] = new_debtors(limit=50) if user_id is None else []
    return out


def queue_counts(user_id: int | None) -> dict[str, int]:
    """The real size of the queue: open cases (of the user, or everybody's) and those with overdue debt
    (account_balances.overdue_kop > 0), with the sum of that overdue debt."""
    stmt = (select(func.count(), func.count(AccountBalance.account_id).filter(AccountBalance.overdue_kop > 0),
                   func.coalesce(func.sum(AccountBalance.overdue_kop), 0))
            .select_from(Case).outerjoin(AccountBalance, AccountBalance.account_id == Case.account_id)
            .where(Case.is_open.is_(True)))
    if user_id is not None:
        stmt = stmt.where(Case.assignee_id == user_id)
    total, overdue, overdue_kop = db.session.execute(stmt).one()
    return {"open": int(total or 0), "overdue": int(overdue or 0), "overdue_kop": int(overdue_kop or 0)}


def contacts_items(user_id: int | None, today: date) -> list[dict]:
    """Promises due/broken and agreement instalments overdue (contacts.queries.due_items_for), at most a section."""
    return due_items_for(user_id, today, limit=SECTION_LIMIT)


def new_debtors(limit: int = 50, count: bool = False):
    """Accounts above the opening threshold with no open case (`account_balances.has_open_case`, kept by the
    cases area: a range of ix_account_balances_without_case, usually empty since the daily job opens their cases).
    Within one request a list that came back shorter than its limit also answers the count."""
    threshold = open_threshold_kop()
    req = request._get_current_object() if has_request_context() else None
    memo = g.setdefault("_cw_new_debtors", {}) if req is not None else {}
    hit = memo.pop(threshold, None) if count else None
    if hit is not None and hit[0] is req and len(hit[1]) < hit[2]:
        return len(hit[1])
    stmt = (select(Account.id, Account.number, Account.debtor_name, AccountBalance.balance_kop)
            .join(AccountBalance, AccountBalance.account_id == Account.id)
            .where(AccountBalance.has_open_case == false(), AccountBalance.balance_kop > threshold,
                   # the daily job opens a case for overdue debt only, and none under a kept agreement
                   AccountBalance.overdue_kop > threshold, ~kept_agreement_exists(AccountBalance.account_id)))
    if count:
        return db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = [dict(r._mapping) for r in db.session.execute(stmt.order_by(AccountBalance.balance_kop.desc())
                                                          .limit(limit))]
    if req is not None:
        memo[threshold] = (req, rows, limit)
    return rows


def neglected_stmt(user_id: int | None, today: date):
    """Open cases above the threshold with no planned action (none, or overdue), no hold and no running term."""
    running = exists().where(Deadline.case_id == Case.id, Deadline.done_on.is_(None), Deadline.kind != "limitation")
    stmt = (select(Case.id, Account.number, Account.debtor_name, Case.stage, Case.stage_since, Case.assignee_id,
                   AccountBalance.balance_kop, User.full_name.label("assignee_name"))
            .join(Account, Account.id == Case.account_id)
            .join(AccountBalance, AccountBalance.account_id == Case.account_id)
            .outerjoin(User, User.id == Case.assignee_id)
            .where(_is_open_walk(), _noindex(Case.hold_reason).is_(None), _noindex(Case.next_action_on).is_(None),
                   AccountBalance.balance_kop > open_threshold_kop(), ~running))
    if user_id is not None:
        stmt = stmt.where(_noindex(Case.assignee_id) == user_id)
    # the same index walk as the case list (see case_list_stmt): balance index order, no sort of every case (on
    # SQLite every case term is written so that no case index is taken instead: about a quarter of the open cases
    # are neglected, so the walk stops after a page)
    return stmt.order_by(AccountBalance.balance_kop.desc(), AccountBalance.account_id.desc(), Case.id)


def timeline(case: Case) -> list[dict]:
    """Every stage change, hold, deadline, court and enforcement step, contact, document and payment, newest first."""
    ev: list[dict] = []
    users = {}

    def who(uid):
        if uid is None:
            return None
        if uid not in users:
            users[uid] = db.session.scalar(select(User.full_name).where(User.id == uid))
        return users[uid]

    for sc in db.session.scalars(select(StageChange).where(StageChange.case_id == case.id)):
        text = sc.reason
        if (sc.details or {}).get("auto"):  # the daily job's reason, in the user's language
            why = (sc.details or {}).get("why") or (sc.reason if sc.reason == "daily" else None)
            text = str(labels.AUTO_REASON_LABELS[why]) if why in labels.AUTO_REASON_LABELS else sc.reason
        ev.append({"on": sc.changed_on, "at": sc.created_at, "kind": "stage", "from": sc.from_stage,
                   "to": sc.to_stage, "text": text, "who": who(sc.user_id), "details": sc.details})
    for h in db.session.scalars(select(Hold).where(Hold.case_id == case.id)):
        ev.append({"on": h.started_on, "kind": "hold", "reason": h.reason, "text": h.note, "who": who(h.started_by),
                   "review_on": h.review_on})
        if h.ended_on:
            ev.append({"on": h.ended_on, "kind": "hold_end", "reason": h.reason, "text": h.end_note,
                       "who": who(h.ended_by)})
    for d in db.session.scalars(select(Deadline).where(Deadline.case_id == case.id)):
        ev.append({"on": d.starts_on, "kind": "deadline", "deadline": d.kind, "due_on": d.due_on,
                   "done_on": d.done_on, "blocked": None if d.done_on else (d.params or {}).get("blocked")})
    for r in db.session.scalars(select(CourtRecord).where(CourtRecord.case_id == case.id)):
        ev.append({"on": r.filed_on or r.created_at.date(), "kind": "court", "court_kind": r.kind,
                   "outcome": r.outcome, "text": r.case_number, "who": who(r.created_by),
                   "amount_kop": r.principal_kop + r.penalty_kop})
    for e in db.session.scalars(select(Enforcement).where(Enforcement.case_id == case.id)):
        ev.append({"on": e.sent_on, "kind": "enforcement", "destination": e.destination, "text": e.writ_number,
                   "amount_kop": e.amount_kop})
    for p in db.session.scalars(select(WriteOffProposal).where(WriteOffProposal.case_id == case.id)):
        ev.append({"on": p.proposed_on, "kind": "writeoff", "ground": p.ground, "who": who(p.proposed_by),
                   "decision": p.decision, "text": p.evidence})
    for a in db.session.scalars(select(Alert).where(Alert.case_id == case.id)):
        ev.append({"on": a.raised_on, "kind": "alert", "alert": a.kind, "resolved_on": a.resolved_on})
    for paid_on, amount, source in db.session.execute(
            select(LedgerEntry.paid_on, func.sum(LedgerEntry.amount_kop), LedgerEntry.source)
            .where(LedgerEntry.account_id == case.account_id, LedgerEntry.kind == "payment",
                   LedgerEntry.paid_on >= case.opened_on - timedelta(days=365))
            .group_by(LedgerEntry.paid_on, LedgerEntry.source)):
        ev.append({"on": paid_on, "kind": "payment", "amount_kop": int(amount), "source": source})
    channels, outcomes = contact_labels.CHANNEL_LABELS, contact_labels.OUTCOME_LABELS
    for c in db.session.scalars(select(Contact).where(Contact.account_id == case.account_id)
                                .order_by(Contact.id.desc()).limit(200)):
        ev.append({"on": c.contacted_at.date(), "kind": "contact", "channel": str(channels.get(c.channel, c.channel)),
                   "outcome": str(outcomes.get(c.outcome, c.outcome or "")), "text": c.note, "who": who(c.author_id)})
    statuses = contact_labels.PROMISE_STATUS_LABELS
    for p in db.session.scalars(select(Promise).where(Promise.account_id == case.account_id)
                                .order_by(Promise.id.desc()).limit(200)):
        ev.append({"on": p.promised_on, "kind": "promise", "amount_kop": p.amount_kop, "due_on": p.due_on,
                   "status": str(statuses.get(p.status, p.status)), "text": p.note, "who": who(p.author_id)})
    astatuses = contact_labels.AGREEMENT_STATUS_LABELS
    for a in db.session.scalars(select(PaymentAgreement).where(PaymentAgreement.account_id == case.account_id,
                                                               PaymentAgreement.signed_on.is_not(None))
                                .order_by(PaymentAgreement.id.desc()).limit(200)):
        ev.append({"on": a.signed_on, "kind": "agreement", "amount_kop": a.debt_kop, "number": a.number,
                   "months": a.months, "status": str(astatuses.get(a.status, a.status)), "who": who(a.author_id)})
    for d in db.session.scalars(select(Document).where(Document.case_id == case.id)
                                .order_by(Document.id.desc()).limit(200)):
        ev.append({"on": d.issued_on, "kind": "document", "text": f"{d.number} {d.title}", "who": who(d.issued_by_id)})
    ev.sort(key=lambda e: (e["on"] or date.min), reverse=True)
    return ev


def assignable_users() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_(("collector", "lawyer", "manager")),
                                                      User.is_active_user.is_(True)).order_by(User.full_name)))


def pending_writeoffs():
    return list(db.session.scalars(select(WriteOffProposal).where(WriteOffProposal.decision.is_(None))
                                   .order_by(WriteOffProposal.proposed_on)))


# ------------------------------------------------------------------------------------------- the views' reads
def territories() -> list[Territory]:
    """Every territory by name (filters and the directory's forms)."""
    return list(db.session.scalars(select(Territory).order_by(Territory.name)))


def utility_services() -> list[Service]:
    """The utility services, in their order (the service of a restriction, a suspension or a warning)."""
    return list(db.session.scalars(select(Service).where(Service.is_utility.is_(True)).order_by(Service.sort_order)))


def courts(active_only: bool = False) -> list[Court]:
    """The courts by name; `active_only` for a choice offered on a form (a posted id of any court is accepted)."""
    stmt = select(Court).order_by(Court.name)
    if active_only:
        stmt = stmt.where(Court.is_active.is_(True))
    return list(db.session.scalars(stmt))


def directory_courts() -> list[Court]:
    """The directory page: active courts first, by kind, sector and name."""
    return list(db.session.scalars(select(Court).order_by(Court.is_active.desc(), Court.kind, Court.sector_number,
                                                          Court.name)))


def bailiff_units() -> list[BailiffUnit]:
    """The bailiff units by name."""
    return list(db.session.scalars(select(BailiffUnit).order_by(BailiffUnit.name)))


@dataclass
class CasePapers:
    """What the case page lists besides the case: court records, enforcements, write-off proposals (newest first)
    and the account's balance."""

    court_records: list[CourtRecord]
    enforcements: list[Enforcement]
    proposals: list[WriteOffProposal]
    balance: AccountBalance | None


def case_papers(case: Case) -> CasePapers:
    """The court records, enforcements and write-off proposals of the case, newest first, and the balance."""
    return CasePapers(
        court_records=list(db.session.scalars(select(CourtRecord).where(CourtRecord.case_id == case.id)
                                              .order_by(CourtRecord.id.desc()))),
        enforcements=list(db.session.scalars(select(Enforcement).where(Enforcement.case_id == case.id)
                                             .order_by(Enforcement.id.desc()))),
        proposals=list(db.session.scalars(select(WriteOffProposal).where(WriteOffProposal.case_id == case.id)
                                          .order_by(WriteOffProposal.id.desc()))),
        balance=db.session.get(AccountBalance, case.account_id))


def enforcement_terms(e: Enforcement) -> dict:
    """What the bailiffs' report means for the writ: after a return under п.3/п.4 ч.1 ст.46 229-ФЗ the day it may be
    presented again (ст.46 ч.5) and the end of the renewed three-year term (ст.21, 22)."""
    ground = enforcement_rules.parse_end_ground(e.end_article)
    if e.ended_on is None or ground is None or ground.reason not in ("impossible", "returned"):
        return {}
    return {"re_present_on": enforcement_rules.re_presentation_date(e.ended_on, ground),
            "writ_term_end": enforcement_rules.writ_term_end(e.ended_on)}


def bulk_sample(case_ids: list[int]) -> list:
    """The rows of the bulk preview: open cases of the list's columns, at most the first 50 ids."""
    return db.session.execute(case_list_stmt(CaseFilter(open_only=True)).where(Case.id.in_(case_ids[:50]))).all()


def open_case_id(account_id: int) -> int | None:
    """The id of an open case of the account, if any."""
    return db.session.scalar(select(Case.id).where(Case.account_id == account_id, Case.is_open.is_(True)).limit(1))


def norm_rows(account: Account, today: date) -> list[dict]:
    """The services a restriction may concern (utilities not excluded by ПП 354 п.119, 122) with the account's own
    norm charge, the service default, the derived one and the one in use."""
    rows = []
    for svc in db.session.scalars(select(Service).where(Service.is_utility.is_(True),
                                                        Service.restriction_rule != "never")
                                  .order_by(Service.sort_order, Service.id)):
        own = db.session.get(AccountServiceNorm, (account.id, svc.id))
        charges = service_monthly_charges(account.id, svc.id, today, DERIVED_NORM_MONTHS)
        used, source = norm_info(account.id, svc, today)
        rows.append(dict(service=svc, own_kop=own.norm_monthly_kop if own else None, default_kop=svc.norm_monthly_kop,
                         charges=charges, derived_kop=derived_norm_kop([k for _p, k in charges]), used_kop=used,
                         source=source, debt_kop=service_debt_kop(account.id, svc.id)))
    return rows
