"""Helpers for the reports tests: ledger rows in bulk and the per-account monthly figures.

`refresh_figures()` uses the import area's `casework.accounts.services.refresh_account_figures()` when it
exists (the production path); until then it builds `account_months` here from the ledger with the
definitions of the AccountMonth docstring, one row per account and month from its first entry to `through`.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date

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
