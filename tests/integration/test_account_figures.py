"""account_months and account_balances against small hand-computed examples."""
from datetime import date

from sqlalchemy import insert, select

from casework.accounts.models import Account, AccountBalance, AccountMonth, LedgerEntry, Service
from casework.accounts.services import refresh_account_figures
from casework.extensions import db

_n = iter(range(1, 10**6))


def account(number: str) -> int:
    db.session.execute(insert(Account), [{"number": number, "category": "population", "debtor_name": "Должник",
                                          "address": "ул. Мира, 1", "search_text": number}])
    return db.session.scalar(select(Account.id).where(Account.number == number))


def entry(acc: int, period: str, kind: str, kop: int, paid_on: date | None = None, source: str | None = None):
    svc = db.session.scalar(select(Service.id).where(Service.code == "heating"))
    db.session.execute(insert(LedgerEntry), [{
        "account_id": acc, "service_id": svc, "period": date.fromisoformat(period + "-01"), "kind": kind,
        "amount_kop": kop, "paid_on": paid_on, "source": source, "entry_key": f"k{next(_n)}"}])


def months(acc: int):
    rows = db.session.scalars(select(AccountMonth).where(AccountMonth.account_id == acc)
                              .order_by(AccountMonth.month)).all()
    return [(m.month, m.opening_kop, m.debt_start_kop, m.charged_kop, m.recalculated_kop, m.paid_kop,
             m.paid_enforcement_kop, m.debt_end_kop) for m in rows]


def test_opening_recalculation_enforcement_and_late_payment(app):
    x = account("X")
    entry(x, "2024-01", "opening", 10000)
    for p in ("2024-01", "2024-02", "2024-03"):
        entry(x, p, "charge", 5000)
    entry(x, "2024-02", "recalculation", -1000)
    entry(x, "2024-03", "payment", 12000, date(2024, 3, 20), "bank")
    entry(x, "2024-04", "payment", 3000, date(2024, 4, 5), "enforcement")  # after the last charged month
    as_of = date(2024, 6, 1)
    refresh_account_figures([x], as_of=as_of)
    assert months(x) == [
        (date(2024, 1, 1), 10000, 10000, 5000, 0, 0, 0, 15000),
        (date(2024, 2, 1), 0, 15000, 5000, -1000, 0, 0, 19000),
        (date(2024, 3, 1), 0, 19000, 5000, 0, 12000, 0, 12000),
        (date(2024, 4, 1), 0, 12000, 0, 0, 3000, 3000, 9000),
    ]
    b = db.session.get(AccountBalance, x)
    # FIFO: 15 000 of credits pay the opening (10 000) and January (5 000); February's net 4 000 and March's 5 000
    # remain, due 10.03.2024 and 10.04.2024
    feb_days, mar_days = (as_of - date(2024, 3, 10)).days, (as_of - date(2024, 4, 10)).days
    assert (feb_days, mar_days) == (83, 52)
    assert (b.balance_kop, b.overdue_kop, b.months_in_arrears, b.oldest_debt_days) == (9000, 9000, 2, feb_days)
    assert (b.aging_0_30_kop, b.aging_31_90_kop, b.aging_91_180_kop) == (0, 9000, 0)
    assert b.avg_monthly_charge_kop == (5000 + 4000 + 5000 + 0) // 4
    assert (b.last_payment_on, b.last_period, b.as_of) == (date(2024, 4, 5), date(2024, 3, 1), as_of)


def test_due_date_moves_to_the_15th_from_the_march_2026_bill(app):
    y = account("Y")
    entry(y, "2026-02", "charge", 100)  # due 10.03.2026
    entry(y, "2026-03", "charge", 200)  # due 15.04.2026 (177-ФЗ)
    refresh_account_figures([y], as_of=date(2026, 4, 15))
    b = db.session.get(AccountBalance, y)
    assert (b.overdue_kop, b.months_in_arrears, b.aging_0_30_kop, b.aging_31_90_kop) == (100, 1, 200, 100)
    refresh_account_figures([y], as_of=date(2026, 4, 16))
    b = db.session.get(AccountBalance, y)
    assert (b.overdue_kop, b.months_in_arrears) == (300, 2)


def test_old_debt_partly_paid_lands_in_the_over_3_years_bucket(app):
    z = account("Z")
    entry(z, "2020-01", "charge", 1000)
    entry(z, "2023-01", "charge", 700)
    entry(z, "2024-05", "payment", 400, date(2024, 5, 20), "cash_desk")
    refresh_account_figures(None, as_of=date(2024, 6, 1))
    b = db.session.get(AccountBalance, z)
    assert (b.balance_kop, b.aging_over_3y_kop, b.aging_1_3y_kop) == (1300, 600, 700)
    assert b.oldest_debt_days == (date(2024, 6, 1) - date(2020, 2, 10)).days
    assert len(months(z)) == 53  # dense from 2020-01 to 2024-05


