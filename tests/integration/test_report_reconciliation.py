"""On a large generated ledger, the form's figures equal independent SQL sums over ledger_entries, exactly,
for every month (openings, charges, positive and negative recalculations, payments dated in other months than
their period, reversals, enforcement receipts)."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import insert, text

from casework.accounts.models import Account, LedgerEntry
from casework.extensions import db
from casework.reports.queries import add_month, fetch_form_figures, last_day

from .report_data import refresh_figures, service_id

N_ACCOUNTS = 240
FIRST = date(2024, 1, 1)
N_MONTHS = 30


def _generate(seed: int = 20260222) -> None:
    rnd = random.Random(seed)
    accounts = [dict(id=i, number=f"R{i:05d}", category="population" if i % 4 else "other", tenure="owner",
                     debtor_name=f"Должник {i}", address=f"адрес {i}", search_text=f"r{i:05d}", is_municipal=False)
                for i in range(1, N_ACCOUNTS + 1)]
    db.session.execute(insert(Account.__table__), accounts)
    svc = [service_id("heating"), service_id("hot_water")]
    rows, key = [], 0

    def add(**kw):
        nonlocal key
        key += 1
        kw.setdefault("paid_on", None)
        kw.setdefault("source", None)
        kw.setdefault("paid_period", None)
        kw.setdefault("reverses_id", None)
        rows.append(dict(id=key, entry_key=f"g{key}", service_id=rnd.choice(svc), **kw))
        return key

    for a in accounts:
        acc = a["id"]
        start = rnd.randrange(0, 6)
        if rnd.random() < 0.6:
            add(account_id=acc, kind="opening", period=add_month(FIRST, start), amount_kop=rnd.randrange(0, 5_000_000))
        monthly = rnd.randrange(50_000, 900_000)
        for k in range(start, N_MONTHS):
            period = add_month(FIRST, k)
            add(account_id=acc, kind="charge", period=period, amount_kop=monthly + rnd.randrange(0, 1000))
            if rnd.random() < 0.08:  # recalculation of some earlier period, either sign
                back = add_month(period, -rnd.randrange(0, 4))
                add(account_id=acc, kind="recalculation", period=back, amount_kop=rnd.randrange(-300_000, 200_000))
            if rnd.random() < 0.7:
                paid_on = date(period.year, period.month, rnd.randrange(1, 29))
                paid_on = add_month(paid_on.replace(day=1), rnd.choice((0, 1, 1, 2))).replace(day=paid_on.day)
                src = rnd.choice(("bank", "bank", "cash_desk", "online", "enforcement", "employer"))
                pid = add(account_id=acc, kind="payment", period=paid_on.replace(day=1),
                          amount_kop=rnd.randrange(1, monthly * 2), paid_on=paid_on, source=src,
                          paid_period=period if rnd.random() < 0.2 else None)
                if rnd.random() < 0.03:  # reversed later, in the same or next month
                    rev_on = min(add_month(paid_on.replace(day=1), rnd.choice((0, 1))).replace(day=paid_on.day),
                                 last_day(add_month(FIRST, N_MONTHS - 1)))
                    add(account_id=acc, kind="payment", period=rev_on.replace(day=1),
                        amount_kop=-rows[pid - 1]["amount_kop"], paid_on=rev_on, source=src, reverses_id=pid)
    for i in range(0, len(rows), 5000):
        db.session.execute(insert(LedgerEntry.__table__), rows[i:i + 5000])
    db.session.flush()


# independent SQL straight over the ledger (no account_months), per category and month
SQL = """
WITH per_acc AS (
  SELECT e.account_id AS acc,
    SUM(CASE WHEN e.kind <> 'payment' AND (e.period < :m OR (e.kind = 'opening' AND e.period = :m)) THEN e.amount_kop
             WHEN e.kind = 'payment' AND e.paid_on < :m THEN -e.amount_kop ELSE 0 END) AS debt_start,
    SUM(CASE WHEN e.kind IN ('charge', 'recalculation') AND e.period = :m THEN e.amount_kop ELSE 0 END) AS charged,
    SUM(CASE WHEN e.kind = 'payment' AND e.paid_on >= :m AND e.paid_on <= :end THEN e.amount_kop ELSE 0 END) AS paid,
    SUM(CASE WHEN e.kind = 'payment' AND e.source = 'enforcement' AND e.paid_on >= :m AND e.paid_on <= :end
             THEN e.amount_kop ELSE 0 END) AS enforcement,
    SUM(CASE WHEN e.kind <> 'payment' AND e.period <= :m THEN e.amount_kop
             WHEN e.kind = 'payment' AND e.paid_on <= :end THEN -e.amount_kop ELSE 0 END) AS debt_end
  FROM ledger_entries e GROUP BY e.account_id
)
SELECT a.category, SUM(p.debt_start), SUM(p.charged), SUM(p.paid), SUM(p.enforcement),
  SUM(CASE WHEN p.debt_end - (CASE WHEN p.charged > 0 THEN p.charged ELSE 0 END) > 0
           THEN p.debt_end - (CASE WHEN p.charged > 0 THEN p.charged ELSE 0 END) ELSE 0 END),
  SUM(p.debt_end)
FROM per_acc p JOIN accounts a ON a.id = p.acc
GROUP BY a.category
"""


def test_form_reconciles_with_the_ledger_every_month(app):
    _generate()
    last = add_month(FIRST, N_MONTHS - 1)
    refresh_figures(last)
    db.session.commit()
    checked = 0
    for k in range(N_MONTHS):
        m = add_month(FIRST, k)
        form = fetch_form_figures(m, "fifo").rows
        expected = {c: (0, 0, 0, 0, 0, 0) for c in ("population", "other")}
        for cat, *vals in db.session.execute(text(SQL), {"m": m, "end": last_day(m)}):
            expected[cat] = tuple(int(v or 0) for v in vals)
        for cat in ("population", "other"):
            r = form[cat]
            got = (r.debt_start_kop, r.charged_kop, r.paid_kop, r.enforcement_kop, r.overdue_kop, r.debt_end_kop)
            assert got == expected[cat], (m, cat)
        t = form["total"]
        assert t.paid_kop == expected["population"][2] + expected["other"][2]
        assert t.debt_start_kop + t.charged_kop - t.paid_kop == t.debt_end_kop
        checked += 1
    assert checked == N_MONTHS
    assert form["total"].enforcement_kop > 0 and form["total"].debt_start_kop > 0
