"""The ledger's summaries agree exactly with the ledger, and the pages that read them instead of the ledger answer
what a sum over the ledger answers (issue 15 item 3).

The ledger is random and arrives the way billing delivers it, through the real import service: a history of six
months over three services (openings, charges, recalculations, payments of several sources, some payments reversed
in the file), a corrected export of one month that changes and drops rows (the application writes the reversals),
a second import that adds a new month and payments dated in an earlier month (the refresh starts from that earlier
month), an approved write-off of a time-barred debt (settle_written_off writes its corrections) and an undone import.
After every step every summarised figure — account_service_months, service_months, account_months' movements and
debts, account_balances' balance — is compared with plain sums over `ledger_entries` rows computed here, and so
are the breakdown by service, the bulk-document filter, the building's debtors and the dashboard's receipts.
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import insert, select, text

from casework.accounts.models import (
    Account,
    AccountBalance,
    AccountMonth,
    AccountServiceMonth,
    LedgerEntry,
    Service,
    ServiceMonth,
)
from casework.accounts.services import refresh_account_figures
from casework.extensions import db
from casework.imports import services as imports
from casework.timeutil import today

HEADER = "ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа;Сторнирует\n"
SERVICES = ("heating", "hot_water", "cold_water")
SOURCES = ("банк", "касса", "ФССП", "онлайн")
MONTHS = [date(2025, m, 1) for m in range(1, 7)]
OLD_DEBTOR = "300001"


def _rub(kop: int) -> str:
    sign = "-" if kop < 0 else ""
    return f"{sign}{abs(kop) // 100},{abs(kop) % 100:02d}"


def _numbers(n: int) -> list[str]:
    return [f"{200001 + i}" for i in range(n)]


def accounts_csv(numbers: list[str]) -> bytes:
    rows = ["Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Дата закрытия"]
    for i, num in enumerate(numbers + [OLD_DEBTOR]):
        cat = "Прочие" if i % 5 == 4 else "Население"
        rows.append(f"{num};{cat};Должник {num};г. Ленск, ул. Ленина, д. {1 + i % 3}, кв. {i + 1};г. Ленск;")
    return ("\n".join(rows) + "\n").encode()


def history_rows(rng: random.Random, numbers: list[str], months: list[date]) -> list[str]:
    """Random billing rows: an opening now and then, charges of a random set of services, recalculations of either
    sign, payments dated in the month or early in the next one, of several sources, a few reversed in the file."""
    rows = []
    for num in numbers:
        services = rng.sample(SERVICES, rng.randint(1, 3))
        for k, m in enumerate(months):
            if k == 0 and rng.random() < 0.4:
                rows.append(f"{num};{m:%Y-%m};{services[0]};сальдо;{_rub(rng.randint(0, 40_000_00))};;;;")
            for svc in services:
                rows.append(f"{num};{m:%Y-%m};{svc};начисление;{_rub(rng.randint(300_00, 6_000_00))};;;;")
                if rng.random() < 0.12:
                    rows.append(f"{num};{m:%Y-%m};{svc};перерасчёт;{_rub(rng.randint(-1_500_00, 800_00))};;;"
                                f"Р-{num}-{m:%m}-{svc};")
            for j in range(rng.choice((0, 0, 1, 1, 2))):
                paid_on = m + timedelta(days=rng.randint(0, 40))
                ref = f"П-{num}-{m:%m}-{j}"
                svc, amount = rng.choice(services), rng.randint(100_00, 9_000_00)
                rows.append(f"{num};{m:%Y-%m};{svc};оплата;{_rub(amount)};{paid_on:%d.%m.%Y};{rng.choice(SOURCES)};"
                            f"{ref};")
                if rng.random() < 0.15:
                    back = paid_on + timedelta(days=rng.randint(0, 10))
                    rows.append(f"{num};{m:%Y-%m};{svc};оплата;{_rub(-amount)};{back:%d.%m.%Y};банк;;{ref}")
    return rows


def load(kind: str, rows_or_bytes, name: str, **kw):
    data = rows_or_bytes if isinstance(rows_or_bytes, bytes) else (HEADER + "\n".join(rows_or_bytes) + "\n").encode()
    batch = imports.commit_import(kind, data, name, None, via="cli", **kw)
    db.session.commit()
    assert batch.status == "committed", (batch.message, batch.options)
    return batch


def _ledger():
    return db.session.execute(select(LedgerEntry.account_id, LedgerEntry.service_id, LedgerEntry.kind,
                                     LedgerEntry.period, LedgerEntry.paid_on, LedgerEntry.amount_kop,
                                     LedgerEntry.source)).all()


def _month_of(kind, period, paid_on) -> date:
    return paid_on.replace(day=1) if kind == "payment" else period


def expected_cells() -> dict[tuple, list[int]]:
    """(account, month, service) → [opening, charged, recalculated, paid, paid by enforcement], from the rows."""
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for acc, svc, kind, period, paid_on, amount, source in _ledger():
        c = cells[(acc, _month_of(kind, period, paid_on), svc)]
        if kind == "payment":
            c[3] += amount
            if source == "enforcement":
                c[4] += amount
        else:
            c[("opening", "charge", "recalculation").index(kind)] += amount
    return dict(cells)


def assert_summaries_agree() -> None:
    """Every summarised figure equals the plain sum over the ledger rows."""
    cells = expected_cells()
    stored = {(r.account_id, r.month, r.service_id): [r.opening_kop, r.charged_kop, r.recalculated_kop, r.paid_kop,
                                                      r.paid_enforcement_kop]
              for r in db.session.scalars(select(AccountServiceMonth))}
    assert stored == cells

    totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * 5)
    for (_acc, month, svc), c in cells.items():
        totals[(month, svc)] = [a + b for a, b in zip(totals[(month, svc)], c)]
    kept = {(r.month, r.service_id): [r.opening_kop, r.charged_kop, r.recalculated_kop, r.paid_kop,
                                      r.paid_enforcement_kop] for r in db.session.scalars(select(ServiceMonth))}
    nonzero = lambda d: {k: v for k, v in d.items() if any(v)}  # noqa: E731
    assert nonzero(kept) == nonzero(totals)

    moves: dict[tuple, list[int]] = defaultdict(lambda: [0] * 5)
    for (acc, month, _svc), c in cells.items():
        moves[(acc, month)] = [a + b for a, b in zip(moves[(acc, month)], c)]
    rows = db.session.scalars(select(AccountMonth).order_by(AccountMonth.account_id, AccountMonth.month)).all()
    have = {(r.account_id, r.month) for r in rows}
    assert set(moves) <= have
    debt: dict[int, int] = defaultdict(int)
    for r in rows:
        op, ch, rc, pd, pe = moves.get((r.account_id, r.month), [0] * 5)
        assert (r.opening_kop, r.charged_kop, r.recalculated_kop, r.paid_kop, r.paid_enforcement_kop) == \
            (op, ch, rc, pd, pe), (r.account_id, r.month)
        debt[r.account_id] += op + ch + rc - pd
        assert r.debt_end_kop == debt[r.account_id], (r.account_id, r.month)

    signed: dict[int, int] = defaultdict(int)
    for (acc, _month), (op, ch, rc, pd, _pe) in moves.items():
        signed[acc] += op + ch + rc - pd
    balances = dict(db.session.execute(select(AccountBalance.account_id, AccountBalance.balance_kop)).all())
    assert {a: balances.get(a) for a in signed} == dict(signed)
    assert_pages_agree(cells, signed)


def assert_pages_agree(cells: dict, signed: dict[int, int]) -> None:
    """The pages that read the summaries answer the sums over the ledger."""
    from casework.documents.bulk import accounts_for_filter
    from casework.documents.context import load_building_source
    from casework.reports.analysis import debt_by_service, receipts_by_stage

    names = dict(db.session.execute(select(Service.id, Service.name)).all())
    months = sorted({m for _a, m, _s in cells})
    for month in [months[0] - timedelta(days=1)] + months:
        month = month.replace(day=1)
        want: dict[str, list[int]] = {}
        for (_acc, m, svc), (op, ch, rc, pd, _pe) in cells.items():
            if m > month:
                continue
            w = want.setdefault(names[svc], [0, 0, 0])
            w[2] += op + ch + rc - pd
            if m == month:
                w[0] += ch + rc
                w[1] += pd
        assert {s: [c, p, b] for s, c, p, b in debt_by_service(month)} == want, month

    open_ids = set(db.session.scalars(select(Account.id).where(Account.closed_on.is_(None))))
    for minimum in (1, 10_000_00, 50_000_00):
        assert accounts_for_filter(min_debt_kop=minimum) == sorted(
            a for a, v in signed.items() if v >= minimum and a in open_ids)
    for building_id, in db.session.execute(select(Account.building_id).distinct()):
        got = load_building_source(building_id, None).rows
        accs = db.session.execute(select(Account.id, Account.number).where(Account.building_id == building_id,
                                                                           Account.closed_on.is_(None))).all()
        assert sorted((r["account"], r["debt_kop"]) for r in got) == sorted(
            (num, signed[a]) for a, num in accs if signed.get(a, 0) >= 1)

    lo, hi = months[0], months[-1]
    hi = date(hi.year + (hi.month == 12), hi.month % 12 + 1, 1)
    paid = sum(amount for _a, _s, kind, _p, paid_on, amount, _src in _ledger()
               if kind == "payment" and lo <= paid_on < hi)
    assert sum(v for _s, v in receipts_by_stage(lo, hi)) == paid


def test_summaries_agree_with_a_random_ledger_through_every_kind_of_change(app, make_user):
    rng = random.Random(15)
    numbers = _numbers(14)
    load("accounts", accounts_csv(numbers), "accounts.csv")
    history = history_rows(rng, numbers, MONTHS)
    load("ledger", history, "history.csv")
    assert_summaries_agree()

    # a corrected export of March: some charges changed, one dropped; the application reverses what changed
    march = [r for r in history if ";2025-03;" in r and ";оплата;" not in r]
    corrected = [r.replace(";начисление;", ";начисление;1") if i % 4 == 1 else r for i, r in enumerate(march)]
    load("ledger", corrected[1:], "march-corrected.csv", replace_period=True)
    assert db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id.is_not(None),
                                                          LedgerEntry.kind != "payment").limit(1))
    assert_summaries_agree()

    # July's charges and a bank registry with payments dated in February: the refresh starts from February
    july = history_rows(rng, numbers[:9], [date(2025, 7, 1)])
    late = [f"{num};;heating;оплата;{_rub(rng.randint(50_00, 900_00))};{date(2025, 2, 3 + i):%d.%m.%Y};банк;"
            f"Б-{num};" for i, num in enumerate(numbers[::3])]
    batch = load("ledger", july + late, "july-and-late.csv")
    assert_summaries_agree()

    # the old debtor's time-barred debt, written off (settle_written_off writes the corrections)
    from casework.cases import services as cases

    old = [f"{OLD_DEBTOR};2021-{m:02d};heating;начисление;{_rub(2_000_00 + m)};;;;" for m in range(1, 7)]
    load("ledger", old, "old.csv")
    staff = {r: make_user(r) for r in ("collector", "manager")} | {"manager2": make_user("manager")}
    acc_id = db.session.scalar(select(Account.id).where(Account.number == OLD_DEBTOR))
    case = cases.open_case(acc_id, staff["collector"], today())
    proposal = cases.propose_writeoff(case, "limitation", "расчёт давности", staff["manager"], today())
    cases.decide_writeoff(proposal, True, staff["manager2"], today())
    db.session.commit()
    assert db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.source == "writeoff").limit(1))
    assert_summaries_agree()

    # the July file undone: every row of it reversed, the figures refreshed
    imports.undo_import(batch.id, staff["manager"])
    db.session.commit()
    assert_summaries_agree()


def test_a_second_import_changing_an_earlier_month_keeps_the_summaries_current(app):
    """The refresh from the earliest changed month (since) adds the change to service_months and rewrites only the
    touched accounts' cells from that month; a full refresh afterwards changes nothing."""
    rng = random.Random(7)
    numbers = _numbers(8)
    load("accounts", accounts_csv(numbers), "accounts.csv")
    load("ledger", history_rows(rng, numbers, MONTHS), "history.csv")
    before = {(r.month, r.service_id): r.paid_kop for r in db.session.scalars(select(ServiceMonth))}
    heating = db.session.scalar(select(Service.id).where(Service.code == "heating"))
    load("ledger", [f"{numbers[2]};;heating;оплата;1234,56;14.02.2025;банк;Л-1;",
                    f"{numbers[5]};2025-04;heating;перерасчёт;-100,01;;;Л-2;"], "late.csv")
    after = {(r.month, r.service_id): r.paid_kop for r in db.session.scalars(select(ServiceMonth))}
    assert after[(date(2025, 2, 1), heating)] == before.get((date(2025, 2, 1), heating), 0) + 123456
    assert_summaries_agree()
    kept = sorted((r.account_id, r.month, r.service_id, r.charged_kop, r.recalculated_kop, r.paid_kop)
                  for r in db.session.scalars(select(AccountServiceMonth)))
    kept_totals = sorted((r.month, r.service_id, r.charged_kop, r.paid_kop) for r in db.session.scalars(
        select(ServiceMonth)) if any((r.opening_kop, r.charged_kop, r.recalculated_kop, r.paid_kop)))
    refresh_account_figures(None)
    db.session.commit()
    db.session.expire_all()
    assert sorted((r.account_id, r.month, r.service_id, r.charged_kop, r.recalculated_kop, r.paid_kop)
                  for r in db.session.scalars(select(AccountServiceMonth))) == kept
    assert sorted((r.month, r.service_id, r.charged_kop, r.paid_kop) for r in db.session.scalars(
        select(ServiceMonth)) if any((r.opening_kop, r.charged_kop, r.recalculated_kop, r.paid_kop))) == kept_totals


