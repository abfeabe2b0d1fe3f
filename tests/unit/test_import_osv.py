"""A 1С оборотно-сальдовая ведомость (built by tests/osv_builder.py as 1С saves it) read into turnover rows; the
Russian month names and the impossible-date bounds (pure, no database)."""
from datetime import date
from decimal import Decimal

import pytest

from casework.imports import columns, ledger_file, months, osv, plausible, tables, turnover_file, values
from casework.imports.aliases import SEED
from casework.imports.rows import ImportFileError
from tests.osv_builder import OsvLine, build_osv, sample_lines

ACCOUNTS = {"000101": 1, "000102": 2, "000201": 3}
SERVICES = columns.service_lookup([(10, "heating", "Отопление"), (20, "hot_water", "Горячее водоснабжение")])
SERVICES[columns.norm("ГВС")] = 20  # the shipped alias (aliases.SEED), as services.py adds it
BOUNDS = plausible.DateBounds.of(date(2026, 12, 5))
EXPECTED = [  # (account, service, period, opening, charged, recalculated, paid, closing) in kopecks
    (1, 10, date(2026, 11, 1), 100000, 250050, 0, 200000, 150050),
    (2, 10, date(2026, 11, 1), -15000, 250050, 0, 250050, -15000),
    (3, 10, date(2026, 11, 1), 0, 180000, 0, 0, 180000),
    (1, 20, date(2026, 11, 1), 30025, 80000, 0, 110025, 0),
    (3, 20, date(2026, 11, 1), 0, 64010, 0, 10000, 54010),
]


def read(data: bytes, name="osv.xlsx", accounts=ACCOUNTS):
    sheet = osv.read_sheet(data, name, accounts, SERVICES, BOUNDS)
    assert sheet is not None
    res = turnover_file.parse_turnover(sheet.table, accounts, SERVICES)
    osv.merge_into(res, sheet)
    return res, sheet.info


def reasons(res):
    return [(e.row, e.column, e.reason) for e in res.errors]


@pytest.mark.parametrize("layout,houses", [("service_first", False), ("service_first", True), ("account_first", False)])
def test_a_1c_sheet_in_each_grouping_reads_as_signed_balances(layout, houses):
    res, info = read(build_osv(sample_lines(), layout=layout, houses=houses))
    assert res.errors == []
    assert sorted(t[:8] for t in res.rows) == sorted(EXPECTED)
    assert res.total == 5
    assert (info.header_row, info.period, info.service_from) == (5, "2026-11", "groups")
    assert info.title[:2] == ["ООО «Теплосеть»", "Оборотно-сальдовая ведомость по счету 62 за Ноябрь 2026 г."]
    skipped = {reason for _r, _t, reason in info.skipped}
    assert "total" in skipped and ({"service", "account"} & skipped)
    assert ("group" in skipped) == houses
    assert info.warnings == []


def test_the_ledger_entries_of_a_sheet():
    """Opening → opening (a credit balance → a negative recalculation), debit turnover → charge, credit turnover →
    one payment on the last day of the month."""
    res, _info = read(build_osv(sample_lines()))
    entries = turnover_file.turnover_entries(res, {})
    acc2 = [(e[3], e[4], e[5]) for e in entries if e[0] == 2]
    assert acc2 == [("recalculation", -15000, None), ("charge", 250050, None), ("payment", 250050, "2026-11-30")]


def test_one_service_named_in_the_title_and_no_grouping():
    lines = [x for x in sample_lines() if x.service == "Отопление"]
    res, info = read(build_osv(lines, layout="plain", extra_title=['Отбор: Услуга Равно "Отопление"']))
    assert res.errors == [] and info.service_from == "title"
    assert sorted(t[:8] for t in res.rows) == sorted(EXPECTED[:3])
    with pytest.raises(ImportFileError, match="names no service"):
        read(build_osv(lines, layout="plain"))


