"""Corrected exports (issue 13 item 4), with files as billing systems write them: a 1С ledger export in Windows-1251
whose later version corrects one payment (same document number, new amount) and drops another, and 1С
оборотно-сальдовые ведомости imported out of order. Ledger sums, the monthly figures and the legal calculation are
checked against plain sums written here; the ledger is never edited or deleted."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from casework.accounts.models import Account, AccountBalance, AccountMonth, LedgerEntry
from casework.audit.models import AuditEvent
from casework.domain.errors import DomainError
from casework.extensions import db
from casework.imports import services
from casework.imports.models import ImportBatch
from casework.legal.adapter import ledger_entries_for, ledger_kopecks
from casework.timeutil import today
from tests.osv_builder import MONTH_NAMES, OsvLine, build_osv


def add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


M = add_months(today(), -1)  # the month just ended
M0 = add_months(today(), -2)
M00 = add_months(today(), -3)

REGISTRY = ("Лицевой счёт;Категория;ФИО;Адрес\n"
            "000101;Физическое лицо;Иванов Иван Иванович;г. Ленск, ул. Ленина, д. 5, кв. 1\n"
            "000102;Физическое лицо;Петрова Анна;г. Ленск, ул. Ленина, д. 5, кв. 2\n"
            "000201;Бюджетные организации;МБДОУ «Солнышко»;г. Ленск, ул. Мира, д. 1\n").encode("cp1251")

# a 1С ledger export: Windows-1251, «;», month in words, 1С's kinds and sources, document numbers
HEADER = "Лицевой счет;Период;Услуга;Вид операции;Сумма;Дата платежа;Источник оплаты;Номер документа\n"


def month_words(m: date) -> str:
    return f"{MONTH_NAMES[m.month - 1]} {m.year}"


def ledger_file(p17: str = "1500,00", with_p18: bool = True) -> bytes:
    d0, d1 = f"12.{M0:%m.%Y}", f"15.{M:%m.%Y}"
    rows = [f"000101;{month_words(M0)};Отопление;Начислено;2 500,50;;;",
            f"000101;{month_words(M)};Отопление;Начислено;2 500,50;;;",
            f"000102;{month_words(M0)};ХВС;Начислено;800,00;;;",
            f"000101;{month_words(M0)};Отопление;Оплачено;1 000,00;{d0};Почта России;П-16",
            f"000101;{month_words(M)};Отопление;Оплачено;{p17};{d1};Банк;П-17"]
    if with_p18:
        rows.append(f"000102;{month_words(M)};ХВС;Оплачено;300,00;{d1};Касса;П-18")
    return (HEADER + "\n".join(rows) + "\n").encode("cp1251")


def ledger_sum(kind: str | None = None, number: str | None = None) -> int:
    q = select(func.coalesce(func.sum(LedgerEntry.amount_kop), 0)).join(Account, Account.id == LedgerEntry.account_id)
    if kind:
        q = q.where(LedgerEntry.kind == kind)
    if number:
        q = q.where(Account.number == number)
    return int(db.session.scalar(q))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(LedgerEntry))


def account_id(number: str) -> int:
    return db.session.scalar(select(Account.id).where(Account.number == number))


def month_row(number: str, month: date) -> AccountMonth:
    return db.session.get(AccountMonth, (account_id(number), month))


def legal_paid(number: str) -> int:
    """What the legal engine counts as paid (reversals applied), as of today."""
    _charges, pays = ledger_kopecks(ledger_entries_for(account_id(number)), today())
    return sum(p[2] for p in pays if p[1] is not None)


def load(kind: str, data: bytes, name: str, **kw) -> ImportBatch:
    b = services.commit_import(kind, data, name, None, via="cli", **kw)
    db.session.commit()
    assert b.status == "committed", b.options
    return b


@pytest.fixture()
def registry(app):
    load("accounts", REGISTRY, "реестр.csv")


def test_a_corrected_and_a_deleted_payment(registry):
    first = load("ledger", ledger_file(), "Выгрузка 1С.csv")
    assert first.rows_inserted == 6
    assert ledger_sum("payment") == 100000 + 150000 + 30000
    rows_before = count()

    corrected = ledger_file(p17="1 200,00", with_p18=False)  # billing corrected П-17 and deleted П-18
    pv = services.validate_file("ledger", corrected, "Выгрузка 1С (испр).csv")
    assert pv.errors == [] and (pv.rows_new, pv.rows_known) == (0, 4)
    c = pv.summary["corrections"]
    assert (c["changed_count"], c["changed_old_kop"], c["changed_new_kop"]) == (1, 150000, 120000)
    assert c["changed"][0]["reference"] == "П-17" and c["changed"][0]["account"] == "000101"
    assert (c["gone_count"], c["gone_kop"]) == (1, 30000)
    assert c["gone"][0]["reference"] == "П-18" and c["gone"][0]["batch_id"] == first.id

    # without «заменить данные периода»: the corrected payment is not added as a second one
    plain = load("ledger", corrected, "Выгрузка 1С (испр).csv")
    assert (plain.rows_inserted, plain.rows_duplicate) == (0, 4)
    assert plain.options["corrections"]["changed"] == 1
    assert count() == rows_before and ledger_sum("payment") == 280000

    # with it: reversing entries of the old payment and of the deleted one, and the new amount
    rep = load("ledger", corrected, "Выгрузка 1С (испр).csv", replace_period=True)
    assert (rep.rows_inserted, rep.rows_updated) == (0, 1)
    assert rep.options["corrections"]["reversed"] == 2 and rep.options["corrections"]["reversed_kop"] == -180000
    assert count() == rows_before + 3  # nothing edited or deleted: two reversals and the new row
    assert ledger_sum("payment") == 100000 + 120000
    assert ledger_sum("payment", "000102") == 0
    reversals = db.session.scalars(select(LedgerEntry).where(LedgerEntry.reverses_id.is_not(None))).all()
    assert sorted((r.reference, r.amount_kop, r.batch_id) for r in reversals) == [("П-17", -150000, rep.id),
                                                                               ("П-18", -30000, rep.id)]
    # the figures: paid by payment date, balances, and the legal engine's payments
    assert month_row("000101", M).paid_kop == 120000
    assert month_row("000102", M).paid_kop == 0
    assert db.session.get(AccountBalance, account_id("000101")).balance_kop == 250050 * 2 - 100000 - 120000
    assert db.session.get(AccountBalance, account_id("000102")).balance_kop == 80000
    assert legal_paid("000101") == 220000 and legal_paid("000102") == 0

    # the same corrected file again: nothing to add, nothing to replace
    pv = services.validate_file("ledger", corrected, "again.csv")
    c = pv.summary["corrections"]
    assert (pv.rows_new, pv.rows_known, c["changed_count"], c["gone_count"]) == (0, 5, 0, 0)

    # undo the replacing import: the reversals are reversed, the new row too: back to the first export
    plan = services.undo_plan(db.session.get(ImportBatch, rep.id))
    assert plan.refusal is None and len(plan.rows) == 3
    services.undo_import(rep.id, None)
    db.session.commit()
    assert db.session.get(ImportBatch, rep.id).status == "undone"
    assert ledger_sum("payment") == 280000 and count() == rows_before + 6
    assert month_row("000101", M).paid_kop == 150000 and month_row("000102", M).paid_kop == 30000
    assert legal_paid("000101") == 250000 and legal_paid("000102") == 30000
    ev = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import_undo"))
    assert ev.entity_id == rep.id and ev.changes["reversed"] == 3
    with pytest.raises(DomainError):
        services.undo_import(rep.id, None)
    db.session.rollback()

    # undo the first export: every account's ledger nets to zero
    services.undo_import(first.id, None)
    db.session.commit()
    assert ledger_sum() == 0
    assert db.session.scalar(select(func.sum(AccountBalance.balance_kop))) == 0
    assert all(legal_paid(n) == 0 for n in ("000101", "000102"))
    # the first export can be imported again after its undo: its rows come back under keys of their own
    again = load("ledger", ledger_file(), "Выгрузка 1С.csv")
    assert again.rows_inserted == 6 and ledger_sum("payment") == 280000


def test_an_undo_is_refused_for_a_registry_and_follows_closed_months(registry):
    from casework.reports.services import adjustments_for, close_month

    reg = db.session.scalar(select(ImportBatch).where(ImportBatch.kind == "accounts"))
    assert services.undo_plan(reg).refusal
    b = load("ledger", ledger_file(), "l.csv")
    close_month(M0, None, today())
    db.session.commit()
    plan = services.undo_plan(db.session.get(ImportBatch, b.id))
    assert plan.closed_rows() == 3  # two charges of M0 and the payment dated in M0
    services.undo_import(b.id, None)
    db.session.commit()
    # a late correction of a closed month, as any: the submitted M0 stays, M shows the correction line
    adj, base = adjustments_for(M)
    assert base == M0 and adj["total"] == -(250050 + 80000 - 100000)


def osv(month: date, lines: list[OsvLine]) -> bytes:
    return build_osv(lines, title=f"Оборотно-сальдовая ведомость по счету 62 за {month_words(month)} г.")


def test_a_later_osv_imported_before_the_earlier_months_adds_no_second_opening(registry):
    D = Decimal
    # the sheet of M arrives first: its opening 928 508,56 is the debt carried from before
    later = osv(M, [OsvLine("000101", "Отопление", D("928508.56"), D("2500.50"), D("1000.00"))])
    load("turnover", later, "ОСВ M.xlsx")
    assert ledger_sum("opening") == 92850856
    # then the earlier months (the full history): M00 starts with 926 008,06
    earlier = [osv(M00, [OsvLine("000101", "Отопление", D("926008.06"), D("2500.50"), D("1000.00"))]),
               osv(M0, [OsvLine("000101", "Отопление", D("927508.56"), D("2500.50"), D("1500.50"))])]
    pv = services.validate_file("turnover", earlier[0], "ОСВ M00.xlsx")
    c = pv.summary["corrections"]
    assert c["changed_count"] == 1 and c["changed"][0]["kind"] == "opening"
    assert (c["changed_old_kop"], c["changed_new_kop"]) == (92850856, 92600806)
    load("turnover", earlier[0], "ОСВ M00.xlsx")  # by default: the opening of M stays, none is added
    assert ledger_sum("opening") == 92850856
    load("turnover", earlier[0], "ОСВ M00.xlsx", replace_period=True)  # the earlier opening replaces the later one
    assert ledger_sum("opening") == 92600806
    pv = services.validate_file("turnover", earlier[1], "ОСВ M0.xlsx")
    assert pv.summary["corrections"]["kept_openings_count"] == 1
    assert pv.summary["corrections"]["kept_openings"][0]["reason"] == "later"
    load("turnover", earlier[1], "ОСВ M0.xlsx")
    load("turnover", later, "ОСВ M.xlsx")  # the sheet of M again: nothing added
    assert ledger_sum("opening") == 92600806
    acc = account_id("000101")
    # the debt at the start of M is the sheet's opening, the balance its closing
    assert month_row("000101", M).debt_start_kop == 92850856
    assert db.session.get(AccountBalance, acc).balance_kop == 92850856 + 250050 - 100000
    assert ledger_sum(number="000101") - 2 * ledger_sum("payment", "000101") == 92850856 + 250050 - 100000


def test_an_osv_after_a_ledger_with_its_history_adds_no_opening(registry):
    D = Decimal
    load("ledger", (HEADER + f"000101;{month_words(M0)};Отопление;Сальдо начальное;5 000,00;;;\n"
                    f"000101;{month_words(M0)};Отопление;Начислено;2 500,50;;;\n"
                    f"000102;{month_words(M0)};Отопление;Начислено;1 000,00;;;\n").encode("cp1251"), "history.csv")
    sheet = osv(M, [OsvLine("000101", "Отопление", D("7500.50"), D("2500.50"), D("0")),
                    OsvLine("000102", "Отопление", D("1000.00"), D("2500.50"), D("0"))])
    pv = services.validate_file("turnover", sheet, "ОСВ.xlsx")
    kept = {k["account"]: k["reason"] for k in pv.summary["corrections"]["kept_openings"]}
    assert kept == {"000101": "later", "000102": "earlier_entries"}
    assert pv.summary["corrections"]["kept_openings_kop"] == 750050 + 100000
    load("turnover", sheet, "ОСВ.xlsx")
    assert ledger_sum("opening") == 500000
    assert ledger_sum() == 500000 + 250050 + 100000 + 250050 * 2


def test_the_command_line_replaces_and_undoes(registry, runner, tmp_path):
    first = tmp_path / "Выгрузка 1С.csv"
    first.write_bytes(ledger_file())
    second = tmp_path / "Выгрузка 1С (испр).csv"
    second.write_bytes(ledger_file(p17="1 200,00", with_p18=False))
    assert runner.invoke(args=["import", "ledger", str(first)]).exit_code == 0
    out = runner.invoke(args=["import", "ledger", str(second), "--replace-period"])
    assert out.exit_code == 0, out.output
    assert "2" in out.output and ledger_sum("payment") == 220000
    rep = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    refused = runner.invoke(args=["import", "undo", str(rep.id)])
    assert refused.exit_code != 0 and ledger_sum("payment") == 220000
    done = runner.invoke(args=["import", "undo", str(rep.id), "--yes"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert ledger_sum("payment") == 280000
    assert runner.invoke(args=["import", "undo", str(rep.id), "--yes"]).exit_code != 0


def test_a_partial_file_never_reverses_the_accounts_it_does_not_have(registry):
    """A bank's registry of one corrected payment covers the month's payments, but only of its own account: the other
    accounts' payments of that month are "absent", kept by «заменить данные периода» unless also asked for."""
    load("ledger", ledger_file(), "Выгрузка 1С.csv")
    bank = (HEADER + f"000101;{month_words(M)};Отопление;Оплачено;1 200,00;15.{M:%m.%Y};Банк;П-17\n").encode("cp1251")
    c = services.validate_file("ledger", bank, "Реестр банка.csv").summary["corrections"]
    assert (c["changed_count"], c["gone_count"]) == (1, 0)
    assert (c["absent_count"], c["absent_accounts"], c["absent_kop"]) == (1, 1, 30000)
    assert c["absent"][0]["account"] == "000102" and c["absent"][0]["reference"] == "П-18"

    rep = load("ledger", bank, "Реестр банка.csv", replace_period=True)
    assert rep.options["corrections"]["reversed"] == 1 and rep.options["corrections"]["absent_reversed"] == 0
    assert ledger_sum("payment", "000101") == 100000 + 120000
    assert ledger_sum("payment", "000102") == 30000  # П-18 of the account the registry does not have: kept

    services.undo_import(rep.id, None)
    db.session.commit()
    rep = load("ledger", bank, "Реестр банка.csv", replace_period=True, replace_absent=True)
    assert rep.options["corrections"]["reversed"] == 2 and rep.options["corrections"]["absent_reversed"] == 1
    assert ledger_sum("payment", "000101") == 100000 + 120000 and ledger_sum("payment", "000102") == 0
    assert month_row("000102", M).paid_kop == 0


