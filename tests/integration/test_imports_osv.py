"""Imports against a real database: a 1С оборотно-сальдовая ведомость, the values billings write (aliases),
impossible dates, KOI8-R, header-only files, and the preview's summary."""
from datetime import date

from sqlalchemy import func, select

from casework.accounts.models import AccountBalance, LedgerEntry
from casework.extensions import db
from casework.imports import aliases, services
from casework.imports.models import ImportAlias, ImportBatch
from casework.timeutil import today
from tests.osv_builder import MONTH_NAMES, build_osv, sample_lines


def add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


# the month just ended and the one before: the files are dated relative to the clock (dates after the current month
# are refused)
M = add_months(today(), -1)
M0 = add_months(today(), -2)
LAST_DAY = (add_months(M, 1) - date.resolution).isoformat()
TITLE = f"Оборотно-сальдовая ведомость по счету 62 за {MONTH_NAMES[M.month - 1]} {M.year} г."

REGISTRY = ("Лицевой счёт;Категория;ФИО;Адрес\n"
            "000101;Физическое лицо;Иванов Иван Иванович;г. Ленск, ул. Ленина, д. 5, кв. 1\n"
            "000102;Физическое лицо;Петрова Анна;г. Ленск, ул. Ленина, д. 5, кв. 2\n"
            "000201;Бюджетные организации;МБДОУ «Солнышко»;г. Ленск, ул. Мира, д. 1\n"
            "000202;Юридическое лицо;ООО «Ромашка»;г. Ленск, ул. Мира, д. 3\n")


def load_registry():
    b = services.commit_import("accounts", REGISTRY.encode("cp1251"), "реестр.csv", None, via="cli")
    db.session.commit()
    assert b.status == "committed", b.options
    return b


def entries():
    from casework.accounts.models import Account, Service

    rows = db.session.execute(select(Account.number, Service.code, LedgerEntry.kind, LedgerEntry.amount_kop,
                                     LedgerEntry.paid_on)
                              .join(Account, Account.id == LedgerEntry.account_id)
                              .join(Service, Service.id == LedgerEntry.service_id))
    return sorted((n, s, k, a, p.isoformat() if p else None) for n, s, k, a, p in rows)


def test_registry_categories_as_1c_writes_them(app):
    load_registry()
    from casework.accounts.models import Account

    got = dict(db.session.execute(select(Account.number, Account.category)).all())
    assert got == {"000101": "population", "000102": "population", "000201": "other", "000202": "other"}


def test_a_1c_turnover_sheet_imports_and_a_second_time_adds_nothing(app):
    load_registry()
    data = build_osv(sample_lines(), houses=True, title=TITLE)
    pv = services.validate_file("turnover", data, "ОСВ ноябрь.xlsx")
    assert pv.errors == [] and (pv.rows_total, pv.rows_valid, pv.rows_bad) == (5, 5, 0)
    s = pv.summary
    assert s["osv"]["period"] == f"{M:%Y-%m}" and s["osv"]["header_row"] == 5
    assert s["sums"]["months"] == [f"{M:%Y-%m}"]
    assert (s["sums"]["period_from"], s["sums"]["period_to"]) == (f"{M:%Y-%m}", f"{M:%Y-%m}")
    sums = {r["kind"]: r["total"] for r in s["sums"]["rows"]}
    assert sums == {"opening": 100000 + 30025, "recalculation": -15000, "charge": 250050 * 2 + 180000 + 80000 + 64010,
                    "payment": 200000 + 250050 + 110025 + 10000}
    assert [c[0] for c in s["columns"]][:3] == ["Лицевой счет", "Услуга", "Период"]
    assert s["previous"] is None

    b = services.commit_import("turnover", data, "ОСВ ноябрь.xlsx", None, via="cli")
    db.session.commit()
    assert (b.status, b.rows_inserted, b.rows_duplicate) == ("committed", 12, 0)
    assert entries() == sorted([
        ("000101", "heating", "opening", 100000, None), ("000101", "heating", "charge", 250050, None),
        ("000101", "heating", "payment", 200000, LAST_DAY),
        ("000102", "heating", "recalculation", -15000, None), ("000102", "heating", "charge", 250050, None),
        ("000102", "heating", "payment", 250050, LAST_DAY),
        ("000201", "heating", "charge", 180000, None),
        ("000101", "hot_water", "opening", 30025, None), ("000101", "hot_water", "charge", 80000, None),
        ("000101", "hot_water", "payment", 110025, LAST_DAY),
        ("000201", "hot_water", "charge", 64010, None), ("000201", "hot_water", "payment", 10000, LAST_DAY)])
    # the closing balances of the sheet are the accounts' balances
    debt = db.session.scalar(select(func.sum(AccountBalance.balance_kop)))
    assert debt == 150050 - 15000 + 180000 + 0 + 54010

    again = services.validate_file("turnover", data, "ОСВ ноябрь (копия).xlsx")
    assert again.summary["previous"] == {"batch_id": b.id, "on": b.started_at.date().isoformat(), "kind": "turnover"}
    assert (again.rows_new, again.rows_known) == (0, 12)
    b2 = services.commit_import("turnover", data, "ОСВ ноябрь.xlsx", None, via="cli")
    db.session.commit()
    assert (b2.rows_inserted, b2.rows_duplicate) == (0, 12)


