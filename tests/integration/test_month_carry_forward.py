"""Every account's debt reaches every month of the monthly form, whatever a later file touched.

The data arrive the way a billing system delivers them, through the real import service: the registry of
accounts, a full ledger history (January–June 2025), then a bank registry of three payments dated in July.
The form of July (the month after the history), of August (a month after the last import) and of every month
up to the current one must equal an independent computation from the ledger, written here as plain sums over
`ledger_entries` rows (not the app's queries). Among the accounts: a closed one and a moved-out one with debt and
no charges after they ended — the worst debtors, who must not drop out of the form.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.accounts.models import Account, LedgerEntry
from casework.extensions import db
from casework.imports import services
from casework.reports.queries import drilldown_total, fetch_form_figures, months_with_data
from casework.reports.services import monthly_report
from casework.timeutil import today

HEADER = "ЛС;Период;Услуга;Вид;Сумма;Дата оплаты;Источник;Номер документа\n"

ACCOUNTS = ("Лицевой счёт;Категория;ФИО;Адрес;Населенный пункт;Дата закрытия\n"
            "200001;Население;Иванов Иван Иванович;г. Ленск, ул. Ленина, д. 1, кв. 1;г. Ленск;\n"
            "200002;Население;Петрова Анна Сергеевна;г. Ленск, ул. Ленина, д. 1, кв. 2;г. Ленск;\n"
            "200003;Население;Сидоров Пётр Петрович;г. Ленск, ул. Ленина, д. 1, кв. 3;г. Ленск;31.03.2025\n"
            "200004;Население;Козлова Мария Ивановна;г. Ленск, ул. Мира, д. 2, кв. 4;г. Ленск;\n"
            "200005;Население;Новиков Олег Юрьевич;г. Ленск, ул. Мира, д. 2, кв. 5;г. Ленск;\n"
            "200006;Прочие;ООО «Север»;п. Витим, ул. Мира, 1;п. Витим;\n"
            "200007;Прочие;ИП Орлов Сергей Викторович;п. Витим, ул. Мира, 3;п. Витим;31.01.2025\n"
            "200008;Прочие;МКУ «Школа № 2»;п. Витим, ул. Школьная, 2;п. Витим;\n")

MONTHS = [date(2025, m, 1) for m in range(1, 7)]  # the full history: January–June 2025


def _p(m: date) -> str:
    return f"{m:%Y-%m}"


def history_csv() -> bytes:
    """The full history as billing exports it: openings, monthly charges, a recalculation, payments of several
    sources (one through enforcement, one reversed)."""
    rows = [
        # 200001: opening + charges every month, pays most months
        f"200001;{_p(MONTHS[0])};heating;сальдо;12000,00;;;",
        *[f"200001;{_p(m)};heating;начисление;3500,00;;;" for m in MONTHS],
        *[f"200001;{_p(m)};heating;оплата;3000;{m.replace(day=12):%d.%m.%Y};банк;П1-{m.month}" for m in MONTHS[:5]],
        # 200002: charges, never pays; a recalculation in March
        *[f"200002;{_p(m)};hot_water;начисление;1800,50;;;" for m in MONTHS],
        "200002;2025-03;hot_water;перерасчёт;-300,25;;;Р-1",
        # 200003: closed on 31.03.2025 with debt — opening, three charges, no payment ever
        "200003;2025-01;heating;сальдо;45000,00;;;",
        *[f"200003;{_p(m)};heating;начисление;4200,00;;;" for m in MONTHS[:3]],
        # 200004: moved out after February: charges Jan–Feb, one payment in March, nothing after
        *[f"200004;{_p(m)};cold_water;начисление;950,00;;;" for m in MONTHS[:2]],
        "200004;2025-03;cold_water;оплата;500;03.03.2025;касса;",
        # 200005: a debtor under enforcement: charges, then bailiffs' payments
        "200005;2025-01;heating;сальдо;30000,00;;;",
        *[f"200005;{_p(m)};heating;начисление;3100,00;;;" for m in MONTHS],
        "200005;2025-04;heating;оплата;7000;21.04.2025;ФССП;ИП-1",
        "200005;2025-06;heating;оплата;2500;16.06.2025;ФССП;ИП-2",
        # 200006: an organisation paying in full, one payment reversed and paid again
        *[f"200006;{_p(m)};heating;начисление;150000,00;;;" for m in MONTHS],
        *[f"200006;{_p(m)};heating;оплата;150000;{m.replace(day=25):%d.%m.%Y};банк;ПП-{m.month}" for m in MONTHS],
        "200006;2025-05;heating;оплата;-150000;25.05.2025;банк;;ПП-5",  # reverses ПП-5; paid again below
        "200006;2025-05;heating;оплата;150000;28.05.2025;банк;ПП-5а",
        # 200007: an organisation closed on 31.01.2025 with an old debt and nothing after
        "200007;2025-01;heating;сальдо;820000,00;;;",
        "200007;2025-01;heating;начисление;61000,00;;;",
        # 200008: an organisation that overpaid (negative balance)
        *[f"200008;{_p(m)};heating;начисление;20000,00;;;" for m in MONTHS],
        "200008;2025-02;heating;оплата;200000;10.02.2025;банк;ПП-77",
    ]
    padded = [r if r.count(";") == 8 else r + ";" for r in rows]
    return (HEADER.rstrip("\n") + ";Сторнирует\n" + "\n".join(padded) + "\n").encode()


def bank_registry_csv(paid_on: date) -> bytes:
    """A bank's registry: three payments, three accounts, nothing else."""
    d = paid_on.strftime("%d.%m.%Y")
    return (HEADER + f"200001;;heating;оплата;3500;{d};банк;Р-101\n"
            f"200002;;hot_water;оплата;1000;{d};банк;Р-102\n"
            f"200006;;heating;оплата;150000;{d};банк;Р-103\n").encode()