def test_numbers_excel_stored_as_numbers_are_matched_or_explained():
    lines = sample_lines()[:3] + [OsvLine("000777", "Отопление", Decimal(0), Decimal(10), Decimal(0))]
    accounts = {**ACCOUNTS, "0102": 9}  # «102» can be 000102 or 0102
    res, _info = read(build_osv(lines), accounts=accounts)
    got = reasons(res)
    assert [g[:2] for g in got] == [(9, "Лицевой счет"), (11, "Лицевой счет")]
    assert "ambiguous" in got[0][2] and "000102, 0102" in got[0][2]
    assert "unknown account 777" in got[1][2] and "leading zeros" in got[1][2]
    assert [t[0] for t in res.rows] == [1, 3]
    assert res.total == 4 and res.bad_rows == 2


def test_a_row_that_does_not_balance_names_row_column_and_reason():
    lines = sample_lines()
    lines[2] = OsvLine("000201", "Отопление", Decimal(0), Decimal("1800.00"), Decimal(0), closing=Decimal("1700.00"))
    res, info = read(build_osv(lines))
    assert reasons(res) == [(10, "Сальдо на конец периода (Дебет − Кредит)",
                             "the row does not balance: opening + charged + recalculated − paid = 1800,00, "
                             "closing = 1700,00")]
    assert info.warnings == []  # the grand total is the sum of the rows as written


def test_the_grand_total_is_compared_with_the_rows():
    res, info = read(build_osv(sample_lines(), total_override={"paid": Decimal("9999.99")}))
    assert res.errors == []
    assert len(info.warnings) == 1 and "Итого" in info.warnings[0] and "9999,99" in info.warnings[0]


def test_a_bad_amount_names_the_column_as_the_file_writes_it():
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(build_osv(sample_lines())))
    wb.active["B8"] = "тысяча"
    buf = io.BytesIO()
    wb.save(buf)
    res, _info = read(buf.getvalue())
    assert reasons(res) == [(8, "Сальдо на начало периода: Дебет", "not an amount: тысяча")]


@pytest.mark.parametrize("title,message", [
    ("Оборотно-сальдовая ведомость по счету 62 за 4 квартал 2026 г.", "not one month"),
    ("Оборотно-сальдовая ведомость по счету 62 за 01.10.2026 - 31.12.2026", "not one month"),
    ("Оборотно-сальдовая ведомость по счету 62", "no period column"),
    ("Оборотно-сальдовая ведомость по счету 62 за Март 2027 г.", "in the future"),
    ("Оборотно-сальдовая ведомость по счету 62 за Ноябрь 1926 г.", "implausibly old"),
])
def test_the_period_of_the_title(title, message):
    with pytest.raises(ImportFileError, match=message):
        read(build_osv(sample_lines(), title=title))


def test_the_period_as_1c_writes_it_in_other_titles():
    res, info = read(build_osv(sample_lines(), title="Оборотно-сальдовая ведомость за период 01.11.2026 - 30.11.2026"))
    assert res.errors == [] and info.period == "2026-11"


def test_a_csv_sheet_in_windows_1251_with_a_comma_in_the_title():
    text = ("ООО «Водоканал», г. Ленск\n"
            "Оборотно-сальдовая ведомость, сальдо и обороты, за 11.2026\n"
            "\n"
            "Лицевой счет;Сальдо на начало периода;;Обороты за период;;Сальдо на конец периода;\n"
            ";Дебет;Кредит;Дебет;Кредит;Дебет;Кредит\n"
            "Отопление;1000;;2500,50;2000;1500,50;\n"
            "101;1000;;2500,50;2000;1500,50;\n"
            "Итого;1000;;2500,50;2000;1500,50;\n")
    res, info = read(text.encode("cp1251"), "osv.csv")
    assert res.errors == [] and [t[:8] for t in res.rows] == [EXPECTED[0]]
    assert (info.header_row, info.period) == (4, "2026-11")


def test_a_sheet_without_the_header_is_refused_with_what_was_looked_for():
    with pytest.raises(ImportFileError, match="header of the turnover sheet is not found"):
        osv.read_sheet("Отчёт\nстрока;другая\n1;2\n".encode(), "x.csv", ACCOUNTS, SERVICES, BOUNDS)


