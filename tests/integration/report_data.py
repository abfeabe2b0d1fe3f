"""Helpers for the reports tests: ledger rows in bulk and the per-account monthly figures.

`refresh_figures()` uses the import area's `casework.accounts.services.refresh_account_figures()` when it
exists (the production path); until then it builds `account_months` here from the ledger with the
definitions of the AccountMonth docstring, one row per account and month from its first entry to `through`.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, insert, select

from casework.accounts.models import Account, AccountMonth, LedgerEntry, Service
from casework.extensions import db

_keys = itertools.count(1)


def service_id(code: str = "heating") -> int:
    return db.session.scalar(select(Service.id).where(Service.code == code))


def add_account(number: str, category: str = "population", **kw) -> int:
    acc = Account(number=number, category=category, debtor_name=kw.pop("debtor_name", f"Должник {number}"),
                  address=kw.pop("address", f"ул. Тестовая, д. {number}"), search_text=number.lower(), **kw)
    db.session.add(acc)
    db.session.flush()
    return acc.id


def entry(account_id: int, kind: str, period: date, amount_kop: int, *, paid_on: date | None = None,
          source: str | None = None, paid_period: date | None = None, reverses_id: int | None = None,
          service: int | None = None) -> int:
    """Insert one ledger line with Core and return its id."""
    res = db.session.execute(insert(LedgerEntry.__table__).values(
        account_id=account_id, service_id=service or service_id(), period=period, kind=kind, amount_kop=amount_kop,
        paid_on=paid_on, source=source, paid_period=paid_period, reverses_id=reverses_id,
        entry_key=f"t{next(_keys)}-{account_id}-{kind}", created_at=_now()))
    return res.inserted_primary_key[0]


def _now():
    from casework.timeutil import utcnow

    return utcnow()


def _mi(d: date) -> int:
    return d.year * 12 + d.month - 1


def _md(i: int) -> date:
    return date(i // 12, i % 12 + 1, 1)


def build_account_months(through: date) -> None:
    """Rebuild account_months from the ledger (dense: every month from the account's first entry to `through`)."""
    le = LedgerEntry.__table__
    per: dict[int, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    first: dict[int, int] = {}
    for acc, kind, period, amount, paid_on, source in db.session.execute(
            select(le.c.account_id, le.c.kind, le.c.period, le.c.amount_kop, le.c.paid_on, le.c.source)):
        m = _mi(paid_on) if kind == "payment" else _mi(period)
        per[acc][m][kind] += amount
        if kind == "payment" and source == "enforcement":
            per[acc][m]["enf"] += amount
        first[acc] = min(first.get(acc, m), m)
    db.session.execute(delete(AccountMonth.__table__))
    rows = []
    end = _mi(through)
    for acc, months in per.items():
        debt = 0
        for m in range(first[acc], end + 1):
            f = months.get(m, {})
            start = debt + f.get("opening", 0)
            charged, recalc, paid = f.get("charge", 0), f.get("recalculation", 0), f.get("payment", 0)
            debt = start + charged + recalc - paid
            rows.append(dict(account_id=acc, month=_md(m), opening_kop=f.get("opening", 0), debt_start_kop=start,
                             charged_kop=charged, recalculated_kop=recalc, paid_kop=paid,
                             paid_enforcement_kop=f.get("enf", 0), debt_end_kop=debt))
    for i in range(0, len(rows), 5000):
        db.session.execute(insert(AccountMonth.__table__), rows[i:i + 5000])
    db.session.flush()


def refresh_figures(through: date) -> str:
    """Bring account_months up to date; returns which path was used ('accounts.services' or 'test builder')."""
    try:
        from casework.accounts.services import refresh_account_figures
    except ImportError:
        build_account_months(through)
        return "test builder"
    refresh_account_figures()
    db.session.flush()
    return "accounts.services"


FEB = date(2026, 2, 1)


def rub(text: str) -> int:
    """'1 234.56' → kopecks, for writing expected figures readably."""
    return int(Decimal(text.replace(" ", "")) * 100)


def build_hand_data() -> dict:
    """Four accounts around February 2026; comments give each account's February figures.

    A1 (population): opening Dec-2025 10 000; charges Jan 5 000, Feb 5 000; recalculations Jan −500, Feb −200;
       payments 20.01 3 000, 05.02 4 000 (payer named Feb), 02.03 1 000 (outside February).
       Feb: start 10 000 + 5 000 − 500 − 3 000 = 11 500; charged 4 800; paid 4 000; end 12 300;
       overdue (oldest-first) 12 300 − 4 800 = 7 500.
    A2 (population): charges Jan 2 000, Feb 2 000; 15.02 2 500 through enforcement; 28.02 100 reversed the same day.
       Feb: start 2 000; charged 2 000; paid 2 500; enforcement 2 500; end 1 500; overdue 0.
    A3 (other): opening Feb-2026 50 000 (counts in the start); charge Feb 10 000; 10.02 paid 70 000.
       Feb: start 50 000; charged 10 000; paid 70 000; end −10 000; overdue 0.
    A4 (other): charge Jan 1 234.56, nothing else. Feb: start 1 234.56; charged 0; end 1 234.56; overdue 1 234.56.
    """
    a1 = add_account("A1", "population")
    a2 = add_account("A2", "population")
    a3 = add_account("A3", "other")
    a4 = add_account("A4", "other")
    entry(a1, "opening", date(2025, 12, 1), rub("10000"))
    entry(a1, "charge", date(2026, 1, 1), rub("5000"))
    entry(a1, "charge", date(2026, 2, 1), rub("5000"))
    entry(a1, "recalculation", date(2026, 1, 1), -rub("500"))
    entry(a1, "recalculation", date(2026, 2, 1), -rub("200"))
    entry(a1, "payment", date(2026, 1, 1), rub("3000"), paid_on=date(2026, 1, 20), source="bank")
    entry(a1, "payment", date(2026, 2, 1), rub("4000"), paid_on=date(2026, 2, 5), source="bank",
          paid_period=date(2026, 2, 1))
    entry(a1, "payment", date(2026, 3, 1), rub("1000"), paid_on=date(2026, 3, 2), source="cash_desk")
    entry(a2, "charge", date(2026, 1, 1), rub("2000"))
    entry(a2, "charge", date(2026, 2, 1), rub("2000"))
    entry(a2, "payment", date(2026, 2, 1), rub("2500"), paid_on=date(2026, 2, 15), source="enforcement")
    p = entry(a2, "payment", date(2026, 2, 1), rub("100"), paid_on=date(2026, 2, 28), source="bank")
    entry(a2, "payment", date(2026, 2, 1), -rub("100"), paid_on=date(2026, 2, 28), source="bank", reverses_id=p)
    entry(a3, "opening", date(2026, 2, 1), rub("50000"))
    entry(a3, "charge", date(2026, 2, 1), rub("10000"))
    entry(a3, "payment", date(2026, 2, 1), rub("70000"), paid_on=date(2026, 2, 10), source="bank")
    entry(a4, "charge", date(2026, 1, 1), rub("1234.56"))
    refresh_figures(date(2026, 3, 1))
    db.session.commit()
    return {"A1": a1, "A2": a2, "A3": a3, "A4": a4}