def test_a_corrected_osv_replaces_the_month(registry):
    D = Decimal
    first = osv(M, [OsvLine("000101", "Отопление", D("1000.00"), D("2500.50"), D("1000.00")),
                    OsvLine("000102", "Отопление", D("0"), D("800.00"), D("300.00")),
                    OsvLine("000201", "ГВС", D("0"), D("640.10"), D("0"))])
    load("turnover", first, "ОСВ.xlsx")
    # billing re-posted: 000101 paid 800,00, not 1 000,00; 000102's charge and payment were cancelled
    fixed = osv(M, [OsvLine("000101", "Отопление", D("1000.00"), D("2500.50"), D("800.00")),
                    OsvLine("000201", "ГВС", D("0"), D("640.10"), D("0"))])
    pv = services.validate_file("turnover", fixed, "ОСВ (испр).xlsx")
    c = pv.summary["corrections"]
    assert (c["changed_count"], c["changed_old_kop"], c["changed_new_kop"]) == (1, 100000, 80000)
    # 000102 is not in the corrected sheet at all: its rows are "absent", reversed only when asked for separately
    assert (c["gone_count"], c["absent_count"], c["absent_accounts"], c["absent_kop"]) == (0, 2, 1, 80000 + 30000)
    load("turnover", fixed, "ОСВ (испр).xlsx", replace_period=True, replace_absent=True)
    # the balances are the corrected sheet's closing balances
    assert db.session.get(AccountBalance, account_id("000101")).balance_kop == 100000 + 250050 - 80000
    assert db.session.get(AccountBalance, account_id("000102")).balance_kop == 0
    assert db.session.get(AccountBalance, account_id("000201")).balance_kop == 64010
    assert month_row("000101", M).paid_kop == 80000 and month_row("000102", M).charged_kop == 0
