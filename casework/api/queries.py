"""API reads: accounts, an account's figures (the ones its page shows) and the stage of its case.

The figures are the stored ones the account page shows (`accounts.queries.balance_for`); the legal figures
(debt by allocation, penalty, limitation) come from the legal area's account calculation, which reads the ledger
only through `casework.legal.adapter` — the same numbers as the account's calculator page on the same date.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ..accounts import queries as account_queries
from ..accounts.models import Account, AccountBalance
from ..domain.errors import DomainError
from ..extensions import db
from ..timeutil import today


def _iso(d) -> str | None:
    return d.isoformat() if isinstance(d, date) else (str(d) if d else None)


def account_by_number(number: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.number == number))


def account_page(number: str | None, page: int, per_page: int) -> dict:
    """Accounts ordered by number, `per_page` at a time, optionally only the one with this exact number."""
    stmt = select(Account, AccountBalance).outerjoin(AccountBalance, AccountBalance.account_id == Account.id)
    count = select(func.count()).select_from(Account)
    if number:
        stmt = stmt.where(Account.number == number)
        count = count.where(Account.number == number)
    total = db.session.scalar(count) or 0
    rows = db.session.execute(stmt.order_by(Account.number, Account.id).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    items = [{"number": a.number, "category": a.category, "debtor_name": a.debtor_name, "address": a.address,
              "opened_on": _iso(a.opened_on), "closed_on": _iso(a.closed_on),
              "balance_kop": b.balance_kop if b is not None else None,
              "has_open_case": bool(b.has_open_case) if b is not None else False} for a, b in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def figures(account: Account) -> dict | None:
    """The account page's figures (account_balances), or None when none were computed yet."""
    b = account_queries.balance_for(account.id)
    if b is None:
        return None
    return {"as_of": _iso(b.as_of), "balance_kop": b.balance_kop, "overdue_kop": b.overdue_kop,
            "months_in_arrears": b.months_in_arrears, "avg_monthly_charge_kop": b.avg_monthly_charge_kop,
            "oldest_debt_days": b.oldest_debt_days,
            "aging_kop": {"0_30": b.aging_0_30_kop, "31_90": b.aging_31_90_kop, "91_180": b.aging_91_180_kop,
                          "181_365": b.aging_181_365_kop, "1_3y": b.aging_1_3y_kop, "over_3y": b.aging_over_3y_kop},
            "last_payment_on": _iso(b.last_payment_on), "last_period": _iso(b.last_period)[:7] if b.last_period
            else None}


def legal_figures(account: Account, as_of: date | None = None) -> tuple[dict | None, str | None]:
    """Debt by allocation, penalty and limitation as of a date (today), as the calculator page shows them."""
    from ..legal import services as legal

    as_of = as_of or today()
    try:
        calc = legal.account_calculation(account.id, as_of)
    except DomainError as exc:
        return None, str(exc)
    return {"as_of": as_of.isoformat(), "debt_kop": calc.debt_kop, "overpaid_kop": calc.overpaid_kop,
            "penalty_kop": calc.penalty_kop, "penalty_error": calc.penalty_error,
            "time_barred_kop": calc.time_barred_kop, "claimable_kop": calc.claimable_kop,
            "next_bar_date": _iso(calc.next_bar_date)}, None


def case_stage(account: Account) -> dict:
    """The account's open case (else its latest one) with its stage, and how many cases it has had."""
    from ..cases.labels import STAGE_LABELS
    from ..cases.models import Case

    total = db.session.scalar(select(func.count()).select_from(Case).where(Case.account_id == account.id)) or 0
    case = db.session.scalar(select(Case).where(Case.account_id == account.id)
                             .order_by(Case.is_open.desc(), Case.opened_on.desc(), Case.id.desc()).limit(1))
    out = None
    if case is not None:
        out = {"id": case.id, "stage": case.stage, "stage_label": str(STAGE_LABELS.get(case.stage, case.stage)),
               "stage_since": _iso(case.stage_since), "is_open": bool(case.is_open), "opened_on": _iso(case.opened_on),
               "closed_on": _iso(case.closed_on), "hold_reason": case.hold_reason, "hold_until": _iso(case.hold_until)}
    return {"account_number": account.number, "case": out, "cases_total": total}