def test_a_flat_turnover_file_is_left_to_the_flat_reader():
    flat = "ЛС;Услуга;Период;Сальдо на начало;Начислено;Оплачено;Сальдо на конец\n101;heating;2026-11;0;1;0;1\n"
    assert osv.read_sheet(flat.encode(), "t.csv", ACCOUNTS, SERVICES, BOUNDS) is None


def test_the_shipped_aliases_name_known_targets():
    from casework.accounts.models import PAYMENT_SOURCES
    from casework.accounts.seed import DEFAULT_SERVICES

    targets = {"service": {s[0] for s in DEFAULT_SERVICES}, "source": set(PAYMENT_SOURCES),
               "category": {"population", "other"}}
    for kind, alias, target in SEED:
        assert target in targets[kind], (kind, alias)
    wanted = {"ХВС", "ГВС", "Почта России", "Исполнительный лист", "Физическое лицо", "Юридическое лицо",
              "Бюджетные организации"}
    assert wanted <= {a for _k, a, _t in SEED}


# ------------------------------------------------------------------ months in words, impossible dates
@pytest.mark.parametrize("raw,ym", [("Ноябрь 2026", (2026, 11)), ("ноябрь 2026 г.", (2026, 11)),
                                    ("Ноября 2026 года", (2026, 11)), ("май 2026", (2026, 5)),
                                    ("Сент. 2026", (2026, 9)), ("мартобря 2026", None), ("ма 2026", None)])
def test_months_in_words(raw, ym):
    assert months.parse_month_name(raw) == ym
    if ym:
        assert values.parse_period(raw) == date(*ym, 1)


def test_date_bounds():
    b = plausible.DateBounds.of(date(2026, 12, 5))
    assert b.reason(date(2026, 12, 31), False) is None and b.reason(date(1998, 1, 1), True) is None
    assert b.reason(date(2027, 3, 15), False) == "15.03.2027 is in the future: the last month accepted is 12.2026"
    assert b.reason(date(1926, 11, 1), True) == "11.1926 is implausibly old: the earliest month accepted is 01.1998"
    ahead = plausible.DateBounds.of(date(2026, 12, 5), months_ahead=6, earliest="2010-01")
    assert ahead.reason(date(2027, 5, 1), True) is None and ahead.reason(date(2027, 7, 1), True)
    assert ahead.reason(date(2009, 12, 1), True)


def test_impossible_ledger_dates_name_row_column_and_reason():
    text = ("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты\n"
            "100001;2026-11;heating;Оплата;10;15.03.2027\n"     # 2 payment in the future
            "100001;05.2027;heating;Начисление;10;\n"            # 3 charge for a month to come
            "100001;01.2031;heating;Начисление;10;\n"            # 4
            "100001;11.1926;heating;Начисление;10;\n"            # 5 implausibly old
            "100001;Ноябрь 2026;heating;Начисление;10;\n")       # 6 fine
    res = ledger_file.parse_ledger(tables.read_table(text.encode(), "l.csv"), {"100001": 1}, SERVICES)
    plausible.check_ledger(res, BOUNDS)
    assert [(e.row, e.column) for e in res.errors] == [(2, "Дата оплаты"), (3, "Период"), (4, "Период"),
                                                       (5, "Период")]
    assert "in the future" in res.errors[0].reason and "implausibly old" in res.errors[3].reason
    assert [t[ledger_file.L_ROW] for t in res.rows] == [6] and res.bad_rows == 4


def test_impossible_months_of_a_flat_turnover_sheet():
    text = ("ЛС;Услуга;Период;Сальдо на начало;Начислено;Оплачено;Сальдо на конец\n"
            "000101;heating;05.2027;0;10;0;10\n"
            "000101;heating;Ноябрь 2026;0;10;0;10\n")
    res = turnover_file.parse_turnover(tables.read_table(text.encode("cp1251"), "t.csv"), ACCOUNTS, SERVICES)
    plausible.check_turnover(res, BOUNDS)
    assert reasons(res) == [(2, "Период", "05.2027 is in the future: the last month accepted is 12.2026")]
    assert [t[9] for t in res.rows] == [3]