def _account(number: str) -> int:
    db.session.execute(insert(Account), [{"number": number, "category": "population", "debtor_name": "Должник",
                                          "address": "ул. Мира, 1", "search_text": number}])
    return db.session.scalar(select(Account.id).where(Account.number == number))


def _charge(acc: int, month: date, kop: int, key: str) -> None:
    svc = db.session.scalar(select(Service.id).where(Service.code == "heating"))
    db.session.execute(insert(LedgerEntry), [{"account_id": acc, "service_id": svc, "period": month,
                                              "kind": "charge", "amount_kop": kop, "entry_key": key}])


def test_unchanged_balances_are_not_written_again(app, is_postgres):
    """A refresh of several accounts writes the account_balances row only of the account whose figures changed:
    on PostgreSQL the untouched rows keep their xmin (no new tuple), on SQLite no trigger of the table fires."""
    a, b, c = _account("A1"), _account("B1"), _account("C1")
    for acc in (a, b, c):
        _charge(acc, date(2025, 1, 1), 10_000, f"k{acc}-1")
    as_of = date(2025, 6, 1)
    refresh_account_figures([a, b, c], as_of=as_of)
    db.session.commit()
    conn = db.session.connection()
    if is_postgres:
        def versions():
            return dict(conn.execute(text("SELECT account_id, xmin::text FROM account_balances")).all())
        old = versions()
    else:
        # real (not TEMP) table and triggers: the session may take another pooled connection after the commit
        conn.exec_driver_sql("CREATE TABLE balance_writes (account_id INTEGER, what TEXT)")
        for what, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            conn.exec_driver_sql(f"CREATE TRIGGER balance_{what.lower()} AFTER {what} ON account_balances "
                                 f"BEGIN INSERT INTO balance_writes VALUES ({row}.account_id, '{what}'); END")
        db.session.commit()
    _charge(b, date(2025, 1, 1), 5_000, f"k{b}-2")  # within the same months: the others' figures stay the same
    refresh_account_figures([a, b, c], as_of=as_of)
    db.session.commit()
    conn = db.session.connection()
    assert db.session.get(AccountBalance, b).balance_kop == 15_000
    if is_postgres:
        new = versions()
        assert [acc for acc in (a, b, c) if new[acc] != old[acc]] == [b]
    else:
        writes = conn.exec_driver_sql("SELECT account_id, what FROM balance_writes").all()
        for what in ("insert", "update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER balance_{what}")
        conn.exec_driver_sql("DROP TABLE balance_writes")
        db.session.commit()
        assert writes == [(b, "UPDATE")]
    # the as_of of the figures is a figure too: a later day rewrites every row of the scope
    refresh_account_figures([a, c], as_of=as_of + timedelta(days=1))
    assert {db.session.get(AccountBalance, acc).as_of for acc in (a, c)} == {as_of + timedelta(days=1)}


def test_the_ledger_has_a_brin_index_on_its_creation_time_on_postgresql_only(app, is_postgres):
    """«Lines imported after the month was closed» reads block ranges of the append-only ledger (PostgreSQL); SQLite
    gets no index for it (a B-tree would cost every import)."""
    conn = db.session.connection()
    if is_postgres:
        ddl = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_ledger_created_brin'")).scalar()
        assert ddl is not None and "USING brin (created_at)" in ddl
    else:
        assert conn.execute(text("SELECT name FROM sqlite_master WHERE name = 'ix_ledger_created_brin'")).first() is None