def test_overpayment_leaves_no_overdue_and_scope_is_respected(app):
    a, b_ = account("A"), account("B")
    entry(a, "2024-01", "charge", 1000)
    entry(a, "2024-01", "payment", 1500, date(2024, 1, 25), "online")
    entry(b_, "2024-01", "charge", 1000)
    refresh_account_figures([a], as_of=date(2024, 6, 1))
    ba = db.session.get(AccountBalance, a)
    assert (ba.balance_kop, ba.overdue_kop, ba.oldest_debt_days) == (-500, 0, None)
    assert db.session.get(AccountBalance, b_) is None and months(b_) == []
    refresh_account_figures(None, as_of=date(2024, 6, 1))
    assert db.session.get(AccountBalance, b_).overdue_kop == 1000
    assert months(a)[0][-1] == -500
    empty = account("EMPTY")
    refresh_account_figures([empty])
    assert db.session.get(AccountBalance, empty).balance_kop == 0


def _snapshot():
    ms = db.session.execute(select(AccountMonth.account_id, AccountMonth.month, AccountMonth.opening_kop,
                                   AccountMonth.debt_start_kop, AccountMonth.charged_kop,
                                   AccountMonth.recalculated_kop, AccountMonth.paid_kop,
                                   AccountMonth.paid_enforcement_kop, AccountMonth.debt_end_kop)
                            .order_by(AccountMonth.account_id, AccountMonth.month)).all()
    bs = db.session.execute(select(AccountBalance.account_id, AccountBalance.balance_kop, AccountBalance.overdue_kop,
                                   AccountBalance.months_in_arrears, AccountBalance.avg_monthly_charge_kop,
                                   AccountBalance.oldest_debt_days, AccountBalance.aging_0_30_kop,
                                   AccountBalance.aging_31_90_kop, AccountBalance.aging_91_180_kop,
                                   AccountBalance.aging_181_365_kop, AccountBalance.aging_1_3y_kop,
                                   AccountBalance.aging_over_3y_kop, AccountBalance.last_payment_on,
                                   AccountBalance.last_period)
                            .order_by(AccountBalance.account_id)).all()
    return [tuple(r) for r in ms], [tuple(r) for r in bs]


def _random_month(rng, acc, period, kinds=("charge", "charge", "recalculation", "payment", "payment")):
    y, m = int(period[:4]), int(period[5:])
    for kind in rng.sample(kinds, rng.randint(1, min(3, len(kinds)))):
        if kind == "payment":
            day = rng.randint(1, 28)
            # a payment may be late: paid in a later month than its period
            pm = m + rng.choice((0, 0, 1))
            py, pm = (y + 1, 1) if pm == 13 else (y, pm)
            entry(acc, period, "payment", rng.randint(100, 900_000), date(py, pm, day),
                  rng.choice(("bank", "enforcement", "cash_desk")))
        else:
            entry(acc, period, kind, rng.randint(-50_000, 900_000) if kind == "recalculation"
                  else rng.randint(1_000, 900_000))


def test_refresh_from_a_month_equals_the_full_refresh_and_leaves_earlier_rows_alone(app):
    """issue 15 item 3: a monthly import refreshes from its earliest month on; the figures equal a full recompute
    (random ledgers: openings, recalculations, late and reversed payments, accounts absent from the new file,
    a new account, a payment dated in a new month) and the rows before that month are not written again."""
    import random

    rng = random.Random(20261205)
    accs = [account(f"R{i}") for i in range(12)]
    for acc in accs:
        entry(acc, "2025-01", "opening", rng.randint(0, 2_000_000))
        for m in range(1, 13):
            if rng.random() < 0.8:
                _random_month(rng, acc, f"2025-{m:02d}")
    as_of = date(2026, 3, 20)
    refresh_account_figures(None, as_of=as_of)
    db.session.commit()
    before_rows = db.session.execute(select(AccountMonth.account_id, AccountMonth.month)
                                     .where(AccountMonth.month < date(2026, 1, 1))).all()
    assert len(before_rows) == 12 * 12
    # the «import» of January 2026: some accounts only, one new account, one payment dated in February
    touched = accs[:7]
    new = account("R-new")
    for acc in touched:
        _random_month(rng, acc, "2026-01")
    _random_month(rng, new, "2026-01", kinds=("charge",))
    entry(accs[0], "2026-01", "payment", 12_345, date(2026, 2, 3), "bank")
    # a marker in a row before January of a touched account (in a column no other figure is computed from): the
    # incremental refresh must leave it, the full one rewrites it
    marked = (AccountMonth.account_id == touched[1]) & (AccountMonth.month == date(2025, 6, 1))
    original = db.session.scalar(select(AccountMonth.paid_enforcement_kop).where(marked))
    db.session.execute(AccountMonth.__table__.update().where(marked).values(paid_enforcement_kop=original + 1))
    refresh_account_figures(touched + [new], as_of=as_of, since=date(2026, 1, 1))
    assert db.session.scalar(select(AccountMonth.paid_enforcement_kop).where(marked)) == original + 1
    db.session.execute(AccountMonth.__table__.update().where(marked).values(paid_enforcement_kop=original))
    incremental = _snapshot()
    refresh_account_figures(None, as_of=as_of)
    full = _snapshot()
    assert incremental[0] == full[0]
    # balances: those of the refreshed accounts (the others keep the as-of day and 12-month window of their own
    # last refresh, with or without `since`)
    scope = set(touched + [new])
    assert [b for b in incremental[1] if b[0] in scope] == [b for b in full[1] if b[0] in scope]
    assert {m for _a, m, *_ in full[0]} >= {date(2026, 1, 1), date(2026, 2, 1)}  # carried into February
    assert len({a for a, *_ in full[0]}) == 13
