"""Reads for contacts, promises and agreements (queue items, histories, report counts, acknowledgments)."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..accounts.models import Account
from ..domain.identifiers import normalize_identifier
from ..extensions import db
from .models import AgreementInstalment, Contact, PaymentAgreement, Promise

COUNT_KEYS = ("channel", "outcome", "direction", "author_id", "territory_id")


def acknowledged_periods(charges: list[tuple[date, int]], signed_on: date, debt_kop: int) -> frozenset[date] | None:
    """The months a signed agreement acknowledges (ГК 203, 206 п.2; Пленум ВС РФ № 43 п.20: acknowledging a part
    of the debt does not acknowledge the rest): the billed months before the signing month, newest first, whose
    charges together reach the agreement's sum; None (every month) when the sum covers all of them."""
    monthly: dict[date, int] = {}
    for period, amount in charges:
        if period < signed_on.replace(day=1):
            monthly[period] = monthly.get(period, 0) + amount
    covered, total = set(), 0
    for period in sorted(monthly, reverse=True):
        if total >= debt_kop:
            return frozenset(covered)
        if monthly[period] > 0:
            covered.add(period)
            total += monthly[period]
    return None


def _acknowledgments(account_ids: list[int]) -> dict[int, list[tuple[date, frozenset[date] | None]]]:
    from ..accounts.models import LedgerEntry

    agreements = db.session.execute(
        select(PaymentAgreement.account_id, PaymentAgreement.signed_on, PaymentAgreement.debt_kop)
        .where(PaymentAgreement.account_id.in_(account_ids), PaymentAgreement.signed_on.isnot(None),
               PaymentAgreement.is_void.is_(False))
        .order_by(PaymentAgreement.account_id, PaymentAgreement.signed_on)).all()
    if not agreements:
        return {}
    charges: dict[int, list[tuple[date, int]]] = {}
    for acc, period, amount in db.session.execute(
            select(LedgerEntry.account_id, LedgerEntry.period, func.sum(LedgerEntry.amount_kop))
            .where(LedgerEntry.account_id.in_({a for a, _s, _d in agreements}),
                   LedgerEntry.kind.in_(("charge", "recalculation")))
            .group_by(LedgerEntry.account_id, LedgerEntry.period)):
        charges.setdefault(acc, []).append((period, int(amount or 0)))
    out: dict[int, list] = {}
    for acc, signed, debt in agreements:
        out.setdefault(acc, []).append((signed, acknowledged_periods(charges.get(acc, []), signed, debt)))
    return out


def acknowledgments_for(account_id: int) -> list[tuple[date, frozenset[date] | None]]:
    """Dates the debtor acknowledged the debt by signing a payment agreement, with the months acknowledged
    (acknowledged_periods), for the limitation engine (ГК ст.203; ст.206 п.2)."""
    return _acknowledgments([account_id]).get(account_id, [])


def acknowledgments_by_account(account_ids: list[int]) -> dict[int, list[tuple[date, frozenset[date] | None]]]:
    """acknowledgments_for of many accounts in two queries (the portfolio run, bulk documents)."""
    out: dict[int, list] = {}
    ids = list(account_ids)
    for i in range(0, len(ids), 500):
        out.update(_acknowledgments(ids[i:i + 500]))
    return out