def test_a_sheet_with_bad_rows_writes_an_error_file_in_the_turnover_columns(app, tmp_path):
    load_registry()
    lines = sample_lines()
    from decimal import Decimal

    from tests.osv_builder import OsvLine

    lines.append(OsvLine("000999", "Отопление", Decimal(0), Decimal(5), Decimal(0)))
    data = build_osv(lines, title=TITLE)
    b = services.commit_import("turnover", data, "osv.xlsx", None, via="cli", skip_bad_rows=True,
                               error_file=str(tmp_path / "err.csv"))
    db.session.commit()
    assert (b.status, b.rows_total, b.rows_bad, b.rows_skipped) == ("committed", 6, 1, 1)
    err = (tmp_path / "err.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert err[0].startswith("Лицевой счет;Услуга;Период;Сальдо на начало периода")
    assert err[1].startswith(f"999;Отопление;{M:%Y-%m};0,00;5,00;0,00;5,00;")
    assert "Лицевой счет: неизвестный лицевой счёт 999 (Excel сохранил его как число" in err[1]


def test_values_billings_write_and_the_administrators_aliases(app):
    load_registry()
    month = f"{MONTH_NAMES[M.month - 1]} {M.year}"  # «Ноябрь 2026»
    ledger = ("Лицевой счёт;Период;Услуга;Вид;Сумма;Дата оплаты;Источник\n"
              f"000101;{month};ХВС;Сальдо начальное;100;;\n"
              f"000101;{month};ГВС;Начисление;200;;\n"
              f"000101;{month};ХВС;Оплачено;50;10.{M:%m.%Y};Почта России\n"
              f"000101;{month};ХВС;Оплачено;20;11.{M:%m.%Y};Исполнительный лист\n"
              f"000101;{month};Вода питьевая;Начисление;1;;\n"
              f"000101;{month};ХВС;Оплачено;30;12.{M:%m.%Y};Терминал\n").encode("cp1251")
    pv = services.validate_file("ledger", ledger, "l.csv")
    assert [(e.row, e.column) for e in pv.errors] == [(6, "Услуга"), (7, "Источник")]
    aliases.add_alias("service", "Вода питьевая", "cold_water")
    aliases.add_alias("source", "Терминал", "online")
    db.session.commit()
    b = services.commit_import("ledger", ledger, "l.csv", None, via="cli")
    db.session.commit()
    assert b.status == "committed", b.options
    assert entries() == sorted([
        ("000101", "cold_water", "opening", 10000, None), ("000101", "hot_water", "charge", 20000, None),
        ("000101", "cold_water", "payment", 5000, f"{M:%Y-%m}-10"),
        ("000101", "cold_water", "payment", 2000, f"{M:%Y-%m}-11"),
        ("000101", "cold_water", "charge", 100, None), ("000101", "cold_water", "payment", 3000, f"{M:%Y-%m}-12")])
    sources = sorted(db.session.scalars(select(LedgerEntry.source).where(LedgerEntry.kind == "payment")))
    assert sources == ["enforcement", "online", "other"]
    # a deleted alias stops matching and is not seeded again
    hvs = db.session.scalar(select(ImportAlias).where(ImportAlias.alias == "ХВС"))
    assert aliases.delete_alias(hvs.id) is not None
    from casework.maintenance.setup import seed_reference

    seed_reference()
    db.session.commit()
    assert "хвс" not in aliases.values()["service"]
    pv = services.validate_file("ledger", ledger, "l.csv")
    assert {e.row for e in pv.errors} == {2, 4, 5, 7}  # every «ХВС» row


def test_impossible_dates_are_refused_with_row_column_and_reason(app):
    load_registry()
    soon, later, far = add_months(today(), 3), add_months(today(), 5), add_months(today(), 50)
    ledger = ("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты\n"          # (on 05.12.2026:)
              f"000101;{M:%m.%Y};heating;оплата;10;15.{soon:%m.%Y}\n"  # 15.03.2027
              f"000101;{later:%m.%Y};heating;начисление;10;\n"         # 05.2027
              f"000101;{far:%m.%Y};heating;начисление;10;\n"           # 02.2031
              "000101;11.1926;heating;начисление;10;\n"
              f"000101;{M:%m.%Y};heating;начисление;10;\n").encode()
    pv = services.validate_file("ledger", ledger, "l.csv")
    assert [(e.row, e.column) for e in pv.errors] == [(2, "Дата оплаты"), (3, "Период"), (4, "Период"), (5, "Период")]
    assert pv.errors[0].reason.startswith(f"15.{soon:%m.%Y} — дата в будущем")
    assert "неправдоподобно старая" in pv.errors[3].reason
    assert (pv.rows_valid, pv.rows_bad) == (1, 4)
    b = services.commit_import("ledger", ledger, "l.csv", None, via="cli")
    assert b.status == "rejected"
    db.session.rollback()
    # the setting: six months ahead lets 05.2027 through, never 2031
    app.config["IMPORT_MAX_MONTHS_AHEAD"] = 6
    try:
        pv = services.validate_file("ledger", ledger, "l.csv")
    finally:
        app.config["IMPORT_MAX_MONTHS_AHEAD"] = 0
    assert [e.row for e in pv.errors] == [4, 5]


def test_koi8r_file_header_only_files_and_missing_columns_in_russian(app):
    load_registry()
    ledger = ("Лицевой счёт;Период;Услуга;Вид;Сумма;Дата оплаты\n"
              f"000101;{M:%Y-%m};Отопление;Начисление;100;\n")
    b = services.commit_import("ledger", ledger.encode("koi8_r"), "koi8.csv", None, via="cli")
    db.session.commit()
    assert (b.status, b.rows_inserted) == ("committed", 1)
    for kind, header in (("ledger", "ЛС;Период;Услуга;Вид;Сумма\n"), ("accounts", "ЛС;Категория;ФИО;Адрес\n"),
                         ("persons", "ЛС;ФИО;Роль\n"),
                         ("turnover", "ЛС;Услуга;Период;Сальдо на начало;Начислено;Оплачено;Сальдо на конец\n")):
        pv = services.validate_file(kind, header.encode("cp1251"), "h.csv")
        assert pv.file_error and pv.errors[0].reason.startswith("В файле есть заголовок, но нет ни одной строки"), kind
        b = services.commit_import(kind, header.encode(), "h.csv", None, via="cli")
        assert b.status == "rejected" and b.rows_inserted == 0
    pv = services.validate_file("ledger", f"ЛС;Период;Сумма\n000101;{M:%Y-%m};1\n".encode(), "x.csv")
    assert [(e.column, e.reason) for e in pv.errors] == [("Услуга", "Нет обязательного столбца «Услуга»."),
                                                         ("Вид", "Нет обязательного столбца «Вид».")]


def test_the_preview_warns_of_rows_in_a_closed_month(app):
    from casework.reports.services import close_month

    load_registry()
    close_month(M0, None, today())
    db.session.commit()
    ledger = ("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты\n"
              f"000101;{M0:%Y-%m};heating;начисление;100;\n"
              f"000101;{M:%Y-%m};heating;оплата;50;{add_months(M0, 1) - date.resolution:%d.%m.%Y}\n"
              f"000101;{M:%Y-%m};heating;начисление;100;\n").encode()
    pv = services.validate_file("ledger", ledger, "l.csv")
    assert pv.summary["closed_rows"] == 2
    assert any("строки 2, 3" in w and f"{M0:%m.%Y}" in w for w in pv.summary["warnings"])
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 1  # the registry; the preview adds none