def load(kind: str, data: bytes, name: str):
    batch = services.commit_import(kind, data, name, None, via="cli")
    db.session.commit()
    assert batch.status == "committed", (batch.message, batch.options)
    return batch


def add_month(m: date, n: int) -> date:
    i = m.year * 12 + m.month - 1 + n
    return date(i // 12, i % 12 + 1, 1)


def ledger_form(month: date) -> dict[str, dict[str, int]]:
    """The form computed independently from the ledger rows: plain sums per category.

    debt at the start = openings, charges and recalculations of earlier periods + the month's openings −
    payments dated before the 1st; charged = charges + recalculations of the month; paid = payments dated in
    the month (reversals negative), enforcement = those with source enforcement; debt at the end = everything
    up to the month's end; overdue (fifo) = per account max(0, debt at the end − max(0, charged of the month)).
    """
    end = add_month(month, 1) - timedelta(days=1)
    rows = db.session.execute(
        select(LedgerEntry.account_id, Account.category, LedgerEntry.kind, LedgerEntry.period,
               LedgerEntry.amount_kop, LedgerEntry.paid_on, LedgerEntry.source)
        .join(Account, Account.id == LedgerEntry.account_id)).all()
    acc: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    first: dict[int, date] = {}
    category: dict[int, str] = {}
    for account_id, cat, kind, period, amount, paid_on, source in rows:
        a = acc[account_id]
        category[account_id] = cat
        when = paid_on.replace(day=1) if kind == "payment" else period
        first[account_id] = min(first.get(account_id, when), when)
        if kind == "payment":
            if paid_on < month:
                a["debt_start"] -= amount
            if month <= paid_on <= end:
                a["paid"] += amount
                if source == "enforcement":
                    a["enforcement"] += amount
            if paid_on <= end:
                a["debt_end"] -= amount
        else:
            if period < month or (kind == "opening" and period == month):
                a["debt_start"] += amount
            if kind in ("charge", "recalculation") and period == month:
                a["charged"] += amount
            if period <= month:
                a["debt_end"] += amount
    out = {c: defaultdict(int) for c in ("population", "other", "total")}
    for account_id, a in acc.items():
        if first[account_id] > month:
            continue  # no figures before the account's first ledger month
        overdue = max(0, a["debt_end"] - max(0, a["charged"]))
        for c in (category[account_id], "total"):
            for k in ("debt_start", "charged", "paid", "enforcement", "debt_end"):
                out[c][k] += a[k]
            out[c]["overdue"] += overdue
            out[c]["accounts"] += 1
    return out


def form_as_dict(month: date) -> dict[str, dict[str, int]]:
    rows = fetch_form_figures(month, "fifo").rows
    return {c: {"debt_start": r.debt_start_kop, "charged": r.charged_kop, "paid": r.paid_kop,
                "enforcement": r.enforcement_kop, "overdue": r.overdue_kop, "debt_end": r.debt_end_kop,
                "accounts": r.accounts} for c, r in rows.items()}


def expected(month: date) -> dict[str, dict[str, int]]:
    keys = ("debt_start", "charged", "paid", "enforcement", "overdue", "debt_end", "accounts")
    return {c: {k: int(v[k]) for k in keys} for c, v in ledger_form(month).items()}


@pytest.fixture()
def history(app):
    load("accounts", ACCOUNTS.encode(), "accounts.csv")
    load("ledger", history_csv(), "history-2025-01-06.csv")


def test_the_bank_registry_of_three_payments_keeps_every_other_account(history):
    june = date(2025, 6, 1)
    before = expected(june)
    assert form_as_dict(june) == before
    assert before["total"]["accounts"] == 8 and before["total"]["debt_end"] > 900_000_00
    load("ledger", bank_registry_csv(date(2025, 7, 8)), "bank-2025-07-08.csv")

    july, august = date(2025, 7, 1), date(2025, 8, 1)
    want = expected(july)
    # July's debt at the start is June's debt at the end: nobody dropped out
    assert want["total"]["debt_start"] == before["total"]["debt_end"]
    assert want["total"]["paid"] == (3500 + 1000 + 150000) * 100
    assert form_as_dict(july) == want
    assert monthly_report(july).rows["total"].debt_start_kop == want["total"]["debt_start"]
    # a month after the last import: the debt is carried forward, nothing charged or paid
    want = expected(august)
    assert want["total"]["debt_start"] == want["total"]["debt_end"] == before["total"]["debt_end"] - 154500_00
    assert form_as_dict(august) == want
    assert drilldown_total(august, "debt_start", None) == want["total"]["debt_start"]
    assert drilldown_total(august, "overdue", "other") == want["other"]["overdue"]
    # every month from the first of the history up to the current one
    m, current = date(2025, 1, 1), today().replace(day=1)
    while m <= current:
        assert form_as_dict(m) == expected(m), m
        m = add_month(m, 1)
    assert months_with_data(through=current)[0] == current


def test_closed_and_moved_out_debtors_stay_in_every_later_month(history):
    load("ledger", bank_registry_csv(date(2025, 7, 8)), "bank-2025-07-08.csv")
    closed = {n: db.session.scalar(select(Account.id).where(Account.number == n)) for n in ("200003", "200007")}
    for month in (date(2025, 7, 1), date(2025, 8, 1), today().replace(day=1)):
        from casework.reports.queries import drilldown_stmt

        listed = {row.id: row.value_kop for row in db.session.execute(drilldown_stmt(month, "debt_start", None))}
        # 200003: 45 000 + 3 × 4 200; 200007: 820 000 + 61 000 — both closed, no movement since
        assert listed.get(closed["200003"]) == (45000 + 3 * 4200) * 100, month
        assert listed.get(closed["200007"]) == (820000 + 61000) * 100, month


def test_a_registry_after_a_gap_carries_everyone_through_the_empty_month(history):
    """Payments dated in September after a history ending in June: July and August have no file at all."""
    load("ledger", bank_registry_csv(date(2025, 9, 3)), "bank-2025-09-03.csv")
    for month in (date(2025, 7, 1), date(2025, 8, 1), date(2025, 9, 1), date(2025, 10, 1)):
        assert form_as_dict(month) == expected(month), month


def test_two_registries_reaching_a_new_month_at_once(app, history):
    """Two bank registries for different accounts, both dated in July, imported at the same moment (real threads,
    own sessions): both commit and July equals the ledger — on PostgreSQL the second refresh waits for the first
    and then sees its rows instead of carrying the same accounts forward a second time."""
    import threading

    files = [(HEADER + "200001;;heating;оплата;3500;08.07.2025;банк;Р-201\n"
                       "200002;;hot_water;оплата;1000;08.07.2025;банк;Р-202\n").encode(),
             (HEADER + "200005;;heating;оплата;2000;09.07.2025;ФССП;ИП-3\n"
                       "200006;;heating;оплата;150000;09.07.2025;банк;Р-203\n").encode()]
    start = threading.Barrier(2)
    results: list = [None, None]

    def importer(i):
        with app.app_context():
            try:
                start.wait(10)
                b = services.commit_import("ledger", files[i], f"bank-{i}.csv", None, via="cli")
                db.session.commit()
                results[i] = b.status
            except BaseException as exc:  # asserted below
                results[i] = exc
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=importer, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == ["committed", "committed"], results
    db.session.expire_all()
    for month in (date(2025, 7, 1), date(2025, 8, 1)):
        assert form_as_dict(month) == expected(month), month


def test_refresh_figures_command_repairs_months_left_empty_by_earlier_versions(history, runner):
    """A database written before the fix: the accounts a registry did not touch have no July rows."""
    from sqlalchemy import delete

    from casework.accounts.models import AccountMonth

    load("ledger", bank_registry_csv(date(2025, 7, 8)), "bank-2025-07-08.csv")
    touched = select(Account.id).where(Account.number.in_(("200001", "200002", "200006")))
    db.session.execute(delete(AccountMonth).where(AccountMonth.month == date(2025, 7, 1),
                                                  AccountMonth.account_id.not_in(touched)))
    db.session.commit()
    july = date(2025, 7, 1)
    assert form_as_dict(july) != expected(july)
    result = runner.invoke(args=["report", "refresh-figures"])
    assert result.exit_code == 0, result.output
    assert "2025-07-01" in result.output
    db.session.expire_all()
    assert form_as_dict(july) == expected(july)