def contacts_for(account_id: int, limit: int | None = 200) -> list[Contact]:
    stmt = (select(Contact).where(Contact.account_id == account_id)
            .order_by(Contact.contacted_at.desc(), Contact.id.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def promises_for(account_id: int) -> list[Promise]:
    return list(db.session.scalars(select(Promise).where(Promise.account_id == account_id)
                                   .order_by(Promise.due_on.desc(), Promise.id.desc())))


def agreements_for(account_id: int) -> list[PaymentAgreement]:
    return list(db.session.scalars(select(PaymentAgreement).where(PaymentAgreement.account_id == account_id)
                                   .order_by(PaymentAgreement.id.desc())))


def open_case_id(account_id: int) -> int | None:
    from ..cases.models import Case
    return db.session.scalar(select(Case.id).where(Case.account_id == account_id, Case.is_open.is_(True))
                             .order_by(Case.id.desc()).limit(1))


def default_debt_kop(account_id: int) -> int:
    """The account's current balance from `account_balances` (0 when unknown or in credit)."""
    from ..accounts.models import AccountBalance
    bal = db.session.scalar(select(AccountBalance.balance_kop).where(AccountBalance.account_id == account_id))
    return max(int(bal or 0), 0)


def search_contacts_stmt(*, date_from: date | None = None, date_to: date | None = None, channel: str | None = None,
                         outcome: str | None = None, author_id: int | None = None, q: str | None = None):
    """SELECT of contacts (newest first) with the list page's filters."""
    from ..accounts.models import Account
    stmt = select(Contact).join(Account, Account.id == Contact.account_id)
    if date_from:
        stmt = stmt.where(Contact.contacted_at >= datetime.combine(date_from, time.min))
    if date_to:
        stmt = stmt.where(Contact.contacted_at <= datetime.combine(date_to, time.max))
    if channel:
        stmt = stmt.where(Contact.channel == channel)
    if outcome:
        stmt = stmt.where(Contact.outcome == outcome)
    if author_id:
        stmt = stmt.where(Contact.author_id == author_id)
    q = normalize_identifier(q)  # a number pasted with invisible characters finds the account
    if q:
        needle = f"%{q.lower()}%"  # Python lower-cases Cyrillic; SQLite's lower() does not
        stmt = stmt.where(or_(Account.number.ilike(f"%{q}%"), Account.number.ilike(f"%{q.upper()}%"),
                              Account.search_text.like(needle), Contact.note.like(f"%{q}%"),
                              Contact.note.like(needle)))
    return stmt.order_by(Contact.contacted_at.desc(), Contact.id.desc())


def contact_counts(date_from: date, date_to: date, by: tuple[str, ...] = ("channel",),
                   territory_id: int | None = None) -> list[dict]:
    """Contacts in [date_from, date_to] grouped by any of channel/outcome/direction/author_id/territory_id, with distinct accounts."""
    from ..accounts.models import Account
    bad = set(by) - set(COUNT_KEYS)
    if bad:
        raise ValueError(f"contact_counts: cannot group by {sorted(bad)}")
    cols = {"channel": Contact.channel, "outcome": Contact.outcome, "direction": Contact.direction,
            "author_id": Contact.author_id, "territory_id": Account.territory_id}
    keys = [cols[k].label(k) for k in by]
    stmt = (select(*keys, func.count(Contact.id).label("count"),
                   func.count(func.distinct(Contact.account_id)).label("accounts"))
            .select_from(Contact).join(Account, Account.id == Contact.account_id)
            .where(Contact.contacted_at >= datetime.combine(date_from, time.min),
                   Contact.contacted_at <= datetime.combine(date_to, time.max)))
    if territory_id is not None:
        stmt = stmt.where(Account.territory_id == territory_id)
    if keys:
        stmt = stmt.group_by(*[cols[k] for k in by]).order_by(*[cols[k] for k in by])
    return [dict(r._mapping) for r in db.session.execute(stmt)]


def _owner_filter(stmt, case_col, author_col, user_id):
    """Items of a user: those of cases assigned to them, and unassigned ones they wrote themselves."""
    from ..cases.models import Case
    if user_id is None:
        return stmt
    c = aliased(Case)
    stmt = stmt.outerjoin(c, c.id == case_col)
    return stmt.where(or_(c.assignee_id == user_id, and_(c.assignee_id.is_(None), author_col == user_id)))


def due_items_for(user_id: int | None, today: date, limit: int | None = None) -> list[dict]:
    """What the contacts area asks of a user today (None: everybody): next actions, promises due or broken, overdue instalments, broken agreements.

    `limit`: only the first `limit` items in the queue's order (due date, kind, account) — each source query
    is cut in that same order, so the result is the head of the full list without fetching the rest."""
    from ..accounts.models import Account
    items: list[dict] = []
    later = aliased(Contact)
    # next actions: the latest contact of the account carries a next action due today or earlier
    stmt = (select(Contact.id, Contact.case_id, Contact.account_id, Contact.next_action_on, Contact.next_action_kind,
                   Account.number, Account.debtor_name)
            .join(Account, Account.id == Contact.account_id)
            .where(Contact.next_action_on.isnot(None), Contact.next_action_on <= today,
                   ~exists().where(later.account_id == Contact.account_id,
                                   later.contacted_at > Contact.contacted_at)))
    stmt = _owner_filter(stmt, Contact.case_id, Contact.author_id, user_id)
    if limit is not None:
        stmt = stmt.order_by(Contact.next_action_on, Contact.account_id, Contact.id).limit(limit)
    from .labels import DUE_KIND_LABELS, NEXT_ACTION_LABELS, label
    for r in db.session.execute(stmt):
        items.append({"kind": "next_action", "case_id": r.case_id, "account_id": r.account_id,
                      "due_on": r.next_action_on, "amount_kop": None, "source_id": r.id,
                      "title": f"{label(NEXT_ACTION_LABELS, r.next_action_kind)}: {r.number} {r.debtor_name}"})
    # promises: due (pending, date reached) and broken / partly kept not yet followed by a contact
    handled = exists().where(later.account_id == Promise.account_id, later.contacted_at >= Promise.resolved_on)
    stmt = (select(Promise.id, Promise.case_id, Promise.account_id, Promise.due_on, Promise.status,
                   Promise.amount_kop, Promise.paid_kop, Account.number, Account.debtor_name)
            .join(Account, Account.id == Promise.account_id)
            .where(or_(and_(Promise.status == "pending", Promise.due_on <= today),
                       and_(Promise.status.in_(("broken", "partly_kept")), ~handled))))
    stmt = _owner_filter(stmt, Promise.case_id, Promise.author_id, user_id)
    if limit is not None:  # kind order: promise_broken < promise_due
        stmt = stmt.order_by(Promise.due_on, case((Promise.status == "pending", 1), else_=0), Promise.account_id,
                             Promise.id).limit(limit)
    for r in db.session.execute(stmt):
        kind = "promise_due" if r.status == "pending" else "promise_broken"
        items.append({"kind": kind, "case_id": r.case_id, "account_id": r.account_id, "due_on": r.due_on,
                      "amount_kop": r.amount_kop - (r.paid_kop or 0), "source_id": r.id,
                      "title": f"{label(DUE_KIND_LABELS, kind)}: {r.number} {r.debtor_name}"})
    # agreements: late (first overdue instalment) and broken not yet followed by a contact
    A = PaymentAgreement
    first_overdue = (select(func.min(AgreementInstalment.due_on))
                     .where(AgreementInstalment.agreement_id == A.id, AgreementInstalment.state == "overdue")
                     .correlate(A).scalar_subquery())
    handled = exists().where(later.account_id == A.account_id, later.contacted_at >= A.broken_on)
    stmt = (select(A.id, A.case_id, A.account_id, A.status, A.overdue_kop, A.broken_on,
                   first_overdue.label("first_overdue"), Account.number, Account.debtor_name)
            .join(Account, Account.id == A.account_id)
            .where(or_(A.status == "late", and_(A.status == "broken", ~handled))))
    stmt = _owner_filter(stmt, A.case_id, A.author_id, user_id)
    if limit is not None:  # kind order: agreement_broken < instalment_overdue
        stmt = stmt.order_by(func.coalesce(first_overdue, A.broken_on, today), case((A.status == "late", 1), else_=0),
                             A.account_id, A.id).limit(limit)
    for r in db.session.execute(stmt):
        kind = "instalment_overdue" if r.status == "late" else "agreement_broken"
        items.append({"kind": kind, "case_id": r.case_id, "account_id": r.account_id,
                      "due_on": r.first_overdue or r.broken_on or today, "amount_kop": r.overdue_kop,
                      "source_id": r.id,
                      "title": f"{label(DUE_KIND_LABELS, kind)}: {r.number} {r.debtor_name}"})
    items.sort(key=lambda x: (x["due_on"], x["kind"], x["account_id"]))
    return items if limit is None else items[:limit]



def promises_stmt(status: str | None):
    """The promises list (of a status when given), latest due first."""
    stmt = select(Promise).join(Account, Account.id == Promise.account_id)
    if status:
        stmt = stmt.where(Promise.status == status)
    return stmt.order_by(Promise.due_on.desc(), Promise.id.desc())


def agreements_stmt(status: str | None):
    """The payment agreements list (of a status when given), newest first."""
    stmt = select(PaymentAgreement)
    if status:
        stmt = stmt.where(PaymentAgreement.status == status)
    return stmt.order_by(PaymentAgreement.id.desc())
